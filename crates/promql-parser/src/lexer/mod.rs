//! The PromQL lexer: a state machine that mirrors Prometheus's, so tokens and lexer
//! errors (texts and positions) come out the same. It only finds token boundaries; the
//! text of number, duration and string tokens is converted by the nom parsers in
//! `crate::literals`.
//!
//! The lexer is context-sensitive like Prometheus's: inside `{...}` keywords are plain
//! identifiers, inside `[...]` only numbers, durations, operators and the duration keywords
//! (`step`, `range`, `min_of`, `max_of`) are allowed, and it tracks parenthesis depth to
//! report unclosed or unbalanced parentheses itself.

use promlite_model::go_quote_with;

use crate::token::{keyword, Token, TokenKind};

mod scan;

/// A lexer error: the message and the byte offset Prometheus reports it at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub pos: usize,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Statements,
    DurationExpr,
    /// After an error or the end of input: only `Eof` from here on.
    Done,
}

/// Go's `eof` rune stand-in.
const EOF_CHAR: Option<char> = None;

pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    /// Byte width of the last char read by `next`, for `backup`.
    width: usize,
    state: State,
    paren_depth: i64,
    brace_open: bool,
    bracket_open: bool,
    got_colon: bool,
    got_duration: bool,
    string_open: char,
}

type LexResult = Result<Token, LexError>;

impl<'a> Lexer<'a> {
    pub(crate) fn new(input: &'a str) -> Lexer<'a> {
        Lexer {
            input,
            pos: 0,
            start: 0,
            width: 0,
            state: State::Statements,
            paren_depth: 0,
            brace_open: false,
            bracket_open: false,
            got_colon: false,
            got_duration: false,
            string_open: '"',
        }
    }

    /// The next token (comments included); after an error or the end, `Eof` forever.
    pub(crate) fn next_token(&mut self) -> LexResult {
        let result = match self.state {
            State::Done => Ok(self.token_here(TokenKind::Eof)),
            State::DurationExpr => self.lex_duration_expr(),
            State::Statements => self.lex_statements(),
        };
        match &result {
            Err(_) => self.state = State::Done,
            Ok(token) if token.kind == TokenKind::Eof => self.state = State::Done,
            Ok(_) => {}
        }
        result
    }

    fn next(&mut self) -> Option<char> {
        match self
            .input
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                Some(c)
            }
            None => {
                self.width = 0;
                EOF_CHAR
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.input
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
    }

    fn backup(&mut self) {
        self.pos -= self.width;
        self.width = 0;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(c) if valid.contains(c) => true,
            _ => {
                self.backup();
                false
            }
        }
    }

    fn is(&self, valid: &str) -> bool {
        matches!(self.peek(), Some(c) if valid.contains(c))
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn emit(&mut self, kind: TokenKind) -> LexResult {
        let token = Token {
            kind,
            start: self.start,
            end: self.pos,
        };
        self.start = self.pos;
        Ok(token)
    }

    fn token_here(&self, kind: TokenKind) -> Token {
        Token {
            kind,
            start: self.pos,
            end: self.pos,
        }
    }

    fn error(&self, message: String) -> LexResult {
        Err(LexError {
            pos: self.start,
            message,
        })
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(c) if is_space(c)) {
            self.next();
        }
        self.start = self.pos;
    }

