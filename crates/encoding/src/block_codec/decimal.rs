//! Exact decimal views of `f64` values: the shortest `mantissa / 10^decimals` whose correctly
//! rounded quotient has the very same bits, and the fast inverse used by the decoder.
//!
//! The decoder computes `mantissa as f64 / 10^decimals` with `|mantissa| < 2^53` and
//! `decimals <= 22`: both operands are exact doubles and IEEE division rounds correctly, so the
//! result is the double nearest to the decimal (Clinger's fast path). The encoder only keeps a
//! decimal view after checking that this exact expression gives back the original bits, so
//! values such as `-0.0`, NaN payloads, infinities and long fractions fall back to raw bits.

/// Largest number of fraction digits the fast path supports (10^22 is the largest exact power).
pub(crate) const MAX_DECIMALS: u8 = 22;

/// Magnitudes below this are exactly representable integers in an `f64`.
pub(crate) const MAX_EXACT_MANTISSA: i64 = 1 << 53;

const POWERS_OF_TEN: [f64; MAX_DECIMALS as usize + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `10^decimals` as an exact double, or `None` past the fast path's range.
pub(crate) fn power_of_ten(decimals: u8) -> Option<f64> {
    POWERS_OF_TEN.get(usize::from(decimals)).copied()
}

/// The value a decimal view stands for, exactly as the decoder computes it.
#[inline]
pub(crate) fn decimal_to_f64(mantissa: i64, divisor: f64) -> f64 {
    mantissa as f64 / divisor
}

/// The shortest exact decimal view `(mantissa, decimals)` of `value`, if one fits the fast path.
pub(crate) fn shortest_decimal(value: f64) -> Option<(i64, u8)> {
    if !value.is_finite() || (value == 0.0 && value.is_sign_negative()) {
        return None;
    }
    let bits = value.to_bits();
    for decimals in 0..=MAX_DECIMALS {
        let divisor = power_of_ten(decimals)?;
        let scaled = value * divisor;
        if scaled.abs() >= MAX_EXACT_MANTISSA as f64 {
            return None; // more digits only make the mantissa larger
        }
        let rounded = scaled.round() as i64;
        // Near 2^53 the scaling itself can be off by one unit; try the neighbours too.
        let candidates: &[i64] = if scaled.abs() < (1u64 << 50) as f64 {
            &[rounded]
        } else {
            &[rounded, rounded - 1, rounded + 1]
        };
        for &mantissa in candidates {
            if mantissa.abs() < MAX_EXACT_MANTISSA
                && decimal_to_f64(mantissa, divisor).to_bits() == bits
            {
                return Some((mantissa, decimals));
            }
        }
    }
    None
}

/// Rewrites a view with `decimals` digits to `target` (>= decimals) digits, if it still fits.
pub(crate) fn rescale(mantissa: i64, decimals: u8, target: u8) -> Option<i64> {
    let extra = target.checked_sub(decimals)?;
    let factor = 10i64.checked_pow(u32::from(extra))?;
    let scaled = mantissa.checked_mul(factor)?;
    (scaled.abs() < MAX_EXACT_MANTISSA).then_some(scaled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_digits_a_person_wrote() {
        assert_eq!(shortest_decimal(0.1), Some((1, 1)));
        assert_eq!(shortest_decimal(12345.67), Some((1_234_567, 2)));
        assert_eq!(shortest_decimal(-3.5), Some((-35, 1)));
        assert_eq!(
            shortest_decimal(4096.0 * 123_456.0),
            Some((4096 * 123_456, 0))
        );
        assert_eq!(shortest_decimal(0.0), Some((0, 0)));
        assert_eq!(shortest_decimal(1e-22), Some((1, 22)));
    }

    #[test]
    fn refuses_what_the_fast_path_cannot_give_back() {
        assert_eq!(shortest_decimal(-0.0), None);
        assert_eq!(shortest_decimal(f64::NAN), None);
        assert_eq!(shortest_decimal(f64::INFINITY), None);
        assert_eq!(shortest_decimal(1e300), None);
        // Seventeen significant digits do not fit a mantissa below 2^53.
        assert_eq!(shortest_decimal(0.1 + 0.2), None);
        assert_eq!(
            shortest_decimal(1.0 / 3.0),
            Some((3_333_333_333_333_333, 16))
        );
    }

    #[test]
    fn every_found_view_decodes_to_the_same_bits() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = (state % 1_000_000_007) as i64 - 500_000_000;
            let decimals = (state >> 40) as u8 % 12;
            let value: f64 = format!("{digits}e-{decimals}").parse().unwrap();
            let (mantissa, found_decimals) = shortest_decimal(value).expect("short decimal");
            assert!(found_decimals <= decimals);
            let divisor = power_of_ten(found_decimals).unwrap();
            assert_eq!(decimal_to_f64(mantissa, divisor).to_bits(), value.to_bits());
        }
    }
}
