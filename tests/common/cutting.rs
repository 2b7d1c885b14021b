//! Strava API stand-ins on a raw TCP socket, for the faults wiremock cannot
//! make: a response whose head and first half of the body arrive, and then
//! the connection is reset (TCP RST), as when a proxy or NAT drops it
//! (`CuttingApi`); and a page whose chunked body never ends (`EndlessApi`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

pub struct CuttingApi {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl CuttingApi {
    /// Serves `/athlete` and `pages` (then an empty page); the first `cuts`
    /// answers to page `cut_page` are reset halfway through their body.
    pub async fn start(pages: Vec<Vec<Value>>, cut_page: usize, cuts: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/api/v3", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            let cuts_left = Arc::new(Mutex::new(cuts));
            while let Ok((stream, _)) = listener.accept().await {
                let (pages, seen, cuts_left) = (pages.clone(), seen.clone(), cuts_left.clone());
                tokio::spawn(async move {
                    serve(stream, &pages, cut_page, &cuts_left, &seen).await;
                });
            }
        });
        CuttingApi { url, requests }
    }

    pub fn api_url(&self) -> String {
        self.url.clone()
    }

    /// Request targets received, e.g. `/api/v3/athlete/activities?per_page=200&page=1`.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("requests").clone()
    }
}

/// Reads a GET's head; returns its target and the stream to answer on.
async fn read_request(stream: TcpStream) -> Option<(String, TcpStream)> {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
        return None;
    }
    // The rest of the head; a GET has no body.
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header).await {
            Ok(n) if n > 2 => continue,
            _ => break,
        }
    }
    let target = request_line.split(' ').nth(1).unwrap_or("").to_string();
    Some((target, reader.into_inner()))
}

async fn serve(
    stream: TcpStream,
    pages: &[Vec<Value>],
    cut_page: usize,
    cuts_left: &Mutex<usize>,
    seen: &Mutex<Vec<String>>,
) {
    let Some((target, mut stream)) = read_request(stream).await else {
        return;
    };
    seen.lock().expect("requests").push(target.clone());
    let page: Option<usize> = target.split_once('?').and_then(|(_, query)| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix("page="))
            .and_then(|n| n.parse().ok())
    });
    let body = match page {
        Some(n) => json!(pages.get(n - 1).cloned().unwrap_or_default()),
        None => super::athlete(),
    }
    .to_string();
    let cut = page == Some(cut_page) && {
        let mut left = cuts_left.lock().expect("cuts");
        let cut = *left > 0;
        *left = left.saturating_sub(1);
        cut
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let sent = if cut {
        &body[..body.len() / 2]
    } else {
        &body[..]
    };
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(sent.as_bytes()).await;
    let _ = stream.flush().await;
    if cut {
        // Linger 0: closing sends RST instead of FIN, a reset mid-body.
        #[allow(deprecated)]
        let _ = stream.set_linger(Some(std::time::Duration::ZERO));
        drop(stream);
    } else {
        let _ = stream.shutdown().await;
    }
}

/// Serves `/athlete`, and activity pages whose chunked body never ends: `[`
/// and then activity after activity until the client hangs up, or `bound`
/// bytes (so a client that never stops still ends the test).
pub struct EndlessApi {
    url: String,
    sent: Arc<AtomicU64>,
}

impl EndlessApi {
    pub async fn start(bound: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/api/v3", listener.local_addr().expect("addr"));
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move { serve_endless(stream, bound, &counter).await });
            }
        });
        EndlessApi { url, sent }
    }

    pub fn api_url(&self) -> String {
        self.url.clone()
    }

    /// Page body bytes written to the socket so far, over all requests.
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

async fn serve_endless(stream: TcpStream, bound: u64, sent: &AtomicU64) {
    let Some((target, mut stream)) = read_request(stream).await else {
        return;
    };
    if !target.contains("/athlete/activities") {
        let body = super::athlete().to_string();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(format!("{head}{body}").as_bytes()).await;
        let _ = stream.shutdown().await;
        return;
    }
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    if stream
        .write_all(format!("{head}1\r\n[\r\n").as_bytes())
        .await
        .is_err()
    {
        return;
    }
    let one = format!("{},", super::activity(1, "2024-03-01T07:00:00Z"));
    let data = one.repeat(64 * 1024 / one.len());
    let chunk = format!("{:x}\r\n{data}\r\n", data.len());
    let mut written = 0;
    while written < bound {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            return;
        }
        written += data.len() as u64;
        sent.fetch_add(data.len() as u64, Ordering::Relaxed);
    }
}
