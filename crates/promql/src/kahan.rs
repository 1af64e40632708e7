//! Kahan–Neumaier compensated summation, step for step as Prometheus's `kahansum.Inc`, so
//! sums, averages and variances round the same way.

/// Adds `inc` to `sum` with compensation `c`; returns the new `(sum, c)`.
#[inline(never)]
pub(crate) fn kahan_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    // Not inlined: fusing these operations with the caller's (FMA) would change rounding,
    // which is also why Prometheus forces float64 rounding around this function.
    let t = sum + inc;
    let c = if t.is_infinite() {
        0.0
    } else if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

/// Running mean that sums directly while the sum stays finite and switches to incremental
/// averaging once it would overflow (Prometheus's `avg` and `avg_over_time`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct KahanMean {
    sum: f64,
    c: f64,
    mean: f64,
    count: f64,
    incremental: bool,
}

impl KahanMean {
    pub(crate) fn new(first: f64) -> KahanMean {
        KahanMean {
            sum: first,
            c: 0.0,
            mean: first,
            count: 1.0,
            incremental: false,
        }
    }

    pub(crate) fn add(&mut self, f: f64) {
        self.count += 1.0;
        if !self.incremental {
            let (s, c) = kahan_inc(f, self.sum, self.c);
            if !s.is_infinite() {
                self.sum = s;
                self.c = c;
                return;
            }
            self.incremental = true;
            self.mean = self.sum / (self.count - 1.0);
            self.c /= self.count - 1.0;
        }
        let q = (self.count - 1.0) / self.count;
        let (m, c) = kahan_inc(f / self.count, q * self.mean, q * self.c);
        self.mean = m;
        self.c = c;
    }

    pub(crate) fn value(&self) -> f64 {
        if self.incremental {
            self.mean + self.c
        } else {
            self.sum / self.count + self.c / self.count
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensates_lost_low_bits() {
        let (mut s, mut c) = (0.0, 0.0);
        for v in [1e100, 1.0, -1e100] {
            (s, c) = kahan_inc(v, s, c);
        }
        assert_eq!(s + c, 1.0);
    }

    #[test]
    fn mean_survives_overflow() {
        let mut m = KahanMean::new(f64::MAX);
        m.add(f64::MAX);
        assert_eq!(m.value(), f64::MAX);
        let mut m = KahanMean::new(1.0);
        m.add(2.0);
        m.add(3.0);
        assert_eq!(m.value(), 2.0);
    }
}
