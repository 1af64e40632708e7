//! The previous, hand-written literal conversions, frozen verbatim as the test oracle for
//! the nom parsers in the sibling modules: the differential tests require byte-for-byte
//! equal results and error texts. Test-only; do not edit to "fix" behaviour here.

use promlite_model::go_quote;

/// Converts a number token the way Prometheus does: as a Go integer literal (decimal,
/// `0x` hex, leading-`0` octal, `_` separators) when it fits in an `i64`, else as a float.
/// The error text is Go's `ParseFloat` error.
pub(super) fn parse_number_literal(text: &str) -> Result<f64, String> {
    if let Some(int) = parse_go_int(text) {
        return Ok(int as f64);
    }
    parse_go_float(text)
}

/// Parses a PromQL number literal (`1`, `0x1f`, `1e3`, `.5`, `Inf`, `NaN`, `1_000`).
/// Returns `None` for anything Prometheus would reject.
pub(super) fn parse_number(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let (sign, body) = match trimmed.as_bytes().first() {
        Some(b'-') => (-1.0, &trimmed[1..]),
        Some(b'+') => (1.0, &trimmed[1..]),
        _ => (1.0, trimmed),
    };
    parse_number_literal(body).ok().map(|v| sign * v)
}

/// Go's `underscoreOK`: `_` only between digits, or between a base prefix and a digit.
fn underscores_ok(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if bytes.len() >= 2
        && bytes[0] == b'0'
        && matches!(bytes[1].to_ascii_lowercase(), b'b' | b'o' | b'x')
    {
        i = 2;
        saw = b'0';
        hex = bytes[1].eq_ignore_ascii_case(&b'x');
    }
    while let Some(&c) = bytes.get(i) {
        i += 1;
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go's `strconv.ParseInt(text, 0, 64)` for unsigned literals.
fn parse_go_int(text: &str) -> Option<i64> {
    if text.contains('_') && !underscores_ok(text) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let (base, digits) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let mut value: i64 = 0;
    let mut any_digit = false;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let digit = c.to_digit(base)?;
        value = value
            .checked_mul(i64::from(base))?
            .checked_add(i64::from(digit))?;
        any_digit = true;
    }
    any_digit.then_some(value)
}

/// Go's `strconv.ParseFloat(text, 64)` for the texts the lexer lets through.
fn parse_go_float(text: &str) -> Result<f64, String> {
    let invalid = || {
        format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            go_quote(text)
        )
    };
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "infinity" => return Ok(f64::INFINITY),
        "nan" => return Ok(f64::NAN),
        _ => {}
    }
    // Hex mantissas need a `p` exponent in Go, which the lexer never lets through.
    if lower.starts_with("0x") || (text.contains('_') && !underscores_ok(text)) {
        return Err(invalid());
    }
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    let valid_shape = cleaned
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if !valid_shape {
        return Err(invalid());
    }
    let value: f64 = cleaned.parse().map_err(|_| invalid())?;
    if value.is_infinite() {
        return Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            go_quote(text)
        ));
    }
    Ok(value)
}

const NANOS_PER_MILLI: u64 = 1_000_000;

/// Prometheus's `model.ParseDuration`: `1y2w3d4h5m6s7ms` with units in that order, or `0`.
/// Returns nanoseconds.
pub(super) fn parse_duration_nanos(text: &str) -> Result<i64, String> {
    match text {
        "0" => return Ok(0),
        "" => return Err("empty duration string".into()),
        _ => {}
    }
    let invalid = || format!("not a valid duration string: {}", go_quote(text));
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    let mut last_unit_rank = 0;
    while i < bytes.len() {
        let digits_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == digits_start {
            return Err(invalid());
        }
        let value: u64 = text[digits_start..i].parse().map_err(|_| invalid())?;
        let unit_start = i;
        while bytes.get(i).is_some_and(|b| !b.is_ascii_digit()) {
            i += 1;
        }
        if i == unit_start {
            return Err(invalid());
        }
        let unit = &text[unit_start..i];
        let (rank, multiplier): (u8, u64) = match unit {
            "y" => (1, 365 * 24 * 3600 * 1_000_000_000),
            "w" => (2, 7 * 24 * 3600 * 1_000_000_000),
            "d" => (3, 24 * 3600 * 1_000_000_000),
            "h" => (4, 3600 * 1_000_000_000),
            "m" => (5, 60 * 1_000_000_000),
            "s" => (6, 1_000_000_000),
            "ms" => (7, NANOS_PER_MILLI),
            _ => {
                return Err(format!(
                    "unknown unit {} in duration {}",
                    go_quote(unit),
                    go_quote(text)
                ))
            }
        };
        if rank <= last_unit_rank {
            return Err(invalid());
        }
        last_unit_rank = rank;
        if value > (1u64 << 63) / multiplier {
            return Err("duration out of range".into());
        }
        total = total
            .checked_add(value * multiplier)
            .filter(|t| *t <= i64::MAX as u64)
            .ok_or_else(|| "duration out of range".to_string())?;
    }
    Ok(total as i64)
}

