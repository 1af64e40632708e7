//! Prometheus's value syntaxes: durations (`1h30m`, `1d`, `100ms`) and base-2 byte sizes
//! (`10MB`, `512KiB`), parsed and printed the way Prometheus does.

use std::time::Duration;

const MS: u64 = 1;
const UNITS: [(&str, u64); 7] = [
    ("y", 365 * 24 * 3600 * 1000 * MS),
    ("w", 7 * 24 * 3600 * 1000 * MS),
    ("d", 24 * 3600 * 1000 * MS),
    ("h", 3600 * 1000 * MS),
    ("m", 60 * 1000 * MS),
    ("s", 1000 * MS),
    ("ms", MS),
];

/// Parses a Prometheus duration: one or more `<integer><unit>` pieces with units in
/// decreasing order (`y w d h m s ms`), or a bare `0`. Errors are Prometheus's messages.
///
/// ```
/// use promlite_config::parse_duration;
/// use std::time::Duration;
/// assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
/// assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
/// assert_eq!(parse_duration("5x"), Err(r#"unknown unit "x" in duration "5x""#.to_string()));
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    match text {
        "0" => return Ok(Duration::ZERO),
        "" => return Err("empty duration string".to_string()),
        _ => {}
    }
    let invalid = || {
        format!(
            "not a valid duration string: {}",
            promlite_model::go_quote(text)
        )
    };
    let bytes = text.as_bytes();
    let mut pos = 0usize;
    let mut total_ms: u64 = 0;
    let mut last_unit_rank = 0usize;
    while pos < bytes.len() {
        let digits_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos == digits_start {
            return Err(invalid());
        }
        let number: u64 = text[digits_start..pos].parse().map_err(|_| invalid())?;
        let unit_start = pos;
        while pos < bytes.len() && !bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos == unit_start {
            return Err(invalid());
        }
        let unit = &text[unit_start..pos];
        let Some(rank) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(format!(
                "unknown unit {} in duration {}",
                promlite_model::go_quote(unit),
                promlite_model::go_quote(text)
            ));
        };
        // Units must go from biggest to smallest, so "1m1d" is not read as 1 month + 1 day.
        if rank < last_unit_rank {
            return Err(invalid());
        }
        last_unit_rank = rank + 1;
        let multiplier = UNITS[rank].1;
        let piece = number
            .checked_mul(multiplier)
            .filter(|ms| *ms <= i64::MAX as u64 / 1_000_000)
            .ok_or_else(|| "duration out of range".to_string())?;
        total_ms = total_ms
            .checked_add(piece)
            .filter(|ms| *ms <= i64::MAX as u64 / 1_000_000)
            .ok_or_else(|| "duration out of range".to_string())?;
    }
    Ok(Duration::from_millis(total_ms))
}

/// Prints a duration as Prometheus does: `0s`, `1m30s`, `90d` (years and weeks only when
/// exact), milliseconds last.
///
/// ```
/// use promlite_config::format_duration;
/// use std::time::Duration;
/// assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
/// assert_eq!(format_duration(Duration::from_secs(14 * 86_400)), "2w");
/// assert_eq!(format_duration(Duration::from_secs(90 * 86_400)), "90d");
/// ```
pub fn format_duration(d: Duration) -> String {
    let mut ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (i, (unit, mult)) in UNITS.iter().enumerate() {
        // Years and weeks only when they divide evenly: "90d" reads better than "12w6d".
        let exact_only = i < 2;
        if exact_only && !ms.is_multiple_of(*mult) {
            continue;
        }
        let v = ms / mult;
        if v > 0 {
            out.push_str(&format!("{v}{unit}"));
            ms -= v * mult;
        }
    }
    out
}

const BYTE_UNITS: [(&str, u64); 13] = [
    ("B", 1),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
    ("PiB", 1 << 50),
    ("EiB", 1 << 60),
    ("KB", 1 << 10),
    ("MB", 1 << 20),
    ("GB", 1 << 30),
    ("TB", 1 << 40),
    ("PB", 1 << 50),
    ("EB", 1 << 60),
];

