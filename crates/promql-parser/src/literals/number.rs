//! Number literals as nom parsers with Go's rules: first `strconv.ParseInt(s, 0, 64)`
//! (decimal, `0x`/`0o`/`0b`, leading-`0` octal, `_` separators), then `ParseFloat`
//! (decimal mantissa and exponent, `Inf`/`Infinity`/`NaN`), with Go's error texts.

use nom::branch::alt;
use nom::bytes::complete::take;
use nom::character::complete::{anychar, char, one_of, satisfy};
use nom::combinator::{all_consuming, eof, map_opt, opt, peek, recognize, value, verify};
use nom::multi::{fold_many1, many0_count};
use nom::sequence::{pair, preceded, terminated, tuple};
use nom::IResult;
use promlite_model::go_quote;

/// Converts a number token the way Prometheus does: as a Go integer literal (decimal,
/// `0x` hex, leading-`0` octal, `_` separators) when it fits in an `i64`, else as a float.
/// The error text is Go's `ParseFloat` error.
pub(crate) fn parse_number_literal(text: &str) -> Result<f64, String> {
    if let Ok((_, int)) = all_consuming(go_integer)(text) {
        return Ok(int as f64);
    }
    parse_go_float(text)
}

/// Parses a PromQL number literal (`1`, `0x1f`, `1e3`, `.5`, `Inf`, `NaN`, `1_000`), with
/// one optional sign and surrounding whitespace. Returns `None` for anything Prometheus
/// would reject.
pub fn parse_number(text: &str) -> Option<f64> {
    let (body, sign) = opt(one_of::<_, _, nom::error::Error<&str>>("+-"))(text.trim()).ok()?;
    let sign = if sign == Some('-') { -1.0 } else { 1.0 };
    parse_number_literal(body).ok().map(|value| sign * value)
}

/// Go's `strconv.ParseInt(text, 0, 64)` for unsigned literals: the base comes from the
/// prefix, `_` may only separate digits (or follow a base prefix), and the value must fit
/// in an `i64`. The branches start with distinct prefixes, so at most one can match.
fn go_integer(input: &str) -> IResult<&str, i64> {
    alt((
        preceded(ascii_tag_no_case("0x"), digits_in_base(16)),
        preceded(ascii_tag_no_case("0o"), digits_in_base(8)),
        preceded(ascii_tag_no_case("0b"), digits_in_base(2)),
        // A lone `0` is decimal; a `0` followed by anything is an octal prefix.
        value(0, terminated(char('0'), eof)),
        preceded(char('0'), digits_in_base(8)),
        preceded(
            peek(satisfy(|c| matches!(c, '1'..='9'))),
            digits_in_base(10),
        ),
    ))(input)
}

/// One or more digits of `base`, each optionally preceded by one `_` (Go's `underscoreOK`
/// once a prefix or digit came before), folded into an `i64` that fails on overflow.
fn digits_in_base<'a>(base: u32) -> impl FnMut(&'a str) -> IResult<&'a str, i64> {
    let digit = preceded(opt(char('_')), map_opt(anychar, move |c| c.to_digit(base)));
    map_opt(
        fold_many1(
            digit,
            || Some(0i64),
            move |total: Option<i64>, digit| {
                total?
                    .checked_mul(i64::from(base))?
                    .checked_add(i64::from(digit))
            },
        ),
        |total| total,
    )
}

/// Go's `strconv.ParseFloat(text, 64)` for the texts the lexer lets through. Hex floats
/// need a `p` exponent in Go, which the lexer never lets through, so they are rejected.
fn parse_go_float(text: &str) -> Result<f64, String> {
    if let Ok((_, special)) = all_consuming(special_float)(text) {
        return Ok(special);
    }
    let invalid = || {
        format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            go_quote(text)
        )
    };
    let (_, literal) = all_consuming(decimal_float)(text).map_err(|_| invalid())?;
    let digits_only: String = literal.chars().filter(|c| *c != '_').collect();
    // The grammar above is a subset of what Rust's float parser accepts; it does the
    // correctly rounded conversion.
    let value: f64 = digits_only.parse().map_err(|_| invalid())?;
    if value.is_infinite() {
        return Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            go_quote(text)
        ));
    }
    Ok(value)
}

/// `Inf`, `Infinity` and `NaN` in any ASCII case, unsigned.
fn special_float(input: &str) -> IResult<&str, f64> {
    alt((
        value(f64::INFINITY, ascii_tag_no_case("infinity")),
        value(f64::INFINITY, ascii_tag_no_case("inf")),
        value(f64::NAN, ascii_tag_no_case("nan")),
    ))(input)
}

/// `[+-]? (D | D. | D.D | .D) ([eE] [+-]? D)?` where `D` is decimal digits with single `_`
/// between digits. Returns the recognized text, separators included.
fn decimal_float(input: &str) -> IResult<&str, &str> {
    let sign = || opt(one_of("+-"));
    let mantissa = alt((
        recognize(pair(
            separated_decimal_digits,
            opt(pair(char('.'), opt(separated_decimal_digits))),
        )),
        recognize(pair(char('.'), separated_decimal_digits)),
    ));
    let exponent = tuple((one_of("eE"), sign(), separated_decimal_digits));
    recognize(tuple((sign(), mantissa, opt(exponent))))(input)
}

/// A decimal digit followed by digits, each optionally preceded by one `_`.
fn separated_decimal_digits(input: &str) -> IResult<&str, &str> {
    let digit = || satisfy(|c| c.is_ascii_digit());
    recognize(pair(digit(), many0_count(pair(opt(char('_')), digit()))))(input)
}

/// Matches `word` ignoring ASCII case only (nom's `tag_no_case` folds Unicode case, which
/// would let e.g. the Kelvin sign stand for `k`).
pub(super) fn ascii_tag_no_case<'a>(
    word: &'static str,
) -> impl FnMut(&'a str) -> IResult<&'a str, &'a str> {
    verify(take(word.chars().count()), move |candidate: &str| {
        candidate.eq_ignore_ascii_case(word)
    })
}
