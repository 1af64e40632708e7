//! Date functions (`year()`, `month()`, `day_of_week()`, ...) in UTC, on proleptic
//! Gregorian civil dates computed from Unix seconds.

use promlite_model::{Labels, Sample};

use super::instant::map_points;
use super::Func;
use crate::error::Result;
use crate::eval::Evaluator;
use crate::plan::CallNode;
use crate::value::{StepSeries, Val};

/// A UTC civil date and time of day.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    /// 0 = Sunday.
    weekday: i64,
    /// 1-based.
    day_of_year: i64,
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Civil date of a count of days since 1970-01-01 (Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn civil(unix_seconds: i64) -> Civil {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let day_of_year = (1..month).map(|m| days_in_month(year, m)).sum::<i64>() + day;
    Civil {
        year,
        month,
        day,
        hour: secs / 3600,
        minute: (secs % 3600) / 60,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7),
        day_of_year,
    }
}

fn component(func: Func, c: &Civil) -> f64 {
    (match func {
        Func::DaysInMonth => days_in_month(c.year, c.month),
        Func::DayOfMonth => c.day,
        Func::DayOfWeek => c.weekday,
        Func::DayOfYear => c.day_of_year,
        Func::Hour => c.hour,
        Func::Minute => c.minute,
        Func::Month => c.month,
        _ => c.year,
    }) as f64
}

/// Go's float64 → int64 conversion on amd64: truncation, and the "integer indefinite"
/// value for NaN and out-of-range inputs.
fn go_float_to_i64(f: f64) -> i64 {
    // 2^63 as f64; every f64 in [-2^63, 2^63) converts exactly by truncation.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

pub(crate) fn eval_date_call(ev: &Evaluator<'_, '_>, c: &CallNode) -> Result<Val> {
    let func = c.func;
    match c.args.first() {
        None => {
            let points = (0..ev.num_steps())
                .map(|i| {
                    let t = ev.step_time(i);
                    // Go's integer division truncates toward zero.
                    Sample::new(t, component(func, &civil(t / 1000)))
                })
                .collect();
            Ok(Val::Vector(vec![StepSeries::new(Labels::empty(), points)]))
        }
        Some(a) => {
            let v = ev.eval_vector(a)?;
            Ok(Val::Vector(map_points(ev, v, |_, x| {
                Some(component(func, &civil(go_float_to_i64(x))))
            })?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let c = civil(1_136_239_445); // 2006-01-02 22:04:05 UTC, a Monday
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute),
            (2006, 1, 2, 22, 4)
        );
        assert_eq!((c.weekday, c.day_of_year), (1, 2));
        assert_eq!(civil(0).weekday, 4);
        assert_eq!(civil(1_483_191_420).day_of_year, 366);
        assert_eq!(component(Func::DaysInMonth, &civil(1_454_284_800)), 29.0);
        let before = civil(-1);
        assert_eq!(
            (before.year, before.month, before.day, before.hour),
            (1969, 12, 31, 23)
        );
    }
}
