//! One-line excerpts of bodies that came from outside (API responses, saved
//! pages), for error messages: secrets redacted, cut short, control
//! characters flattened. Never used on anything that can hold a secret (the
//! token endpoint's success body).

/// The first `max` bytes of `body` as one trimmed line, or `(empty body)`.
/// Redacted before it is cut, so a cut never leaves half a secret that the
/// redaction of the whole message would no longer recognise.
pub(crate) fn excerpt(body: &[u8], max: usize) -> String {
    // A window generous enough for any secret straddling `max`, so a huge
    // body is never copied whole.
    let window = &body[..body.len().min(max.saturating_add(64 * 1024))];
    let redacted = crate::redact::redact_prefix(&String::from_utf8_lossy(window), max);
    let mut end = redacted.len().min(max);
    while !redacted.is_char_boundary(end) {
        end -= 1;
    }
    let text = &redacted[..end];
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match flat.trim() {
        "" => "(empty body)".to_string(),
        t => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn an_excerpt_is_one_short_line() {
        assert_eq!(excerpt(b"<html>\n<b>Bad</b>\n</html>", 12), "<html> <b>Ba");
        assert_eq!(excerpt(b"  \n", 10), "(empty body)");
    }
}
