//! The one redaction step. Every secret value the process holds is
//! registered here as it enters (each `Secret` on creation: Strava's client
//! secret, the refresh tokens old and new, the access token, the
//! authorization code; and the Google access token when it is fetched), and
//! every text that leaves the process passes `redact`: each log line and the
//! final error on stderr (`logging`), a panic message, `sync_runs.message`,
//! and every excerpt of an upstream body. So whatever an upstream echoes (a
//! proxy repeating the form it was sent, a gateway quoting the
//! `Authorization` header) never reaches a log or a table.
//!
//! Responsible for: the registry, and replacing each value, also as a form
//! body or a JSON string would spell it, with `<redacted>`. Not responsible
//! for: keeping secrets out of `Debug` and `Display` (the `Secret` type does)
//! or deciding what is logged.

use std::sync::RwLock;

/// What a secret is replaced with.
pub(crate) const MARK: &str = "<redacted>";

/// Values shorter than this are not registered: no store holds a secret that
/// short (Strava's are 40 characters), and replacing a short value would
/// garble ordinary words in messages.
const SHORTEST: usize = 8;

/// Every spelling of every registered value, longest first, so that a value
/// containing another is replaced whole.
static VALUES: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Adds `value` to what `redact` removes, for the rest of the process.
pub(crate) fn register(value: &str) {
    let value = value.trim();
    if value.len() < SHORTEST {
        return;
    }
    let spellings = [value.to_string(), form_encoded(value), json_escaped(value)];
    let mut values = VALUES.write().unwrap_or_else(|e| e.into_inner());
    for s in spellings {
        if !values.contains(&s) {
            values.push(s);
        }
    }
    values.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` with every registered value replaced by `<redacted>`.
pub(crate) fn redact(text: &str) -> String {
    let values = VALUES.read().unwrap_or_else(|e| e.into_inner());
    let mut out = text.to_string();
    for v in values.iter() {
        if out.contains(v.as_str()) {
            out = out.replace(v.as_str(), MARK);
        }
    }
    out
}

/// About the first `max` bytes of `text`, redacted: the cut is moved past any
/// secret that straddles it, so a cut never leaves part of a secret that
/// `redact` would no longer recognise. For excerpts of long bodies.
pub(crate) fn redact_prefix(text: &str, max: usize) -> String {
    let values = VALUES.read().unwrap_or_else(|e| e.into_inner());
    let bytes = text.as_bytes();
    let mut end = max.min(bytes.len());
    'grow: loop {
        for v in values.iter().map(|v| v.as_bytes()) {
            // Occurrences starting in (end - len, end) straddle the cut.
            let from = end.saturating_sub(v.len() - 1);
            let to = (end + v.len() - 1).min(bytes.len());
            if let Some(at) = bytes[from..to].windows(v.len()).position(|w| w == v) {
                end = from + at + v.len();
                continue 'grow;
            }
        }
        break;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    drop(values);
    redact(&text[..end])
}

/// How `application/x-www-form-urlencoded` (the token call's body) spells
/// `value`: unreserved bytes kept, space as `+`, the rest `%XX`.
fn form_encoded(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// How a JSON string spells `value` (quotes, backslashes, control characters escaped).
fn json_escaped(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_value_is_removed_however_an_upstream_spelled_it() {
        register("tok/en+with \"odd\" chars");
        let echoed = "form: refresh_token=tok%2Fen%2Bwith+%22odd%22+chars; \
                      json: {\"t\":\"tok/en+with \\\"odd\\\" chars\"}; raw: tok/en+with \"odd\" chars";
        let out = redact(echoed);
        assert!(!out.contains("odd"), "{out}");
        assert_eq!(out.matches(MARK).count(), 3, "{out}");
        assert!(out.starts_with("form: refresh_token="), "{out}");
    }

    #[test]
    fn a_secret_straddling_the_cut_is_removed_whole() {
        register("straddle-0123456789");
        let text = "0123456789 straddle-0123456789 and more";
        let cut = redact_prefix(text, 15);
        assert!(!cut.contains("straddle"), "{cut}");
        assert!(cut.starts_with("0123456789 <redacted>"), "{cut}");
    }

    #[test]
    fn a_value_too_short_to_be_a_secret_leaves_text_alone() {
        register("abc");
        assert_eq!(redact("abc def"), "abc def");
    }
}
