//! One-line excerpts of bodies that came from outside (API responses, saved
//! pages), for error messages: cut short, control characters flattened. Never
//! used on anything that can hold a secret (the token endpoint's success body).

/// The first `max` bytes of `body` as one trimmed line, or `(empty body)`.
pub fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max)]);
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
