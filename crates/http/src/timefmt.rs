//! RFC 3339 timestamps as Go reads and writes them: strict parsing of
//! `2006-01-02T15:04:05.999999999Z07:00` and formatting like `time.Time`'s JSON
//! (RFC 3339 with nanoseconds, trailing zeros trimmed, UTC as `Z`). Times are
//! milliseconds since the Unix epoch, as everywhere in promlite.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `(year, month, day)` of a day number since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in a month of the proptest-friendly public API.
#[cfg(test)]
pub(crate) fn days_in_month_pub(year: i64, month: u32) -> u32 {
    days_in_month(year, month)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    }
}

/// Reads exactly `n` ASCII digits at `*pos`.
fn digits(b: &[u8], pos: &mut usize, n: usize) -> Option<u32> {
    let s = b.get(*pos..*pos + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    *pos += n;
    Some(v)
}

fn expect(b: &[u8], pos: &mut usize, c: u8) -> Option<()> {
    if b.get(*pos) == Some(&c) {
        *pos += 1;
        Some(())
    } else {
        None
    }
}

/// Parses an RFC 3339 timestamp with optional fractional seconds, as Go's
/// `time.Parse(time.RFC3339Nano, s)` accepts it, into milliseconds (floored, like
/// Prometheus's `timestamp.FromTime`). `None` when it is not valid.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let mut pos = 0;
    let year = digits(b, &mut pos, 4)? as i64;
    expect(b, &mut pos, b'-')?;
    let month = digits(b, &mut pos, 2)?;
    expect(b, &mut pos, b'-')?;
    let day = digits(b, &mut pos, 2)?;
    expect(b, &mut pos, b'T')?;
    let hour = digits(b, &mut pos, 2)?;
    expect(b, &mut pos, b':')?;
    let minute = digits(b, &mut pos, 2)?;
    expect(b, &mut pos, b':')?;
    let second = digits(b, &mut pos, 2)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut millis = 0i64;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while b.get(pos).is_some_and(|c| c.is_ascii_digit()) {
            pos += 1;
        }
        if pos == start {
            return None;
        }
        // Only the first three digits matter for milliseconds (floored).
        for i in 0..3 {
            millis = millis * 10
                + b.get(start + i)
                    .filter(|_| start + i < pos)
                    .map_or(0, |c| (c - b'0') as i64);
        }
    }
    let offset_seconds: i64 = match b.get(pos) {
        Some(b'Z') => {
            pos += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            pos += 1;
            let oh = digits(b, &mut pos, 2)?;
            expect(b, &mut pos, b':')?;
            let om = digits(b, &mut pos, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let off = (oh * 3600 + om * 60) as i64;
            if sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    if pos != b.len() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + (hour * 3600 + minute * 60 + second) as i64 - offset_seconds;
    Some(secs * 1000 + millis)
}

/// Formats milliseconds as Go's `time.Time` JSON in UTC: RFC 3339 with up to nine
/// fractional digits, trailing zeros trimmed (`2026-01-01T00:00:00.5Z`).
pub fn format_rfc3339_ms(t_ms: i64) -> String {
    let secs = t_ms.div_euclid(1000);
    let millis = t_ms.rem_euclid(1000);
    format_rfc3339_parts(secs, millis * 1_000_000)
}

/// Like [`format_rfc3339_ms`] from seconds and nanoseconds.
pub fn format_rfc3339_parts(secs: i64, nanos: i64) -> String {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut out = if (0..=9999).contains(&y) {
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        )
    } else {
        format!(
            "{y}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        )
    };
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Go's zero `time.Time` as JSON, used for "never" (`0001-01-01T00:00:00Z`).
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// [`format_rfc3339_ms`], or Go's zero time for `None`.
pub fn format_optional_time(t_ms: Option<i64>) -> String {
    match t_ms {
        Some(t) => format_rfc3339_ms(t),
        None => GO_ZERO_TIME.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_like_go() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2015-07-01T20:10:51.781Z"),
            Some(1435781451781)
        );
        assert_eq!(
            parse_rfc3339_ms("2015-07-01T20:10:51.7819999Z"),
            Some(1435781451781)
        );
        assert_eq!(
            parse_rfc3339_ms("2015-07-01T22:10:51.5+02:00"),
            Some(1435781451500)
        );
        assert_eq!(parse_rfc3339_ms("1969-12-31T23:59:59.5Z"), Some(-500));
        assert_eq!(
            parse_rfc3339_ms("2024-02-29T00:00:00Z"),
            Some(1709164800000)
        );
        for bad in [
            "",
            "2015-07-01",
            "2015-07-01 20:10:51Z",
            "2015-07-01T20:10:51",
            "2015-07-01T20:10:51.Z",
            "2015-13-01T20:10:51Z",
            "2023-02-29T00:00:00Z",
            "2015-07-01T24:00:00Z",
            "2015-07-01T20:10:60Z",
            "2015-07-01T20:10:51+2:00",
            "2015-07-01T20:10:51Zjunk",
            "yesterday",
        ] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_like_go_time_json() {
        assert_eq!(format_rfc3339_ms(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339_ms(1435781451781), "2015-07-01T20:10:51.781Z");
        assert_eq!(format_rfc3339_ms(1435781451500), "2015-07-01T20:10:51.5Z");
        assert_eq!(format_rfc3339_ms(-500), "1969-12-31T23:59:59.5Z");
        assert_eq!(format_optional_time(None), GO_ZERO_TIME);
        // Prometheus's MinTime and MaxTime as Go prints them.
        assert_eq!(
            format_rfc3339_parts(-9_223_309_901_257_974, 0),
            "-292273086-05-16T16:47:06Z"
        );
        assert_eq!(
            format_rfc3339_parts(9_223_309_901_257_974, 999_999_999),
            "292277025-08-18T07:12:54.999999999Z"
        );
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000i64, -1, 0, 1, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
