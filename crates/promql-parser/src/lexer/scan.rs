//! Scanning of the lexer's longer tokens: quoted strings with their escapes, numbers and
//! durations, with the acceptance rules (and quirks) of Prometheus's lexer.

use promlite_model::go_quote;

use super::{is_alpha_numeric, LexError, LexResult, Lexer};
use crate::token::TokenKind;

impl Lexer<'_> {
    pub(super) fn lex_string(&mut self) -> LexResult {
        loop {
            match self.next() {
                Some('\\') => self.lex_escape()?,
                Some('\u{FFFD}') => return self.error("invalid UTF-8 rune".into()),
                None | Some('\n') => return self.error("unterminated quoted string".into()),
                Some(c) if c == self.string_open => break,
                Some(_) => {}
            }
        }
        self.emit(TokenKind::String)
    }

    /// Validates an escape sequence; the backslash has been read.
    fn lex_escape(&mut self) -> Result<(), LexError> {
        let mut ch = self.next();
        let (mut digits, base, max): (u32, u32, u32) = match ch {
            Some('a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '\\') => return Ok(()),
            Some(c) if c == self.string_open => return Ok(()),
            Some('0'..='7') => (3, 8, 255),
            Some('x') => {
                ch = self.next();
                (2, 16, 255)
            }
            Some('u') => {
                ch = self.next();
                (4, 16, 0x10FFFF)
            }
            Some('U') => {
                ch = self.next();
                (8, 16, 0x10FFFF)
            }
            None => {
                return self
                    .error("escape sequence not terminated".into())
                    .map(drop)
            }
            Some(c) => {
                return self
                    .error(format!("unknown escape sequence {}", go_sharp_u(c)))
                    .map(drop)
            }
        };
        let mut value: u64 = 0;
        while digits > 0 {
            let digit = ch.and_then(|c| c.to_digit(16)).unwrap_or(16);
            if digit >= base {
                return match ch {
                    None => self.error("escape sequence not terminated".into()),
                    Some(c) => self.error(format!(
                        "illegal character {} in escape sequence",
                        go_sharp_u(c)
                    )),
                }
                .map(drop);
            }
            value = value * u64::from(base) + u64::from(digit);
            digits -= 1;
            if digits > 0 {
                ch = self.next();
            }
        }
        if value > u64::from(max) || (0xD800..0xE000).contains(&value) {
            return self
                .error("escape sequence is an invalid Unicode code point".into())
                .map(drop);
        }
        Ok(())
    }

    pub(super) fn lex_raw_string(&mut self) -> LexResult {
        loop {
            match self.next() {
                Some('\u{FFFD}') => return self.error("invalid UTF-8 rune".into()),
                None => return self.error("unterminated raw string".into()),
                Some(c) if c == self.string_open => break,
                Some(_) => {}
            }
        }
        self.emit(TokenKind::String)
    }

    pub(super) fn lex_number_or_duration(&mut self) -> LexResult {
        if self.scan_number() {
            return self.emit(TokenKind::Number);
        }
        if self.accept_remaining_duration() {
            self.backup();
            return self.emit(TokenKind::Duration);
        }
        let text = self.input.get(self.start..self.pos).unwrap_or_default();
        self.error(format!("bad number or duration syntax: {}", go_quote(text)))
    }

    fn accept_remaining_duration(&mut self) -> bool {
        if !self.accept("smhdwy") {
            return false;
        }
        self.accept("s");
        while self.accept("0123456789") {
            while self.accept("0123456789") {}
            if !self.accept("smhdw") {
                return false;
            }
            self.accept("s");
        }
        !self.next().is_some_and(is_alpha_numeric)
    }

    /// Prometheus's `scanNumber`: decimal, hexadecimal, fractions, exponents and `_`
    /// separators. The text is validated again when the parser converts it.
    fn scan_number(&mut self) -> bool {
        const DECIMAL: &str = "0123456789";
        const HEX: &str = "0123456789abcdefABCDEF";
        let initial = self.pos;
        let mut digits = DECIMAL;
        if self.accept("0") && self.accept("xX") {
            self.accept("_");
            digits = HEX;
        }
        self.accept(".");
        self.accept(digits);
        let mut dot_consumed = false;
        let mut exponent_consumed = false;
        let continuation = format!("{digits}._eE");
        while self.is(&continuation) {
            if self.is(".") && dot_consumed {
                self.accept(".");
                return false;
            }
            if self.is("eE") && exponent_consumed {
                self.accept("eE");
                return false;
            }
            if self.accept(".") {
                dot_consumed = true;
                if self.accept("_.") {
                    return false;
                }
                if digits == HEX {
                    return false;
                }
                continue;
            }
            if self.accept("eE") {
                exponent_consumed = true;
                self.accept("+-");
                if self.accept("._eE") || self.peek().is_none() {
                    return false;
                }
                continue;
            }
            if self.accept("_") {
                if self.accept("._eE") || self.peek().is_none() {
                    return false;
                }
                continue;
            }
            self.accept_run(digits);
        }
        if self.pos == initial {
            return false;
        }
        !self.peek().is_some_and(is_alpha_numeric)
    }
}

/// Go's `%#U`: `U+0071 'q'`, or just `U+0007` for unprintable runes.
fn go_sharp_u(c: char) -> String {
    if promlite_model::is_go_printable(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}
