//! Go's `regexp.Expand` template expansion (`$1`, `${1}`, `$name`, `${name}`, `$$`), which
//! relabeling uses for `replacement` and `target_label`.

/// Appends `template` to `out` with `$` references replaced by the capture groups of
/// `caps` (matched against `haystack`). Rules as Go's:
/// - `$$` is a literal `$`;
/// - `$name` takes the longest run of letters, digits and `_`, so `$1x` names group `1x`;
/// - a name that is all digits (no leading zero, under 1e8) is a group number;
/// - an unknown group, or a group that did not take part in the match, expands to nothing;
/// - a malformed reference (`$` followed by nothing usable, `${x` unclosed) stays literal.
pub(crate) fn expand_into(
    out: &mut String,
    template: &str,
    re: &regex::Regex,
    caps: &regex::Captures<'_>,
) {
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        match extract_reference(rest) {
            None => out.push('$'),
            Some((name, remaining)) => {
                rest = remaining;
                if let Some(value) = lookup(re, caps, name) {
                    out.push_str(value);
                }
            }
        }
    }
    out.push_str(rest);
}

/// Expands into a new string.
pub(crate) fn expand(template: &str, re: &regex::Regex, caps: &regex::Captures<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    expand_into(&mut out, template, re, caps);
    out
}

/// After a `$`: the reference name and what follows it, or `None` when malformed.
fn extract_reference(s: &str) -> Option<(&str, &str)> {
    let (braced, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let name_len = body
        .char_indices()
        .find(|(_, c)| !(c.is_alphabetic() || c.is_numeric() || *c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(body.len());
    if name_len == 0 {
        return None;
    }
    let name = &body[..name_len];
    let after = &body[name_len..];
    if braced {
        let after = after.strip_prefix('}')?;
        return Some((name, after));
    }
    Some((name, after))
}

fn lookup<'h>(re: &regex::Regex, caps: &regex::Captures<'h>, name: &str) -> Option<&'h str> {
    match group_number(name) {
        Some(n) => caps.get(n).map(|m| m.as_str()),
        None => {
            // Go picks the first group with this name that took part in the match.
            let index = re
                .capture_names()
                .enumerate()
                .find(|(i, n)| *n == Some(name) && caps.get(*i).is_some())
                .map(|(i, _)| i)?;
            caps.get(index).map(|m| m.as_str())
        }
    }
}

/// Go reads a name as a group number only if it is all ASCII digits, below 1e8, and has
/// no leading zero (`$01` is the group *named* "01").
fn group_number(name: &str) -> Option<usize> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if name.len() > 1 && name.starts_with('0') {
        return None;
    }
    let n: usize = name.parse().ok()?;
    (n < 100_000_000).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(pattern: &str, text: &str, template: &str) -> String {
        let re = regex::Regex::new(pattern).unwrap();
        let caps = re.captures(text).unwrap();
        expand(template, &re, &caps)
    }

    #[test]
    fn expands_like_go() {
        let p = r"^(?P<first>a+)(b+)?(c+)$";
        assert_eq!(ex(p, "aacc", "$1-$2-$3"), "aa--cc");
        assert_eq!(ex(p, "aabcc", "${1}x"), "aax");
        assert_eq!(ex(p, "aabcc", "$1x"), ""); // group "1x" does not exist
        assert_eq!(ex(p, "aabcc", "$first/${first}"), "aa/aa");
        assert_eq!(ex(p, "aabcc", "$$1 costs $"), "$1 costs $");
        assert_eq!(ex(p, "aabcc", "${1"), "${1");
        assert_eq!(ex(p, "aabcc", "$01"), "");
        assert_eq!(ex(p, "aabcc", "$0"), "aabcc");
        assert_eq!(ex(p, "aabcc", "$9"), "");
        assert_eq!(ex(p, "aabcc", "a$-b"), "a$-b");
    }
}
