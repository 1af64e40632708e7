//! Regexes with Go's RE2 semantics, as Prometheus's relabeling compiles them.
//!
//! Rust's `regex` is RE2-like, but its Perl classes (`\d`, `\w`, `\s`, `\b`) are Unicode
//! while Go's are ASCII: `\d` must not match `٣`. Patterns are rewritten to the ASCII
//! classes first, then anchored as Prometheus 3 does: `^(?s:<pattern>)$` (so `.` also
//! matches a newline). Error messages are shaped like Go's
//! `error parsing regexp: <what>: `<where>``.

use regex_syntax::ast::ErrorKind;

/// Compiles `pattern` anchored at both ends with `(?s)`, using Go's ASCII Perl classes.
pub(crate) fn compile_anchored(pattern: &str) -> Result<regex::Regex, String> {
    let translated = translate_perl_classes(pattern);
    let wrapped = format!("^(?s:{translated})$");
    if let Err(e) = regex_syntax::ast::parse::Parser::new().parse(&wrapped) {
        return Err(go_style_error(&e, &wrapped, pattern));
    }
    regex::RegexBuilder::new(&wrapped)
        .size_limit(16 << 20)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => {
                format!("error parsing regexp: expression too large: `{pattern}`")
            }
            other => format!(
                "error parsing regexp: {}: `{pattern}`",
                other.to_string().lines().last().unwrap_or("invalid").trim()
            ),
        })
}

fn go_style_error(e: &regex_syntax::ast::Error, wrapped: &str, pattern: &str) -> String {
    let start = e.span().start.offset.min(wrapped.len());
    let mut end = e.span().end.offset.clamp(start, wrapped.len());
    if end == start {
        // An empty span points at one character (e.g. the `*` with nothing to repeat).
        end = wrapped[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8());
    }
    let spanned = wrapped.get(start..end).unwrap_or(pattern);
    let rest = wrapped.get(start..).unwrap_or(pattern);
    let (what, fragment) = match e.kind() {
        ErrorKind::GroupUnclosed => ("missing closing )", wrapped),
        ErrorKind::GroupUnopened => ("unexpected )", wrapped),
        ErrorKind::ClassUnclosed => ("missing closing ]", rest),
        ErrorKind::RepetitionMissing => ("missing argument to repetition operator", spanned),
        ErrorKind::RepetitionCountInvalid | ErrorKind::RepetitionCountUnclosed => {
            ("invalid repeat count", spanned)
        }
        ErrorKind::EscapeUnrecognized | ErrorKind::EscapeUnexpectedEof => {
            ("invalid escape sequence", spanned)
        }
        ErrorKind::ClassRangeInvalid => ("invalid character class range", spanned),
        ErrorKind::FlagUnrecognized | ErrorKind::FlagDanglingNegation => {
            ("invalid or unsupported Perl syntax", spanned)
        }
        ErrorKind::GroupNameDuplicate { .. } => ("duplicate capture group name", spanned),
        ErrorKind::GroupNameInvalid | ErrorKind::GroupNameEmpty => {
            ("invalid named capture", spanned)
        }
        _ => ("invalid or unsupported Perl syntax", spanned),
    };
    format!("error parsing regexp: {what}: `{fragment}`")
}

/// Rewrites `\d \D \w \W \s \S \b \B` to their ASCII meaning (Go's), inside and outside
/// bracket classes. Everything else is copied unchanged.
fn translate_perl_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let replacement = match (next, in_class) {
                    ('d', false) => Some("[0-9]"),
                    ('D', false) => Some("[^0-9]"),
                    ('w', false) => Some("[0-9A-Za-z_]"),
                    ('W', false) => Some("[^0-9A-Za-z_]"),
                    ('s', false) => Some(r"[\t\n\f\r ]"),
                    ('S', false) => Some(r"[^\t\n\f\r ]"),
                    ('b', false) => Some(r"(?-u:\b)"),
                    ('B', false) => Some(r"(?-u:\B)"),
                    ('d', true) => Some("0-9"),
                    ('w', true) => Some("0-9A-Za-z_"),
                    ('s', true) => Some(r"\t\n\f\r "),
                    ('D', true) => Some("[^0-9]"),
                    ('W', true) => Some("[^0-9A-Za-z_]"),
                    ('S', true) => Some(r"[^\t\n\f\r ]"),
                    _ => None,
                };
                match replacement {
                    Some(r) => out.push_str(r),
                    None => {
                        out.push('\\');
                        out.push(next);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                // A `]` right after the opening bracket is a literal in RE2.
                if chars.peek() == Some(&']') {
                    out.push_str(r"\]");
                    chars.next();
                }
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // POSIX class like [:alpha:] inside a bracket expression: copy verbatim.
                out.push('[');
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == ']' {
                        break;
                    }
                }
            }
            '[' => out.push_str(r"\["),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        compile_anchored(p).unwrap().is_match(s)
    }

    #[test]
    fn anchored_and_dot_matches_newline() {
        assert!(m("foo", "foo"));
        assert!(!m("foo", "xfoo"));
        assert!(!m("foo", "foox"));
        assert!(m("a.b", "a\nb"));
        assert!(m("foo|bar", "bar"));
    }

    #[test]
    fn perl_classes_are_ascii_like_go() {
        assert!(m(r"\d+", "123"));
        assert!(!m(r"\d+", "١٢٣"));
        assert!(m(r"\w+", "abc_9"));
        assert!(!m(r"\w+", "é"));
        assert!(m(r"\W", "é"));
        assert!(m(r"[\d.]+", "1.2"));
        assert!(m(r"[^\d]+", "ab"));
        assert!(m(r"[\D]", "x"));
        assert!(m(r"\s", "\t"));
        assert!(m(r"a\b.*", "a b"));
        assert!(m(r"[]a]+", "]a"));
        assert!(m(r"[[:alpha:]]+", "abc"));
        assert!(m(r"\\d", "\\d"));
    }

    #[test]
    fn errors_read_like_go() {
        assert_eq!(
            compile_anchored("(abc").unwrap_err(),
            "error parsing regexp: missing closing ): `^(?s:(abc)$`"
        );
        assert_eq!(
            compile_anchored("*").unwrap_err(),
            "error parsing regexp: missing argument to repetition operator: `*`"
        );
        assert!(compile_anchored("[a")
            .unwrap_err()
            .starts_with("error parsing regexp: missing closing ]"));
    }
}
