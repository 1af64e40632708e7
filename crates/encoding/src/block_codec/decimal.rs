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

/// Mantissas below this magnitude convert to `f64` with the magic-number trick below.
const MAX_MAGIC_CONVERTIBLE: i64 = 1 << 51;

/// Appends `mantissas[i] / divisor` to `out`, exactly as [`decimal_to_f64`] computes it.
///
/// When every mantissa is below 2^51 in magnitude, the integer-to-float conversion uses the
/// 2^52 + 2^51 magic number (add to its bit pattern, subtract it as a float), which is exact
/// in that range and, unlike a 64-bit integer conversion, vectorizes on baseline x86-64.
pub(crate) fn extend_with_decimals(mantissas: &[i64], divisor: f64, out: &mut Vec<f64>) {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
                                                // m + 2^51 lies in [0, 2^52) exactly when -2^51 <= m < 2^51; add, shift and or vectorize.
    let out_of_range = mantissas.iter().fold(0u64, |any, &mantissa| {
        any | (mantissa.wrapping_add(MAX_MAGIC_CONVERTIBLE) as u64 >> 52)
    });
    if out_of_range != 0 {
        out.extend(
            mantissas
                .iter()
                .map(|&mantissa| decimal_to_f64(mantissa, divisor)),
        );
        return;
    }
    let magic_bits = MAGIC.to_bits() as i64;
    let exact =
        move |mantissa: i64| f64::from_bits(mantissa.wrapping_add(magic_bits) as u64) - MAGIC;
    if divisor == 1.0 {
        // Integers (most counters): dividing by one changes nothing, so skip the division.
        out.extend(mantissas.iter().map(|&mantissa| exact(mantissa)));
    } else {
        out.extend(mantissas.iter().map(|&mantissa| exact(mantissa) / divisor));
    }
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
    fn magic_conversion_matches_the_plain_one() {
        let edges = [
            0i64,
            1,
            -1,
            12_345,
            -98_765_432_101,
            (1 << 51) - 1,
            -(1 << 51) + 1,
        ];
        for divisor in [1.0, 10.0, 1e7, 1e22] {
            let mut fast = Vec::new();
            extend_with_decimals(&edges, divisor, &mut fast);
            let with_large = [edges.as_slice(), &[1 << 52, i64::MIN, i64::MAX]].concat();
            let mut slow = Vec::new();
            extend_with_decimals(&with_large, divisor, &mut slow);
            for (index, &mantissa) in with_large.iter().enumerate() {
                let expected = decimal_to_f64(mantissa, divisor).to_bits();
                assert_eq!(slow[index].to_bits(), expected, "{mantissa} / {divisor}");
                if let Some(value) = fast.get(index) {
                    assert_eq!(value.to_bits(), expected, "{mantissa} / {divisor}");
                }
            }
        }
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
