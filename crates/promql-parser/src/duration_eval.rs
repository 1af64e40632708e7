//! Resolving experimental duration expressions once the query's step and range are known,
//! with Prometheus's rules and error texts (`promql/durations.go`).

use crate::ast::{DurationExpr, DurationOp};

impl DurationExpr {
    /// The value in seconds, given the query step and range (`end - start`) in ms.
    /// Errors carry Prometheus's text, e.g. `4:9: division by zero` (byte offsets).
    pub fn evaluate_seconds(&self, step_ms: i64, range_ms: i64) -> Result<f64, String> {
        Ok(match self {
            DurationExpr::Number { seconds, .. } => *seconds,
            DurationExpr::Step { .. } => step_ms as f64 / 1000.0,
            DurationExpr::Range { .. } => range_ms as f64 / 1000.0,
            DurationExpr::MinOf { lhs, rhs, .. } => lhs
                .evaluate_seconds(step_ms, range_ms)?
                .min(rhs.evaluate_seconds(step_ms, range_ms)?),
            DurationExpr::MaxOf { lhs, rhs, .. } => lhs
                .evaluate_seconds(step_ms, range_ms)?
                .max(rhs.evaluate_seconds(step_ms, range_ms)?),
            DurationExpr::Neg { expr, .. } => -expr.evaluate_seconds(step_ms, range_ms)?,
            DurationExpr::Paren { expr, .. } => expr.evaluate_seconds(step_ms, range_ms)?,
            DurationExpr::Binary { op, lhs, rhs, .. } => {
                let l = lhs.evaluate_seconds(step_ms, range_ms)?;
                let r = rhs.evaluate_seconds(step_ms, range_ms)?;
                match op {
                    DurationOp::Add => l + r,
                    DurationOp::Sub => l - r,
                    DurationOp::Mul => l * r,
                    DurationOp::Div if r == 0.0 => return Err(self.positioned("division by zero")),
                    DurationOp::Div => l / r,
                    DurationOp::Mod if r == 0.0 => return Err(self.positioned("modulo by zero")),
                    DurationOp::Mod => l % r,
                    DurationOp::Pow => l.powf(r),
                }
            }
        })
    }

    /// Resolves the expression to milliseconds as Prometheus's engine does before running
    /// a query: NaN, infinities, out-of-range values and (unless `allow_negative`, which
    /// offsets are) values `<= 0` are errors.
    pub fn resolve_millis(
        &self,
        step_ms: i64,
        range_ms: i64,
        allow_negative: bool,
    ) -> Result<i64, String> {
        let seconds = self.evaluate_seconds(step_ms, range_ms)?;
        if !seconds.is_finite() {
            return Err(self.positioned("duration is NaN or infinite"));
        }
        if seconds <= 0.0 && !allow_negative {
            return Err(self.positioned("duration must be greater than 0"));
        }
        if seconds.abs() > 9_223_372_036.854_776 {
            return Err(self.positioned("duration is out of range"));
        }
        // Go: time.Duration(seconds*1000) * time.Millisecond, truncating.
        Ok((seconds * 1000.0) as i64)
    }

    fn positioned(&self, message: &str) -> String {
        let span = self.span();
        format!("{}:{}: {message}", span.start, span.end)
    }
}

#[cfg(test)]
mod tests {
    use crate::{parse_with, Expr, ParseOptions};

    fn range_expr(query: &str) -> crate::DurationExpr {
        match parse_with(query, &ParseOptions::all_experimental()).unwrap() {
            Expr::MatrixSelector(ms) => ms.range_expr.unwrap(),
            other => panic!("not a matrix selector: {other:?}"),
        }
    }

    #[test]
    fn resolves_step_range_and_arithmetic() {
        assert_eq!(
            range_expr("foo[step() * 2]").resolve_millis(15_000, 0, false),
            Ok(30_000)
        );
        assert_eq!(
            range_expr("foo[max_of(range(), 5m) + 1s]").resolve_millis(0, 600_000, false),
            Ok(601_000)
        );
        assert_eq!(
            range_expr("foo[step() - 1m]").resolve_millis(1000, 0, false),
            Err("4:15: duration must be greater than 0".to_string())
        );
        assert_eq!(
            range_expr("foo[1m / (step() - step())]").resolve_millis(1000, 0, false),
            Err("4:26: division by zero".to_string())
        );
    }
}
