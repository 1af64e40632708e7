//! Quoted string literals as nom parsers with Prometheus's `strutil.Unquote` rules (Go's
//! `strconv.Unquote` escapes, any length between single quotes): `"..."`, `'...'` and raw
//! `` `...` `` strings.

use nom::branch::alt;
use nom::bytes::complete::{take_till, take_till1, take_while_m_n};
use nom::character::complete::{anychar, char, one_of};
use nom::combinator::{all_consuming, map, map_opt, recognize};
use nom::multi::fold_many0;
use nom::sequence::{delimited, pair, preceded};
use nom::IResult;

/// Prometheus's `strutil.Unquote` for `"..."`, `'...'` and `` `...` `` literals. Escapes
/// that denote bytes (`\xff`, `\377`) that do not form UTF-8 become U+FFFD.
pub(crate) fn unquote(text: &str) -> Result<String, ()> {
    unquote_bytes(text).map(|bytes| match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Like [`unquote`], keeping the exact bytes (which need not be UTF-8).
pub(crate) fn unquote_bytes(text: &str) -> Result<Vec<u8>, ()> {
    all_consuming(alt((
        raw_string,
        interpreted_string('"'),
        interpreted_string('\''),
    )))(text)
    .map(|(_, bytes)| bytes)
    .map_err(|_: nom::Err<nom::error::Error<&str>>| ())
}

/// `` `...` ``: the bytes between the backquotes as they are; no escapes, newlines allowed.
fn raw_string(input: &str) -> IResult<&str, Vec<u8>> {
    map(
        delimited(char('`'), take_till(|c| c == '`'), char('`')),
        |body: &str| body.as_bytes().to_vec(),
    )(input)
}

/// A piece of an interpreted string's value: text as written, or what an escape denotes.
#[derive(Clone)]
enum StringPiece<'a> {
    Text(&'a str),
    Byte(u8),
    Char(char),
}

/// `"..."` or `'...'`: no unescaped quote of the same kind, no newline, Go's escapes.
fn interpreted_string<'a>(quote: char) -> impl FnMut(&'a str) -> IResult<&'a str, Vec<u8>> {
    let plain_text = map(
        take_till1(move |c| c == '\\' || c == quote || c == '\n'),
        StringPiece::Text,
    );
    let body = fold_many0(
        alt((plain_text, escape_sequence(quote))),
        Vec::new,
        |mut bytes: Vec<u8>, piece| {
            match piece {
                StringPiece::Text(text) => bytes.extend_from_slice(text.as_bytes()),
                StringPiece::Byte(byte) => bytes.push(byte),
                StringPiece::Char(c) => {
                    bytes.extend_from_slice(c.encode_utf8(&mut [0u8; 4]).as_bytes())
                }
            }
            bytes
        },
    );
    delimited(char(quote), body, char(quote))
}

/// A backslash escape as Go's `UnquoteChar` accepts it inside `quote`-delimited text: the
/// one-letter escapes, `\\`, the enclosing quote, `\xHH` and `\OOO` (bytes), `\uHHHH` and
/// `\UHHHHHHHH` (code points, surrogates and values past U+10FFFF rejected).
fn escape_sequence<'a>(quote: char) -> impl FnMut(&'a str) -> IResult<&'a str, StringPiece<'a>> {
    let single_letter = map_opt(anychar, |letter| {
        single_letter_escape(letter).map(StringPiece::Byte)
    });
    let own_quote = map(char(quote), StringPiece::Char);
    let hex_byte = map_opt(preceded(char('x'), hex_digits(2)), |value| {
        u8::try_from(value).ok().map(StringPiece::Byte)
    });
    let octal_byte = map_opt(
        recognize(pair(
            one_of("01234567"),
            take_while_m_n(2, 2, is_octal_digit),
        )),
        |digits: &str| {
            let value = u32::from_str_radix(digits, 8).ok()?;
            u8::try_from(value).ok().map(StringPiece::Byte)
        },
    );
    let code_point = map_opt(
        alt((
            preceded(char('u'), hex_digits(4)),
            preceded(char('U'), hex_digits(8)),
        )),
        |value| char::from_u32(value).map(StringPiece::Char),
    );
    preceded(
        char('\\'),
        alt((single_letter, own_quote, hex_byte, octal_byte, code_point)),
    )
}

/// Exactly `count` hexadecimal digits (at most 8, so the value fits in a `u32`).
fn hex_digits<'a>(count: usize) -> impl FnMut(&'a str) -> IResult<&'a str, u32> {
    map_opt(
        take_while_m_n(count, count, |c: char| c.is_ascii_hexdigit()),
        |digits: &str| u32::from_str_radix(digits, 16).ok(),
    )
}

/// The byte a one-letter escape (`\n`, `\\`, ...) stands for.
fn single_letter_escape(letter: char) -> Option<u8> {
    Some(match letter {
        'a' => 0x07,
        'b' => 0x08,
        'f' => 0x0c,
        'n' => b'\n',
        'r' => b'\r',
        't' => b'\t',
        'v' => 0x0b,
        '\\' => b'\\',
        _ => return None,
    })
}

fn is_octal_digit(c: char) -> bool {
    matches!(c, '0'..='7')
}
