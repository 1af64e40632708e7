//! Go-compatible string quoting (`strconv.Quote`) and Prometheus name validity checks.
//!
//! Prometheus prints label values, strings and error messages with Go's `%q`; matching
//! its output byte for byte needs the same escaping rules.

/// Quotes `s` the way Go's `strconv.Quote` does: double quotes, `\a \b \f \n \r \t \v`,
/// `\\` and `\"` escapes, printable Unicode kept, other code points as `\xNN`, `\uNNNN`
/// or `\UNNNNNNNN`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped_char(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Like [`go_quote`] with another quote character (`'` for PromQL single-quoted strings).
pub fn go_quote_with(s: &str, quote: char) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        push_escaped_char(&mut out, c, quote);
    }
    out.push(quote);
    out
}

fn push_escaped_char(out: &mut String, c: char, quote: char) {
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if is_go_printable(c) => out.push(c),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and ASCII space.
/// Control, format, private-use and non-ASCII space characters are not printable.
pub fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
        | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xD800..=0xDFFF | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFFFE | 0xFFFF
        | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0001 | 0xE0020..=0xE007F)
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`: a metric name that needs no quoting in PromQL.
pub fn is_valid_legacy_metric_name(s: &str) -> bool {
    let mut chars = s.bytes();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b':' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`: a label name that needs no quoting in PromQL.
pub fn is_valid_legacy_label_name(s: &str) -> bool {
    let mut chars = s.bytes();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == b'_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Prometheus 3 accepts any non-empty UTF-8 label name (`&str` is always UTF-8).
pub fn is_valid_label_name(s: &str) -> bool {
    !s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\n\t\u{7}\u{1}"), r#""\n\t\a\x01""#);
        assert_eq!(go_quote("zürich"), "\"zürich\"");
        assert_eq!(go_quote("\u{200b}"), r#""\u200b""#);
        assert_eq!(go_quote("\u{7f}"), r#""\x7f""#);
        assert_eq!(go_quote_with("it's", '\''), r#"'it\'s'"#);
    }

    #[test]
    fn legacy_names() {
        assert!(is_valid_legacy_metric_name("a:b_c1"));
        assert!(!is_valid_legacy_metric_name("1a"));
        assert!(!is_valid_legacy_metric_name("a.b"));
        assert!(is_valid_legacy_label_name("_a1"));
        assert!(!is_valid_legacy_label_name("a:b"));
        assert!(!is_valid_legacy_label_name(""));
    }
}
