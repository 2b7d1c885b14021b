//! A Strava API stand-in on a raw TCP socket, for the one fault wiremock
//! cannot make: a response whose head and first half of the body arrive, and
//! then the connection is reset (TCP RST), as when a proxy or NAT drops it.

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

async fn serve(
    stream: TcpStream,
    pages: &[Vec<Value>],
    cut_page: usize,
    cuts_left: &Mutex<usize>,
    seen: &Mutex<Vec<String>>,
) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
        return;
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
    let mut stream = reader.into_inner();
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