    fn rest_starts_with_comment(&self) -> bool {
        self.input
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with('#'))
    }

    fn lex_statements(&mut self) -> LexResult {
        loop {
            if self.brace_open {
                return self.lex_inside_braces();
            }
            if self.rest_starts_with_comment() {
                return self.lex_line_comment();
            }
            let Some(r) = self.next() else {
                if self.paren_depth != 0 {
                    return self.error("unclosed left parenthesis".into());
                }
                if self.bracket_open {
                    return self.error("unclosed left bracket".into());
                }
                return self.emit(TokenKind::Eof);
            };
            return match r {
                ',' => self.emit(TokenKind::Comma),
                c if is_space(c) => {
                    self.skip_spaces();
                    continue;
                }
                '*' => self.emit(TokenKind::Mul),
                '/' => self.emit(TokenKind::Div),
                '%' => self.emit(TokenKind::Mod),
                '+' => self.emit(TokenKind::Add),
                '-' => self.emit(TokenKind::Sub),
                '^' => self.emit(TokenKind::Pow),
                '=' => match self.peek() {
                    Some('=') => {
                        self.next();
                        self.emit(TokenKind::Eqlc)
                    }
                    Some('~') => self.error("unexpected character after '=': '~'".into()),
                    _ => self.emit(TokenKind::Assign),
                },
                '!' => match self.next() {
                    Some('=') => self.emit(TokenKind::Neq),
                    other => self.error(format!(
                        "unexpected character after '!': {}",
                        quote_rune(other)
                    )),
                },
                '<' => match self.peek() {
                    Some('=') => {
                        self.next();
                        self.emit(TokenKind::Lte)
                    }
                    Some('/') => {
                        self.next();
                        self.emit(TokenKind::TrimUpper)
                    }
                    _ => self.emit(TokenKind::Lss),
                },
                '>' => match self.peek() {
                    Some('=') => {
                        self.next();
                        self.emit(TokenKind::Gte)
                    }
                    Some('/') => {
                        self.next();
                        self.emit(TokenKind::TrimLower)
                    }
                    _ => self.emit(TokenKind::Gtr),
                },
                c if c.is_ascii_digit()
                    || (c == '.' && self.peek().is_some_and(|p| p.is_ascii_digit())) =>
                {
                    self.backup();
                    self.lex_number_or_duration()
                }
                '"' | '\'' => {
                    self.string_open = r;
                    self.lex_string()
                }
                '`' => {
                    self.string_open = r;
                    self.lex_raw_string()
                }
                c if is_alpha(c) || c == ':' => {
                    if !self.bracket_open {
                        self.backup();
                        return self.lex_keyword_or_identifier();
                    }
                    if c == ':' {
                        if self.got_colon {
                            return self.error("unexpected colon ':'".into());
                        }
                        self.got_colon = true;
                        return self.emit(TokenKind::Colon);
                    }
                    if is_duration_keyword_start(c) {
                        if let Some(kind) = self.scan_duration_keyword() {
                            return self.emit(kind);
                        }
                    }
                    self.error(format!(
                        "unexpected character: {}, expected ':'",
                        quote_rune(Some(c))
                    ))
                }
                '(' => {
                    self.paren_depth += 1;
                    self.emit(TokenKind::LeftParen)
                }
                ')' => self.right_paren(),
                '{' => {
                    self.brace_open = true;
                    self.emit(TokenKind::LeftBrace)
                }
                '[' => {
                    if self.bracket_open {
                        return self.error("unexpected left bracket '['".into());
                    }
                    self.got_colon = false;
                    let token = self.emit(TokenKind::LeftBracket);
                    if self.peek().is_some_and(is_space) {
                        self.skip_spaces();
                    }
                    self.bracket_open = true;
                    self.state = State::DurationExpr;
                    token
                }
                ']' => {
                    if !self.bracket_open {
                        return self.error("unexpected right bracket ']'".into());
                    }
                    self.bracket_open = false;
                    self.emit(TokenKind::RightBracket)
                }
                '@' => self.emit(TokenKind::At),
                other => self.error(format!("unexpected character: {}", quote_rune(Some(other)))),
            };
        }
    }

    fn right_paren(&mut self) -> LexResult {
        let token = self.emit(TokenKind::RightParen);
        self.paren_depth -= 1;
        if self.paren_depth < 0 {
            // Prometheus reports this after emitting the parenthesis, so at the next byte.
            return self.error("unexpected right parenthesis ')'".into());
        }
        token
    }

    fn lex_inside_braces(&mut self) -> LexResult {
        loop {
            if self.rest_starts_with_comment() {
                return self.lex_line_comment();
            }
            let Some(r) = self.next() else {
                return self.error("unexpected end of input inside braces".into());
            };
            return match r {
                c if is_space(c) => {
                    self.skip_spaces();
                    continue;
                }
                c if is_alpha(c) => {
                    while self.next().is_some_and(is_alpha_numeric) {}
                    self.backup();
                    self.emit(TokenKind::Identifier)
                }
                ',' => self.emit(TokenKind::Comma),
                '"' | '\'' => {
                    self.string_open = r;
                    self.lex_string()
                }
                '`' => {
                    self.string_open = r;
                    self.lex_raw_string()
                }
                '=' => {
                    if self.next() == Some('~') {
                        return self.emit(TokenKind::EqlRegex);
                    }
                    self.backup();
                    self.emit(TokenKind::Assign)
                }
                '!' => match self.next() {
                    Some('~') => self.emit(TokenKind::NeqRegex),
                    Some('=') => self.emit(TokenKind::Neq),
                    other => self.error(format!(
                        "unexpected character after '!' inside braces: {}",
                        quote_rune(other)
                    )),
                },
                '{' => self.error("unexpected left brace '{'".into()),
                '}' => {
                    self.brace_open = false;
                    self.emit(TokenKind::RightBrace)
                }
                other => self.error(format!(
                    "unexpected character inside braces: {}",
                    quote_rune(Some(other))
                )),
            };
        }
    }

    fn lex_duration_expr(&mut self) -> LexResult {
        loop {
            let r = self.next();
            return match r {
                None => self.error("unexpected end of input in duration expression".into()),
                Some(']') => {
                    self.bracket_open = false;
                    self.got_colon = false;
                    self.state = State::Statements;
                    self.emit(TokenKind::RightBracket)
                }
                Some(':') => {
                    let token = self.emit(TokenKind::Colon);
                    if !self.got_duration {
                        return self.error(
                            "unexpected colon before duration in duration expression".into(),
                        );
                    }
                    if self.got_colon {
                        return self
                            .error("unexpected repeated colon in duration expression".into());
                    }
                    self.got_colon = true;
                    token
                }
                Some('(') => {
                    self.paren_depth += 1;
                    self.emit(TokenKind::LeftParen)
                }
                Some(')') => self.right_paren(),
                Some(c) if is_space(c) => {
                    self.skip_spaces();
                    continue;
                }
                Some('+') => self.emit(TokenKind::Add),
                Some('-') => self.emit(TokenKind::Sub),
                Some('*') => self.emit(TokenKind::Mul),
                Some('/') => self.emit(TokenKind::Div),
                Some('%') => self.emit(TokenKind::Mod),
                Some('^') => self.emit(TokenKind::Pow),
                Some(',') => self.emit(TokenKind::Comma),
                Some(c) if is_duration_keyword_start(c) => match self.scan_duration_keyword() {
                    Some(kind) => self.emit(kind),
                    None => self.error(format!(
                        "unexpected character in duration expression: {}",
                        quote_rune(Some(c))
                    )),
                },
                Some(c)
                    if c.is_ascii_digit()
                        || (c == '.' && self.peek().is_some_and(|p| p.is_ascii_digit())) =>
                {
                    self.backup();
                    self.got_duration = true;
                    self.state = State::Statements;
                    self.lex_number_or_duration()
                }
                Some(c) => self.error(format!(
                    "unexpected character in duration expression: {}",
                    quote_rune(Some(c))
                )),
            };
        }
    }

    /// Reads the rest of a word that started with a duration keyword's first letter.
    fn scan_duration_keyword(&mut self) -> Option<TokenKind> {
        while self.next().is_some_and(is_alpha) {}
        self.backup();
        let word = self.input.get(self.start..self.pos)?.to_ascii_lowercase();
        match word.as_str() {
            "step" => Some(TokenKind::Step),
            "range" => Some(TokenKind::Range),
            "max_of" => Some(TokenKind::MaxOf),
            "min_of" => Some(TokenKind::MinOf),
            _ => None,
        }
    }

    fn lex_line_comment(&mut self) -> LexResult {
        self.pos += 1;
        while let Some(c) = self.next() {
            if c == '\r' || c == '\n' {
                self.backup();
                break;
            }
        }
        self.emit(TokenKind::Comment)
    }

    fn lex_keyword_or_identifier(&mut self) -> LexResult {
        while self.next().is_some_and(|c| is_alpha_numeric(c) || c == ':') {}
        self.backup();
        let word = self.input.get(self.start..self.pos).unwrap_or_default();
        match keyword(word) {
            Some(TokenKind::Fill | TokenKind::FillLeft | TokenKind::FillRight)
                if !self.followed_by_left_paren() =>
            {
                // `fill` & co. are keywords only before `(`, so they stay usable as names.
                self.emit(TokenKind::Identifier)
            }
            Some(kind) => self.emit(kind),
            None if word.contains(':') => self.emit(TokenKind::MetricIdentifier),
            None => self.emit(TokenKind::Identifier),
        }
    }

    fn followed_by_left_paren(&self) -> bool {
        self.input
            .get(self.pos..)
            .and_then(|rest| rest.chars().find(|c| !is_space(*c)))
            == Some('(')
    }
}

pub(crate) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

pub(crate) fn is_alpha(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

pub(crate) fn is_alpha_numeric(c: char) -> bool {
    is_alpha(c) || c.is_ascii_digit()
}

fn is_duration_keyword_start(c: char) -> bool {
    matches!(c.to_ascii_lowercase(), 's' | 'r' | 'm')
}

/// Go's `%q` of a rune; the end of input (Go's `eof`, -1) prints as U+FFFD.
pub(crate) fn quote_rune(c: Option<char>) -> String {
    go_quote_with(&c.unwrap_or('\u{FFFD}').to_string(), '\'')
}

#[cfg(test)]
mod tests;
