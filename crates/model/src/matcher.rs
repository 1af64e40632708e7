//! `Matcher`: one label matcher (`=`, `!=`, `=~`, `!~`) with Prometheus's anchored,
//! dot-matches-newline regex semantics and fast paths for common regex shapes.

use std::fmt;
use std::sync::Arc;

use regex_syntax::hir::{Class, Hir, HirKind};

use crate::quote::{go_quote, is_valid_legacy_label_name};
use crate::ModelError;

/// The four matcher operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchOp {
    Equal,
    NotEqual,
    RegexMatch,
    RegexNoMatch,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::RegexMatch => "=~",
            MatchOp::RegexNoMatch => "!~",
        }
    }

    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::RegexMatch | MatchOp::RegexNoMatch)
    }

    pub fn is_negative(self) -> bool {
        matches!(self, MatchOp::NotEqual | MatchOp::RegexNoMatch)
    }
}

impl fmt::Display for MatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A compiled regex with shortcuts for shapes that need no regex engine.
#[derive(Debug)]
pub enum FastRegex {
    /// `.*`: everything matches.
    Any,
    /// `.+`: every non-empty value matches.
    NonEmpty,
    /// A literal or an alternation of literals (`a|b|c`): set membership.
    Set(Vec<String>),
    /// `prefix.*`.
    Prefix(String),
    /// `.*infix.*`.
    Contains(String),
    /// Anything else: the anchored regex.
    Regex(regex::Regex),
}

impl FastRegex {
    /// Compiles `pattern` anchored at both ends with `.` matching newlines, as Prometheus 3 does.
    pub fn new(pattern: &str) -> Result<FastRegex, ModelError> {
        let wrapped = format!("^(?s:{pattern})$");
        let re = regex::Regex::new(&wrapped).map_err(|e| ModelError::InvalidRegex {
            pattern: pattern.to_string(),
            message: regex_error_message(&e),
        })?;
        let hir = regex_syntax::ParserBuilder::new()
            .dot_matches_new_line(true)
            .build()
            .parse(pattern)
            .ok();
        Ok(hir
            .and_then(|h| Self::shortcut(&h))
            .unwrap_or(FastRegex::Regex(re)))
    }

    fn shortcut(hir: &Hir) -> Option<FastRegex> {
        let hir = strip_captures(hir);
        if is_any_star(hir) {
            return Some(FastRegex::Any);
        }
        if is_any_plus(hir) {
            return Some(FastRegex::NonEmpty);
        }
        if let Some(set) = literal_set(hir) {
            return Some(FastRegex::Set(set));
        }
        if let HirKind::Concat(parts) = hir.kind() {
            let parts: Vec<&Hir> = parts.iter().map(strip_captures).collect();
            if parts.len() == 2 && is_any_star(parts[1]) {
                if let Some(p) = literal(parts[0]) {
                    return Some(FastRegex::Prefix(p));
                }
            }
            if parts.len() == 3 && is_any_star(parts[0]) && is_any_star(parts[2]) {
                if let Some(p) = literal(parts[1]) {
                    return Some(FastRegex::Contains(p));
                }
            }
        }
        None
    }

    #[inline]
    pub fn is_match(&self, v: &str) -> bool {
        match self {
            FastRegex::Any => true,
            FastRegex::NonEmpty => !v.is_empty(),
            FastRegex::Set(s) => s.iter().any(|x| x == v),
            FastRegex::Prefix(p) => v.starts_with(p.as_str()),
            FastRegex::Contains(p) => v.contains(p.as_str()),
            FastRegex::Regex(r) => r.is_match(v),
        }
    }

    /// The exact values this regex can match, when it is a finite set of literals.
    pub fn set_values(&self) -> Option<&[String]> {
        match self {
            FastRegex::Set(s) => Some(s),
            _ => None,
        }
    }

    /// A literal prefix every match starts with, if known.
    pub fn literal_prefix(&self) -> Option<&str> {
        match self {
            FastRegex::Prefix(p) => Some(p),
            _ => None,
        }
    }
}

/// Go's regexp errors read `error parsing regexp: <what>: `<where>``; Rust's regex errors
/// are multi-line. Keep Rust's first line of explanation in Go's frame.
fn regex_error_message(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| {
            l.trim_start()
                .trim_start_matches("error:")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| text.lines().last().unwrap_or("").trim().to_string());
    format!("error parsing regexp: {last}")
}

fn strip_captures(h: &Hir) -> &Hir {
    match h.kind() {
        HirKind::Capture(c) => strip_captures(&c.sub),
        _ => h,
    }
}

fn is_any_char(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Class(Class::Unicode(c)) => {
            let r = c.ranges();
            r.len() == 1 && r[0].start() == '\0' && r[0].end() == char::MAX
        }
        _ => false,
    }
}

fn is_any_star(h: &Hir) -> bool {
    match strip_captures(h).kind() {
        HirKind::Repetition(r) => r.min == 0 && r.max.is_none() && is_any_char(&r.sub),
        _ => false,
    }
}

fn is_any_plus(h: &Hir) -> bool {
    match strip_captures(h).kind() {
        HirKind::Repetition(r) => r.min == 1 && r.max.is_none() && is_any_char(&r.sub),
        _ => false,
    }
}

fn literal(h: &Hir) -> Option<String> {
    match strip_captures(h).kind() {
        HirKind::Literal(l) => String::from_utf8(l.0.to_vec()).ok(),
        HirKind::Empty => Some(String::new()),
        _ => None,
    }
}

