//! Decoding of template literals as Go does it: `strconv.Unquote` for strings and
//! characters, and Go's ideal-constant rules for numbers (`1` is an int, `1.5` a float,
//! `0x1F` hex, `'a'` a rune).

use super::ast::NumberLiteral;

/// Go's `strconv.Unquote` for `"..."` and `` `...` `` strings; errors read "invalid syntax".
pub(crate) fn unquote_string(quoted: &str) -> Result<String, String> {
    let invalid = || "invalid syntax".to_string();
    if let Some(raw) = quoted.strip_prefix('`') {
        let body = raw.strip_suffix('`').ok_or_else(invalid)?;
        if body.contains('`') {
            return Err(invalid());
        }
        // Go drops carriage returns from raw strings.
        return Ok(body.replace('\r', ""));
    }
    let body = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or_else(invalid)?;
    if body.contains('\n') {
        return Err(invalid());
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        let (c, tail) = unquote_char(rest, '"')?;
        push_decoded(&mut out, c);
        rest = tail;
    }
    Ok(out)
}

/// A decoded character: a Unicode scalar, or a raw byte from `\xNN`/octal escapes.
pub(crate) enum Decoded {
    Char(char),
    Byte(u8),
}

fn push_decoded(out: &mut String, d: Decoded) {
    match d {
        Decoded::Char(c) => out.push(c),
        // Go strings may hold invalid UTF-8; ours cannot, so a lone byte becomes U+FFFD
        // unless it is ASCII.
        Decoded::Byte(b) if b < 0x80 => out.push(b as char),
        Decoded::Byte(_) => out.push('\u{fffd}'),
    }
}

/// Go's `strconv.UnquoteChar`: decodes the first (possibly escaped) character of `s`.
pub(crate) fn unquote_char(s: &str, quote: char) -> Result<(Decoded, &str), String> {
    let invalid = || "invalid syntax".to_string();
    let mut chars = s.chars();
    let c = chars.next().ok_or_else(invalid)?;
    if c == quote && (quote == '\'' || quote == '"') {
        return Err(invalid());
    }
    if c != '\\' {
        return Ok((Decoded::Char(c), chars.as_str()));
    }
    let e = chars.next().ok_or_else(invalid)?;
    let rest = chars.as_str();
    let simple = match e {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        '\\' => Some('\\'),
        '\'' | '"' if e == quote => Some(e),
        _ => None,
    };
    if let Some(c) = simple {
        return Ok((Decoded::Char(c), rest));
    }
    match e {
        'x' | 'u' | 'U' => {
            let n = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let hex = rest.get(..n).ok_or_else(invalid)?;
            let v = u32::from_str_radix(hex, 16).map_err(|_| invalid())?;
            let rest = &rest[n..];
            if e == 'x' {
                return Ok((Decoded::Byte(v as u8), rest));
            }
            let c = char::from_u32(v).ok_or_else(invalid)?;
            Ok((Decoded::Char(c), rest))
        }
        '0'..='7' => {
            let oct = format!("{e}{}", rest.get(..2).ok_or_else(invalid)?);
            let v = u32::from_str_radix(&oct, 8).map_err(|_| invalid())?;
            if v > 255 {
                return Err(invalid());
            }
            Ok((Decoded::Byte(v as u8), &rest[2..]))
        }
        _ => Err(invalid()),
    }
}

