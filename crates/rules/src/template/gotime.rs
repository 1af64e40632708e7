//! Go's `time` formatting for template values: `Time.String()`, `Time.Format(layout)`
//! with Go reference layouts (`2006-01-02 15:04:05`), and `Duration.String()`. All
//! times are UTC, as Prometheus's template functions produce them.

const NANOS_PER_SEC: i128 = 1_000_000_000;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// A broken-down UTC time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    /// 1..=12
    pub month: u32,
    /// 1..=31
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanosecond: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    /// 1..=366
    pub year_day: u32,
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Breaks Unix nanoseconds into UTC calendar fields.
pub fn civil(unix_nanos: i128) -> Civil {
    let secs = unix_nanos.div_euclid(NANOS_PER_SEC);
    let nanos = unix_nanos.rem_euclid(NANOS_PER_SEC) as u32;
    let days = secs.div_euclid(86_400) as i64;
    let sod = secs.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    let cumulative = [0u32, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let mut year_day = cumulative[(month - 1) as usize] + day;
    if month > 2 && is_leap(year) {
        year_day += 1;
    }
    Civil {
        year,
        month,
        day,
        hour: sod / 3600,
        minute: sod / 60 % 60,
        second: sod % 60,
        nanosecond: nanos,
        weekday: (days + 4).rem_euclid(7) as u32,
        year_day,
    }
}

pub fn month_name(month: u32) -> &'static str {
    MONTHS[(month.clamp(1, 12) - 1) as usize]
}

pub fn weekday_name(weekday: u32) -> &'static str {
    WEEKDAYS[(weekday % 7) as usize]
}

/// `time.Time.String()` for a UTC time: `2015-06-23 13:19:44.128 +0000 UTC`.
pub fn time_string(unix_nanos: i128) -> String {
    format_layout(unix_nanos, "2006-01-02 15:04:05.999999999 -0700 MST")
}

/// One element of a Go layout.
enum Chunk {
    Literal(String),
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    Pm(bool),
    /// Numeric zone: (prefix Z for UTC, with colons, with seconds, hours only).
    Zone {
        z: bool,
        colon: bool,
        seconds: bool,
        hours_only: bool,
    },
    Tz,
    /// Fractional seconds: digits, and whether trailing zeros are trimmed (`.999`).
    Frac {
        sep: char,
        digits: usize,
        trim: bool,
    },
}