/// Prometheus's `model.Duration.String()` for milliseconds: `1h30m`, `500ms`, `90d`, `0s`;
/// years and weeks only when they divide the duration exactly.
pub(super) fn format_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    if ms < 0 {
        out.push('-');
    }
    let mut rest = ms.unsigned_abs();
    const UNITS: [(&str, u64, bool); 7] = [
        ("y", 365 * 24 * 3600 * 1000, true),
        ("w", 7 * 24 * 3600 * 1000, true),
        ("d", 24 * 3600 * 1000, false),
        ("h", 3600 * 1000, false),
        ("m", 60 * 1000, false),
        ("s", 1000, false),
        ("ms", 1, false),
    ];
    for (unit, size, exact_only) in UNITS {
        if exact_only && !rest.is_multiple_of(size) {
            continue;
        }
        let count = rest / size;
        if count > 0 {
            out.push_str(&count.to_string());
            out.push_str(unit);
            rest -= count * size;
        }
    }
    out
}

/// Prometheus's `strutil.Unquote` for `"..."`, `'...'` and `` `...` `` literals. Escapes
/// that denote bytes (`\xff`, `\377`) that do not form UTF-8 become U+FFFD.
pub(super) fn unquote(text: &str) -> Result<String, ()> {
    unquote_bytes(text).map(|bytes| match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Like [`unquote`], keeping the exact bytes (which need not be UTF-8).
pub(super) fn unquote_bytes(text: &str) -> Result<Vec<u8>, ()> {
    let mut chars = text.chars();
    let quote = chars.next().ok_or(())?;
    let body = text
        .get(quote.len_utf8()..text.len().saturating_sub(1))
        .ok_or(())?;
    if text.len() < 2 || !text.ends_with(quote) {
        return Err(());
    }
    if quote == '`' {
        return if body.contains('`') {
            Err(())
        } else {
            Ok(body.as_bytes().to_vec())
        };
    }
    if (quote != '"' && quote != '\'') || body.contains('\n') {
        return Err(());
    }
    let mut bytes: Vec<u8> = Vec::with_capacity(body.len());
    let mut rest = body.chars().peekable();
    while let Some(c) = rest.next() {
        if c == quote {
            return Err(());
        }
        if c != '\\' {
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let escaped = rest.next().ok_or(())?;
        let simple = match escaped {
            'a' => Some(0x07),
            'b' => Some(0x08),
            'f' => Some(0x0c),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(0x0b),
            '\\' => Some(b'\\'),
            c if c == quote => Some(c as u8),
            _ => None,
        };
        if let Some(b) = simple {
            bytes.push(b);
            continue;
        }
        let (count, base, is_byte) = match escaped {
            'x' => (2, 16, true),
            'u' => (4, 16, false),
            'U' => (8, 16, false),
            '0'..='7' => (2, 8, true),
            _ => return Err(()),
        };
        let mut value: u32 = if base == 8 {
            escaped.to_digit(8).ok_or(())?
        } else {
            0
        };
        for _ in 0..count {
            let digit = rest.next().and_then(|d| d.to_digit(base)).ok_or(())?;
            value = value.checked_mul(base).ok_or(())? + digit;
        }
        if is_byte {
            bytes.push(u8::try_from(value).map_err(|_| ())?);
        } else {
            let c = char::from_u32(value).ok_or(())?;
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Ok(bytes)
}