/// Parses a number token into every Go type it fits, as `parse.newNumber` does.
pub(crate) fn parse_number(text: &str, is_char_constant: bool) -> Result<NumberLiteral, String> {
    let mut n = NumberLiteral {
        text: text.to_string(),
        ..NumberLiteral::default()
    };
    if is_char_constant {
        let inner = &text[1..];
        let (decoded, tail) = unquote_char(inner, '\'')?;
        if tail != "'" {
            return Err(format!("malformed character constant: {text}"));
        }
        let v = match decoded {
            Decoded::Char(c) => c as i64,
            Decoded::Byte(b) => b as i64,
        };
        n.int = v;
        n.uint = v as u64;
        n.float = v as f64;
        n.is_int = true;
        n.is_uint = true;
        n.is_float = true;
        return Ok(n);
    }
    if text.ends_with('i') {
        // Complex constants are not supported by this engine.
        return Err(format!(
            "illegal number syntax: {}",
            promlite_model::go_quote(text)
        ));
    }
    let u = parse_go_uint(text);
    if let Some(u) = u {
        n.is_uint = true;
        n.uint = u;
    }
    if let Some(i) = parse_go_int(text) {
        n.is_int = true;
        n.int = i;
        if i == 0 {
            n.is_uint = true;
            n.uint = u.unwrap_or(0);
        }
    }
    if n.is_int {
        n.is_float = true;
        n.float = n.int as f64;
    } else if n.is_uint {
        n.is_float = true;
        n.float = n.uint as f64;
    } else if let Some(f) = parse_go_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!(
                "integer overflow: {}",
                promlite_model::go_quote(text)
            ));
        }
        n.is_float = true;
        n.float = f;
        if f.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
            n.is_int = true;
            n.int = f as i64;
        }
        if f.fract() == 0.0 && (0.0..1.844_674_407_370_955_2e19).contains(&f) {
            n.is_uint = true;
            n.uint = f as u64;
        }
    }
    if !n.is_int && !n.is_uint && !n.is_float {
        return Err(format!(
            "illegal number syntax: {}",
            promlite_model::go_quote(text)
        ));
    }
    Ok(n)
}

/// Go allows `_` only between digits or right after a base prefix.
fn strip_underscores(digits: &str, has_prefix: bool) -> Option<String> {
    if !digits.contains('_') {
        return Some(digits.to_string());
    }
    let bytes = digits.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'_' {
            let prev_ok = if i == 0 {
                has_prefix
            } else {
                bytes[i - 1].is_ascii_hexdigit()
            };
            let next_ok = bytes.get(i + 1).is_some_and(|b| b.is_ascii_hexdigit());
            if !prev_ok || !next_ok {
                return None;
            }
        }
    }
    Some(digits.replace('_', ""))
}

/// `strconv.ParseUint(s, 0, 64)`.
fn parse_go_uint(s: &str) -> Option<u64> {
    if s.starts_with(['+', '-']) {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d, true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d, true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d, true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..], true)
    } else {
        (10, lower.as_str(), false)
    };
    let digits = strip_underscores(digits, prefixed)?;
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(&digits, radix).ok()
}

/// `strconv.ParseInt(s, 0, 64)`.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_go_uint(body)?;
    if neg {
        if u <= i64::MAX as u64 + 1 {
            Some((u as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// `strconv.ParseFloat(s, 64)` for the decimal and hex forms the lexer lets through.
fn parse_go_float(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let value = if let Some(hex) = lower.strip_prefix("0x") {
        parse_hex_float(&strip_underscores(hex, true)?)?
    } else {
        let cleaned = strip_underscores(&lower, false)?;
        if cleaned.is_empty() || cleaned.contains("inf") || cleaned.contains("nan") {
            return None;
        }
        cleaned.parse::<f64>().ok()?
    };
    Some(if neg { -value } else { value })
}

fn parse_hex_float(s: &str) -> Option<f64> {
    let (mantissa, exp) = match s.split_once('p') {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int_part.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_go_ideal_constant_rules() {
        let n = parse_number("1", false).unwrap();
        assert!(n.is_int && n.is_uint && n.is_float);
        let n = parse_number("0.1234567", false).unwrap();
        assert!(n.is_float && !n.is_int);
        assert_eq!(n.float, 0.1234567);
        assert_eq!(parse_number("0x1F", false).unwrap().int, 31);
        assert_eq!(parse_number("017", false).unwrap().int, 15);
        assert_eq!(parse_number("-5", false).unwrap().int, -5);
        assert_eq!(parse_number("1e3", false).unwrap().int, 1000);
        assert_eq!(parse_number("'a'", true).unwrap().int, 97);
        assert_eq!(
            parse_number("99999999999999999999", false).unwrap_err(),
            "integer overflow: \"99999999999999999999\""
        );
    }

    #[test]
    fn strings_unquote_like_go() {
        assert_eq!(unquote_string(r#""a\tb\"c""#).unwrap(), "a\tb\"c");
        assert_eq!(unquote_string(r#""\u00e9\x41""#).unwrap(), "éA");
        assert_eq!(unquote_string("`raw\\n`").unwrap(), "raw\\n");
        assert_eq!(unquote_string(r#""\q""#).unwrap_err(), "invalid syntax");
    }
}
