//! The `promtool test rules` file format: the YAML structure (unknown fields rejected, as
//! promtool's strict unmarshalling does), Prometheus durations, `start_timestamp`, and
//! resolving `rule_files` against the test file's directory with globs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

/// A whole test file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TestFile {
    #[serde(default)]
    pub rule_files: Vec<String>,
    #[serde(default)]
    pub evaluation_interval: PromDuration,
    #[serde(default)]
    pub group_eval_order: Vec<String>,
    #[serde(default)]
    pub tests: Vec<TestGroup>,
    /// Accepted for compatibility; promlite always compares floats with a small
    /// tolerance (see `values_match`).
    #[serde(default)]
    #[allow(dead_code)]
    pub fuzzy_compare: bool,
}

/// One entry of `tests:`: input series and the checks made on them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TestGroup {
    #[serde(default)]
    pub interval: PromDuration,
    #[serde(default)]
    pub input_series: Vec<InputSeries>,
    #[serde(default)]
    pub alert_rule_test: Vec<AlertTestCase>,
    #[serde(default)]
    pub promql_expr_test: Vec<PromqlTestCase>,
    #[serde(default)]
    pub external_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub external_url: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub start_timestamp: StartTimestamp,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InputSeries {
    #[serde(default)]
    pub series: String,
    #[serde(default)]
    pub values: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertTestCase {
    #[serde(default)]
    pub eval_time: PromDuration,
    #[serde(default)]
    pub alertname: String,
    #[serde(default)]
    pub exp_alerts: Vec<ExpectedAlert>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedAlert {
    #[serde(default)]
    pub exp_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub exp_annotations: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PromqlTestCase {
    #[serde(default)]
    pub expr: String,
    #[serde(default)]
    pub eval_time: PromDuration,
    #[serde(default)]
    pub exp_samples: Vec<ExpectedSample>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedSample {
    #[serde(default)]
    pub labels: String,
    #[serde(default)]
    pub value: f64,
    /// A native histogram in series notation; promlite stores no native histograms, so a
    /// sample that sets it fails with an explanation.
    #[serde(default)]
    pub histogram: String,
}

/// A Prometheus duration (`model.Duration`) in milliseconds; absent is zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct PromDuration(pub i64);

impl<'de> Deserialize<'de> for PromDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let parsed = promlite_config::parse_duration(&text).map_err(serde::de::Error::custom)?;
        let ms = i64::try_from(parsed.as_millis())
            .map_err(|_| serde::de::Error::custom("duration out of range"))?;
        Ok(PromDuration(ms))
    }
}

impl std::fmt::Display for PromDuration {
    /// `model.Duration.String()`: `5m`, `1h30m`, `0s`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = std::time::Duration::from_millis(u64::try_from(self.0).unwrap_or(0));
        f.write_str(&promlite_config::format_duration(d))
    }
}

/// `start_timestamp`: Unix seconds (fractions allowed) or RFC 3339; absent is the epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StartTimestamp(pub i64);

impl<'de> Deserialize<'de> for StartTimestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_start_timestamp(&text)
            .map(StartTimestamp)
            .map_err(serde::de::Error::custom)
    }
}

/// Unix seconds or an RFC 3339 time, in ms (promtool's `parseTime`).
pub(crate) fn parse_start_timestamp(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<f64>() {
        if !secs.is_finite() || secs.abs() > 9.2e15 {
            return Err(format!("cannot parse {text:?} to a valid timestamp"));
        }
        return Ok((secs * 1000.0).round() as i64);
    }
    parse_rfc3339_ms(text).ok_or_else(|| format!("cannot parse {text:?} to a valid timestamp"))
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` in ms since the epoch.
fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 59 {
        return None;
    }
    let mut pos = 19;
    let mut millis = 0i64;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while pos < b.len() && b[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos == start {
            return None;
        }
        let digits = &s[start..pos];
        let first3: String = digits.chars().chain("000".chars()).take(3).collect();
        millis = first3.parse().ok()?;
    }
    let offset_secs = match b.get(pos)? {
        b'Z' | b'z' if pos + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if pos + 6 == b.len() && b[pos + 3] == b':' => {
            let secs = num(pos + 1, 2)? * 3600 + num(pos + 4, 2)? * 60;
            if *sign == b'+' {
                secs
            } else {
                -secs
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(secs * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Joins relative `rule_files` with the test file's directory and expands globs.
/// Returns the files and a warning per pattern that matched nothing (promtool goes on
/// without it).
pub(crate) fn resolve_rule_files(
    base_dir: &Path,
    patterns: &[String],
) -> Result<(Vec<PathBuf>, Vec<String>), String> {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    for pattern in patterns {
        let joined = if pattern.is_empty() || Path::new(pattern).is_absolute() {
            PathBuf::from(pattern)
        } else {
            base_dir.join(pattern)
        };
        let text = joined.display().to_string();
        let matched: Vec<PathBuf> = if text.contains(['*', '?', '[']) {
            let paths = glob::glob(&text).map_err(|e| format!("syntax error in pattern: {e}"))?;
            let mut found: Vec<PathBuf> = paths.flatten().collect();
            found.sort();
            found
        } else if joined.exists() {
            vec![joined]
        } else {
            Vec::new()
        };
        if matched.is_empty() {
            warnings.push(format!("  WARNING: no file match pattern {text}"));
        }
        files.extend(matched);
    }
    Ok((files, warnings))
}

/// Parses a test file's text.
pub(crate) fn parse_test_file(text: &str) -> Result<TestFile, String> {
    serde_norway::from_str(text).map_err(|e| format!("yaml: unmarshal errors:\n  {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_timestamps() {
        assert_eq!(parse_start_timestamp("1609459200"), Ok(1_609_459_200_000));
        assert_eq!(parse_start_timestamp("1.5"), Ok(1500));
        assert_eq!(
            parse_start_timestamp("2021-01-01T00:00:00Z"),
            Ok(1_609_459_200_000)
        );
        assert_eq!(
            parse_start_timestamp("2021-01-01T02:00:00.250+02:00"),
            Ok(1_609_459_200_250)
        );
        assert!(parse_start_timestamp("yesterday").is_err());
        assert!(parse_start_timestamp("2021-13-01T00:00:00Z").is_err());
    }

    #[test]
    fn strict_fields_and_durations() {
        let f = parse_test_file(
            "rule_files: [a.yml]\nevaluation_interval: 30s\ntests:\n  - interval: 1m\n    input_series:\n      - series: up\n        values: 1x3\n",
        )
        .unwrap();
        assert_eq!(f.evaluation_interval, PromDuration(30_000));
        assert_eq!(f.tests[0].interval, PromDuration(60_000));
        assert_eq!(PromDuration(5_400_000).to_string(), "1h30m");
        assert_eq!(PromDuration(0).to_string(), "0s");
        let err = parse_test_file("tests:\n  - intervall: 1m\n").unwrap_err();
        assert!(err.contains("unknown field `intervall`"), "{err}");
        assert!(parse_test_file("evaluation_interval: 5x\n").is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
            let _ = parse_start_timestamp(&text);
            let _ = parse_test_file(&text);
            let _ = parse_test_file(&format!("tests:\n  - start_timestamp: '{text}'\n"));
        }

        #[test]
        fn rfc3339_like_text_never_panics(
            text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?([Zz]|[+-][0-9]{2}:[0-9]{2})?.{0,3}"
        ) {
            let _ = parse_start_timestamp(&text);
        }
    }
}