/// Parses a base-2 byte size as Prometheus's `body_size_limit` does: `0`, `512B`, `10MB`
/// (= 10 MiB), `1.5GiB`, or several pieces (`1GB512MB`).
pub fn parse_base2_bytes(text: &str) -> Result<u64, String> {
    let quoted = promlite_model::go_quote(text);
    if text == "0" {
        return Ok(0);
    }
    if text.is_empty() {
        return Err(format!("units: invalid {quoted}"));
    }
    let mut rest = text;
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return Err(format!("units: invalid {quoted}"));
        }
        let number: f64 = rest[..number_len]
            .parse()
            .map_err(|_| format!("units: invalid {quoted}"))?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if unit_len == 0 {
            return Err(format!("units: missing unit in {quoted}"));
        }
        let unit = &rest[..unit_len];
        let Some((_, mult)) = BYTE_UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(format!(
                "units: unknown unit {} in {quoted}",
                promlite_model::go_quote(unit)
            ));
        };
        rest = &rest[unit_len..];
        total += number * (*mult as f64);
    }
    if !total.is_finite() || total >= u64::MAX as f64 {
        return Err(format!("units: invalid {quoted}"));
    }
    Ok(total as u64)
}

/// Prints a byte size with the largest base-2 unit that divides it (`10MiB`, `1536KiB`).
pub fn format_base2_bytes(bytes: u64) -> String {
    if bytes == 0 {
        return "0B".to_string();
    }
    for (unit, mult) in BYTE_UNITS[..7].iter().rev() {
        if bytes.is_multiple_of(*mult) {
            return format!("{}{unit}", bytes / mult);
        }
    }
    format!("{bytes}B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_prometheus() {
        let cases: &[(&str, Result<u64, &str>)] = &[
            ("0", Ok(0)),
            ("0s", Ok(0)),
            ("15s", Ok(15_000)),
            ("100ms", Ok(100)),
            ("1m30s", Ok(90_000)),
            ("1h", Ok(3_600_000)),
            ("1d", Ok(86_400_000)),
            ("1w", Ok(604_800_000)),
            ("1y", Ok(31_536_000_000)),
            ("1h30m15s5ms", Ok(5_415_005)),
            ("", Err("empty duration string")),
            ("5x", Err(r#"unknown unit "x" in duration "5x""#)),
            ("1m1h", Err(r#"not a valid duration string: "1m1h""#)),
            ("1s1s", Err(r#"not a valid duration string: "1s1s""#)),
            ("-5s", Err(r#"not a valid duration string: "-5s""#)),
            ("1.5h", Err(r#"unknown unit "." in duration "1.5h""#)),
            ("s", Err(r#"not a valid duration string: "s""#)),
            ("10", Err(r#"not a valid duration string: "10""#)),
            ("9999999999y", Err("duration out of range")),
        ];
        for (text, want) in cases {
            let got = parse_duration(text).map(|d| d.as_millis() as u64);
            let want = want.map_err(|e| e.to_string());
            assert_eq!(got, want, "parsing {text:?}");
        }
    }

    #[test]
    fn durations_print_like_prometheus() {
        for (ms, want) in [
            (0u64, "0s"),
            (1, "1ms"),
            (90_000, "1m30s"),
            (86_400_000, "1d"),
            (604_800_000, "1w"),
            (31_536_000_000, "1y"),
            (7_776_000_000, "90d"),
            (3_600_500, "1h500ms"),
        ] {
            assert_eq!(format_duration(Duration::from_millis(ms)), want);
            assert_eq!(
                parse_duration(want).unwrap(),
                Duration::from_millis(ms),
                "round trip {want}"
            );
        }
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_base2_bytes("0"), Ok(0));
        assert_eq!(parse_base2_bytes("512B"), Ok(512));
        assert_eq!(parse_base2_bytes("10MB"), Ok(10 << 20));
        assert_eq!(parse_base2_bytes("10MiB"), Ok(10 << 20));
        assert_eq!(parse_base2_bytes("1.5KB"), Ok(1536));
        assert_eq!(parse_base2_bytes("1GB512MB"), Ok((1 << 30) + (512 << 20)));
        assert!(parse_base2_bytes("10").is_err());
        assert!(parse_base2_bytes("10XB").is_err());
        assert!(parse_base2_bytes("").is_err());
        assert_eq!(format_base2_bytes(10 << 20), "10MiB");
        assert_eq!(format_base2_bytes(1536), "1536B");
        assert_eq!(format_base2_bytes(2048), "2KiB");
    }
}