fn tokenize(layout: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let b = layout.as_bytes();
    let mut i = 0;
    let starts = |i: usize, s: &str| layout.get(i..).is_some_and(|r| r.starts_with(s));
    while i < b.len() {
        let (chunk, len): (Option<Chunk>, usize) = match b[i] {
            b'J' if starts(i, "January") => (Some(Chunk::LongMonth), 7),
            b'J' if starts(i, "Jan") => (Some(Chunk::Month), 3),
            b'M' if starts(i, "Monday") => (Some(Chunk::LongWeekDay), 6),
            b'M' if starts(i, "Mon") => (Some(Chunk::WeekDay), 3),
            b'M' if starts(i, "MST") => (Some(Chunk::Tz), 3),
            b'0' if starts(i, "002") => (Some(Chunk::ZeroYearDay), 3),
            b'0' if starts(i, "01") => (Some(Chunk::ZeroMonth), 2),
            b'0' if starts(i, "02") => (Some(Chunk::ZeroDay), 2),
            b'0' if starts(i, "03") => (Some(Chunk::ZeroHour12), 2),
            b'0' if starts(i, "04") => (Some(Chunk::ZeroMinute), 2),
            b'0' if starts(i, "05") => (Some(Chunk::ZeroSecond), 2),
            b'0' if starts(i, "06") => (Some(Chunk::Year), 2),
            b'1' if starts(i, "15") => (Some(Chunk::Hour), 2),
            b'1' => (Some(Chunk::NumMonth), 1),
            b'2' if starts(i, "2006") => (Some(Chunk::LongYear), 4),
            b'2' => (Some(Chunk::Day), 1),
            b'_' if starts(i, "_2006") => {
                lit.push('_');
                (Some(Chunk::LongYear), 5)
            }
            b'_' if starts(i, "__2") => (Some(Chunk::UnderYearDay), 3),
            b'_' if starts(i, "_2") => (Some(Chunk::UnderDay), 2),
            b'3' => (Some(Chunk::Hour12), 1),
            b'4' => (Some(Chunk::Minute), 1),
            b'5' => (Some(Chunk::Second), 1),
            b'P' if starts(i, "PM") => (Some(Chunk::Pm(true)), 2),
            b'p' if starts(i, "pm") => (Some(Chunk::Pm(false)), 2),
            c @ (b'-' | b'Z') => {
                let z = c == b'Z';
                let forms: [(&str, bool, bool, bool); 5] = [
                    ("070000", false, true, false),
                    ("07:00:00", true, true, false),
                    ("0700", false, false, false),
                    ("07:00", true, false, false),
                    ("07", false, false, true),
                ];
                let mut found = (None, 1);
                for (form, colon, seconds, hours_only) in forms {
                    if starts(i + 1, form) {
                        found = (
                            Some(Chunk::Zone {
                                z,
                                colon,
                                seconds,
                                hours_only,
                            }),
                            1 + form.len(),
                        );
                        break;
                    }
                }
                found
            }
            c @ (b'.' | b',') if matches!(b.get(i + 1), Some(b'0' | b'9')) => {
                let digit = b[i + 1];
                let mut j = i + 1;
                while j < b.len() && b[j] == digit {
                    j += 1;
                }
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    (None, 1)
                } else {
                    (
                        Some(Chunk::Frac {
                            sep: c as char,
                            digits: j - i - 1,
                            trim: digit == b'9',
                        }),
                        j - i,
                    )
                }
            }
            _ => (None, 1),
        };
        match chunk {
            Some(c) => {
                if !lit.is_empty() {
                    out.push(Chunk::Literal(std::mem::take(&mut lit)));
                }
                out.push(c);
                i += len;
            }
            None => {
                let ch = layout[i..].chars().next().unwrap_or(' ');
                lit.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    if !lit.is_empty() {
        out.push(Chunk::Literal(lit));
    }
    out
}

/// `time.Time.Format(layout)` for a UTC time.
pub fn format_layout(unix_nanos: i128, layout: &str) -> String {
    let c = civil(unix_nanos);
    let mut out = String::new();
    let hour12 = match c.hour % 12 {
        0 => 12,
        h => h,
    };
    for chunk in tokenize(layout) {
        match chunk {
            Chunk::Literal(s) => out.push_str(&s),
            Chunk::LongMonth => out.push_str(month_name(c.month)),
            Chunk::Month => out.push_str(&month_name(c.month)[..3]),
            Chunk::NumMonth => out.push_str(&c.month.to_string()),
            Chunk::ZeroMonth => out.push_str(&format!("{:02}", c.month)),
            Chunk::LongWeekDay => out.push_str(weekday_name(c.weekday)),
            Chunk::WeekDay => out.push_str(&weekday_name(c.weekday)[..3]),
            Chunk::Day => out.push_str(&c.day.to_string()),
            Chunk::UnderDay => out.push_str(&format!("{:>2}", c.day)),
            Chunk::ZeroDay => out.push_str(&format!("{:02}", c.day)),
            Chunk::UnderYearDay => out.push_str(&format!("{:>3}", c.year_day)),
            Chunk::ZeroYearDay => out.push_str(&format!("{:03}", c.year_day)),
            Chunk::Hour => out.push_str(&format!("{:02}", c.hour)),
            Chunk::Hour12 => out.push_str(&hour12.to_string()),
            Chunk::ZeroHour12 => out.push_str(&format!("{hour12:02}")),
            Chunk::Minute => out.push_str(&c.minute.to_string()),
            Chunk::ZeroMinute => out.push_str(&format!("{:02}", c.minute)),
            Chunk::Second => out.push_str(&c.second.to_string()),
            Chunk::ZeroSecond => out.push_str(&format!("{:02}", c.second)),
            Chunk::LongYear => {
                if c.year < 0 {
                    out.push_str(&format!("-{:04}", -c.year));
                } else {
                    out.push_str(&format!("{:04}", c.year));
                }
            }
            Chunk::Year => out.push_str(&format!("{:02}", c.year.rem_euclid(100))),
            Chunk::Pm(upper) => {
                let pm = c.hour >= 12;
                out.push_str(match (pm, upper) {
                    (true, true) => "PM",
                    (false, true) => "AM",
                    (true, false) => "pm",
                    (false, false) => "am",
                });
            }
            Chunk::Zone {
                z,
                colon,
                seconds,
                hours_only,
            } => {
                if z {
                    out.push('Z');
                } else if hours_only {
                    out.push_str("+00");
                } else {
                    out.push_str(match (colon, seconds) {
                        (false, false) => "+0000",
                        (true, false) => "+00:00",
                        (false, true) => "+000000",
                        (true, true) => "+00:00:00",
                    });
                }
            }
            Chunk::Tz => out.push_str("UTC"),
            Chunk::Frac { sep, digits, trim } => {
                let all = format!("{:09}", c.nanosecond);
                let mut frac = all[..digits.min(9)].to_string();
                while frac.len() < digits {
                    frac.push('0');
                }
                if trim {
                    let t = frac.trim_end_matches('0');
                    if !t.is_empty() {
                        out.push(sep);
                        out.push_str(t);
                    }
                } else {
                    out.push(sep);
                    out.push_str(&frac);
                }
            }
        }
    }
    out
}

/// `time.Duration.String()`: `1h2m3.5s`, `150ms`, `0s`.
pub fn duration_string(d: i64) -> String {
    if d == 0 {
        return "0s".into();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let body = if u < 1_000_000_000 {
        let (unit, scale) = if u < 1_000 {
            ("ns", 1u64)
        } else if u < 1_000_000 {
            ("\u{b5}s", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        format!("{}{unit}", frac_string(u, scale))
    } else {
        let secs = u / 1_000_000_000;
        let frac = u % 1_000_000_000;
        let mut s = format!("{}", secs % 60);
        if frac > 0 {
            let f = format!("{frac:09}");
            s.push('.');
            s.push_str(f.trim_end_matches('0'));
        }
        s.push('s');
        let mins = secs / 60;
        if mins > 0 {
            s = format!("{}m{s}", mins % 60);
            let hours = mins / 60;
            if hours > 0 {
                s = format!("{hours}h{s}");
            }
        }
        s
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

fn frac_string(v: u64, scale: u64) -> String {
    let int = v / scale;
    let frac = v % scale;
    if frac == 0 {
        return int.to_string();
    }
    let width = scale.ilog10() as usize;
    let f = format!("{frac:0width$}");
    format!("{int}.{}", f.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_strings_match_go() {
        assert_eq!(time_string(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(
            time_string(1_435_065_584_128_000_000),
            "2015-06-23 13:19:44.128 +0000 UTC"
        );
        assert_eq!(time_string(-1_000_000_000), "1969-12-31 23:59:59 +0000 UTC");
        assert_eq!(
            time_string(9_223_372_036_000_000_000),
            "2262-04-11 23:47:16 +0000 UTC"
        );
        let t = 1_353_755_652_000_000_000;
        assert_eq!(
            format_layout(t, "Mon Jan 2 15:04:05 2006"),
            "Sat Nov 24 11:14:12 2012"
        );
        assert_eq!(
            format_layout(t, "2006-01-02T15:04:05Z07:00"),
            "2012-11-24T11:14:12Z"
        );
        assert_eq!(format_layout(t, "3:04PM 002 _2"), "11:14AM 329 24");
    }

    #[test]
    fn durations_match_go() {
        assert_eq!(duration_string(1_800_000_000_000), "30m0s");
        assert_eq!(duration_string(3_600_000_000_000), "1h0m0s");
        assert_eq!(duration_string(1_500_000), "1.5ms");
        assert_eq!(duration_string(-90_500_000_000), "-1m30.5s");
        assert_eq!(duration_string(100_000), "100\u{b5}s");
        assert_eq!(duration_string(0), "0s");
    }
}