fn literal_set(h: &Hir) -> Option<Vec<String>> {
    if let Some(l) = literal(h) {
        return Some(vec![l]);
    }
    match h.kind() {
        HirKind::Alternation(alts) => alts.iter().map(literal).collect(),
        HirKind::Class(Class::Unicode(c)) => {
            // Small classes such as `[ab]` (also what `a|b` compiles to).
            let total: u32 = c
                .ranges()
                .iter()
                .map(|r| r.end() as u32 - r.start() as u32 + 1)
                .sum();
            if total > 16 {
                return None;
            }
            Some(
                c.ranges()
                    .iter()
                    .flat_map(|r| (r.start()..=r.end()).map(|ch| ch.to_string()))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// A label matcher. Equality of matchers compares name, operator and value.
///
/// ```
/// use promlite_model::{Matcher, MatchOp};
/// let m = Matcher::new(MatchOp::RegexMatch, "job", "api|db").unwrap();
/// assert!(m.matches("api"));
/// assert!(!m.matches("api2")); // anchored
/// let absent = Matcher::new(MatchOp::Equal, "region", "").unwrap();
/// assert!(absent.matches("")); // matches series without the label
/// ```
#[derive(Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    re: Option<Arc<FastRegex>>,
}

impl Matcher {
    /// Builds a matcher; a regex operator compiles `value` (anchored, `(?s)`).
    pub fn new(
        op: MatchOp,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Matcher, ModelError> {
        let name = name.into();
        let value = value.into();
        let re = if op.is_regex() {
            Some(Arc::new(FastRegex::new(&value)?))
        } else {
            None
        };
        Ok(Matcher {
            name,
            op,
            value,
            re,
        })
    }

    /// `name="value"`; never fails.
    pub fn equal(name: impl Into<String>, value: impl Into<String>) -> Matcher {
        Matcher {
            name: name.into(),
            op: MatchOp::Equal,
            value: value.into(),
            re: None,
        }
    }

    /// Whether a label value (`""` for an absent label) satisfies the matcher.
    #[inline]
    pub fn matches(&self, v: &str) -> bool {
        match self.op {
            MatchOp::Equal => self.value == v,
            MatchOp::NotEqual => self.value != v,
            MatchOp::RegexMatch => self.regex().is_match(v),
            MatchOp::RegexNoMatch => !self.regex().is_match(v),
        }
    }

    /// Whether the matcher selects series that lack the label.
    pub fn matches_empty(&self) -> bool {
        self.matches("")
    }

    /// The compiled regex (only for `=~` and `!~`).
    pub fn fast_regex(&self) -> Option<&FastRegex> {
        self.re.as_deref()
    }

    fn regex(&self) -> &FastRegex {
        // `re` is always Some for regex operators: `new` builds it and the fields that
        // decide it (`op`, `value`) are only set there.
        self.re.as_deref().unwrap_or(&FastRegex::Any)
    }
}

impl PartialEq for Matcher {
    fn eq(&self, o: &Self) -> bool {
        self.name == o.name && self.op == o.op && self.value == o.value
    }
}
impl Eq for Matcher {}

impl std::hash::Hash for Matcher {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.op.hash(state);
        self.value.hash(state);
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_valid_legacy_label_name(&self.name) {
            f.write_str(&self.name)?;
        } else {
            f.write_str(&go_quote(&self.name))?;
        }
        write!(f, "{}{}", self.op, go_quote(&self.value))
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Whether a label set satisfies every matcher.
pub fn matches_all(labels: &crate::Labels, matchers: &[Matcher]) -> bool {
    matchers
        .iter()
        .all(|m| m.matches(labels.get_or_empty(&m.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> FastRegex {
        FastRegex::new(p).unwrap()
    }

    #[test]
    fn shortcuts_are_chosen() {
        assert!(matches!(re(".*"), FastRegex::Any));
        assert!(matches!(re(".+"), FastRegex::NonEmpty));
        assert!(matches!(re("foo|bar"), FastRegex::Set(_)));
        assert!(matches!(re("foo.*"), FastRegex::Prefix(_)));
        assert!(matches!(re(".*foo.*"), FastRegex::Contains(_)));
        assert!(matches!(re("f[o]+"), FastRegex::Regex(_)));
    }

    #[test]
    fn shortcut_and_regex_agree() {
        let values = ["", "foo", "foobar", "bar", "xfoo", "a\nb", "fo", "f"];
        for p in [
            ".*", ".+", "foo|bar", "foo.*", ".*foo.*", "(foo)", "", "f|o", "a.b",
        ] {
            let fast = re(p);
            let slow = regex::Regex::new(&format!("^(?s:{p})$")).unwrap();
            for v in values {
                assert_eq!(
                    fast.is_match(v),
                    slow.is_match(v),
                    "pattern {p:?} value {v:?}"
                );
            }
        }
    }

    #[test]
    fn dot_matches_newline_and_anchors() {
        let m = Matcher::new(MatchOp::RegexMatch, "a", "a.b").unwrap();
        assert!(m.matches("a\nb"));
        let m = Matcher::new(MatchOp::RegexMatch, "a", "b").unwrap();
        assert!(!m.matches("abc"));
        let m = Matcher::new(MatchOp::RegexNoMatch, "a", "").unwrap();
        assert!(!m.matches_empty());
        assert!(m.matches("x"));
    }

    #[test]
    fn bad_regex_is_an_error() {
        let e = Matcher::new(MatchOp::RegexMatch, "a", "(foo").unwrap_err();
        assert!(e.to_string().contains("error parsing regexp"), "{e}");
    }

    #[test]
    fn display() {
        let m = Matcher::new(MatchOp::RegexMatch, "a.b", "x\"").unwrap();
        assert_eq!(m.to_string(), r#""a.b"=~"x\"""#);
    }
}
