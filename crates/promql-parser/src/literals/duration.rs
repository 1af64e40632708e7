//! Duration literals as nom parsers with Prometheus's `model.ParseDuration` rules
//! (`1y2w3d4h5m6s7ms`, units in that order and at most once, or `0`) and error texts, and
//! the inverse `model.Duration.String()`.

use nom::bytes::complete::take_till1;
use nom::character::complete::digit1;
use nom::multi::fold_many0;
use nom::sequence::pair;
use nom::IResult;
use promlite_model::go_quote;

const NANOS_PER_MILLI: u64 = 1_000_000;
const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// Prometheus's `model.ParseDuration`: `1y2w3d4h5m6s7ms` with units in that order, or `0`.
/// Returns nanoseconds.
pub(crate) fn parse_duration_nanos(text: &str) -> Result<i64, String> {
    match text {
        "0" => return Ok(0),
        "" => return Err("empty duration string".into()),
        _ => {}
    }
    // The components are folded in order so that the first bad component decides the
    // error, as in Prometheus, even when later text is malformed too.
    let (rest, sum) = fold_many0(
        duration_component,
        || Ok(DurationSum::default()),
        |sum: Result<DurationSum, DurationError>, (digits, unit)| sum?.add(digits, unit),
    )(text)
    .map_err(|_: nom::Err<nom::error::Error<&str>>| DurationError::Invalid.message(text))?;
    let sum = sum.map_err(|error| error.message(text))?;
    // What is left is a leading non-digit or trailing digits without a unit.
    if !rest.is_empty() {
        return Err(DurationError::Invalid.message(text));
    }
    i64::try_from(sum.total_nanos).map_err(|_| DurationError::OutOfRange.message(text))
}

/// One `<digits><unit>` component; the unit is every non-digit up to the next digit.
fn duration_component(input: &str) -> IResult<&str, (&str, &str)> {
    pair(digit1, take_till1(|c: char| c.is_ascii_digit()))(input)
}

/// Why a duration is rejected; [`DurationError::message`] gives Prometheus's text.
#[derive(Debug)]
enum DurationError {
    Invalid,
    UnknownUnit(String),
    OutOfRange,
}

impl DurationError {
    fn message(self, text: &str) -> String {
        match self {
            DurationError::Invalid => format!("not a valid duration string: {}", go_quote(text)),
            DurationError::UnknownUnit(unit) => format!(
                "unknown unit {} in duration {}",
                go_quote(&unit),
                go_quote(text)
            ),
            DurationError::OutOfRange => "duration out of range".into(),
        }
    }
}

/// The running total of the components seen so far and the rank of the last unit (units
/// must come in strictly increasing rank, largest first).
#[derive(Default)]
struct DurationSum {
    total_nanos: u64,
    last_unit_rank: u8,
}

impl DurationSum {
    fn add(self, digits: &str, unit: &str) -> Result<DurationSum, DurationError> {
        let value: u64 = digits.parse().map_err(|_| DurationError::Invalid)?;
        let (rank, nanos_per_unit) =
            unit_rank_and_nanos(unit).ok_or_else(|| DurationError::UnknownUnit(unit.into()))?;
        if rank <= self.last_unit_rank {
            return Err(DurationError::Invalid);
        }
        if value > (1u64 << 63) / nanos_per_unit {
            return Err(DurationError::OutOfRange);
        }
        let total_nanos = self
            .total_nanos
            .checked_add(value * nanos_per_unit)
            .filter(|total| *total <= i64::MAX as u64)
            .ok_or(DurationError::OutOfRange)?;
        Ok(DurationSum {
            total_nanos,
            last_unit_rank: rank,
        })
    }
}

/// The unit's rank in the required order and its length in nanoseconds.
fn unit_rank_and_nanos(unit: &str) -> Option<(u8, u64)> {
    Some(match unit {
        "y" => (1, 365 * 24 * 3600 * NANOS_PER_SECOND),
        "w" => (2, 7 * 24 * 3600 * NANOS_PER_SECOND),
        "d" => (3, 24 * 3600 * NANOS_PER_SECOND),
        "h" => (4, 3600 * NANOS_PER_SECOND),
        "m" => (5, 60 * NANOS_PER_SECOND),
        "s" => (6, NANOS_PER_SECOND),
        "ms" => (7, NANOS_PER_MILLI),
        _ => return None,
    })
}

/// Prometheus's `model.Duration.String()` for milliseconds: `1h30m`, `500ms`, `90d`, `0s`;
/// years and weeks only when they divide the duration exactly.
pub fn format_duration(ms: i64) -> String {
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
