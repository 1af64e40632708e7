//! The tokenizer shared by both text formats: a hand-run state machine that mirrors
//! Prometheus's lexers (`promlex.l`, `openmetricslex.l`) token for token, so that the
//! positions in error messages, and therefore the messages, match Prometheus's.
//!
//! Positions follow the Go lexer: `start` is where the current token began, `i` is the
//! first byte not consumed. On an invalid token `i` points at the offending byte. At the
//! end of input the lexer returns [`Token::Eof`] without moving `start`.

use nom::bytes::complete::take_while;
use nom::IResult;

/// A token, named as Prometheus prints it in errors (`"INVALID"`, `"BCLOSE"`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Invalid,
    Eof,
    Linebreak,
    Whitespace,
    Help,
    Type,
    Unit,
    EofWord,
    Text,
    Comment,
    MName,
    QString,
    BraceOpen,
    BraceClose,
    LName,
    LValue,
    Comma,
    Equal,
    Timestamp,
    Value,
}

impl Token {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Token::Invalid => "INVALID",
            Token::Eof => "EOF",
            Token::Linebreak => "LINEBREAK",
            Token::Whitespace => "WHITESPACE",
            Token::Help => "HELP",
            Token::Type => "TYPE",
            Token::Unit => "UNIT",
            Token::EofWord => "EOFWORD",
            Token::Text => "TEXT",
            Token::Comment => "COMMENT",
            Token::MName => "MNAME",
            Token::QString => "QSTRING",
            Token::BraceOpen => "BOPEN",
            Token::BraceClose => "BCLOSE",
            Token::LName => "LNAME",
            Token::LValue => "LVALUE",
            Token::Comma => "COMMA",
            Token::Equal => "EQUAL",
            Token::Timestamp => "TIMESTAMP",
            Token::Value => "VALUE",
        }
    }
}

/// Lexer start conditions, as in the Go lexers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Init,
    Comment,
    Meta1,
    Meta2,
    Labels,
    LValue,
    Value,
    Timestamp,
    Exemplar,
    EValue,
    ETimestamp,
}

pub(crate) fn is_metric_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':'
}

pub(crate) fn is_metric_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':'
}

pub(crate) fn is_label_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

pub(crate) fn is_label_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Length of the run of bytes at the start of `input` satisfying `pred`.
#[inline]
fn run_len(input: &[u8], pred: impl Fn(u8) -> bool) -> usize {
    let r: IResult<&[u8], &[u8]> = take_while(pred)(input);
    r.map(|(_, run)| run.len()).unwrap_or(0)
}

/// A value/timestamp byte in the text format: anything but `{`, blanks, newline and NUL.
pub(crate) fn is_text_value_char(c: u8) -> bool {
    !matches!(c, b'{' | b' ' | b'\t' | b'\n' | 0)
}

/// A value/timestamp byte in OpenMetrics: anything but space, newline and NUL.
pub(crate) fn is_om_value_char(c: u8) -> bool {
    !matches!(c, b' ' | b'\n' | 0)
}

pub(crate) struct Lexer<'a> {
    pub(crate) b: &'a [u8],
    /// Virtual length: the text format lexes the body with a `\n` appended (as Go's
    /// parser does), without copying it.
    pub(crate) n: usize,
    pub(crate) i: usize,
    pub(crate) start: usize,
    pub(crate) state: State,
    /// Whether the last quoted string scanned was pure ASCII (then it needs no UTF-8
    /// check).
    pub(crate) last_quoted_ascii: bool,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(b: &'a [u8], append_newline: bool) -> Lexer<'a> {
        Lexer {
            b,
            n: b.len() + usize::from(append_newline),
            i: 0,
            start: 0,
            state: State::Init,
            last_quoted_ascii: true,
        }
    }

    /// The byte at `i` of the virtual buffer; 0 past its end (Go's lexers use 0 as EOF).
    #[inline]
    pub(crate) fn at(&self, i: usize) -> u8 {
        match self.b.get(i) {
            Some(&c) => c,
            None if i < self.n => b'\n',
            None => 0,
        }
    }

    /// Bytes `a..e` of the virtual buffer (for error messages and tokens near the end).
    pub(crate) fn slice(&self, a: usize, e: usize) -> std::borrow::Cow<'a, [u8]> {
        let e = e.min(self.n);
        let a = a.min(e);
        if e <= self.b.len() {
            std::borrow::Cow::Borrowed(self.b.get(a..e).unwrap_or(&[]))
        } else {
            let mut v = self.b.get(a..).unwrap_or(&[]).to_vec();
            v.push(b'\n');
            std::borrow::Cow::Owned(v)
        }
    }

    /// The current token's bytes. Tokens never include the virtual newline except
    /// `Text`/`Comment` ends, which stop before it.
    #[inline]
    pub(crate) fn buf(&self) -> &'a [u8] {
        let e = self.i.min(self.b.len());
        self.b.get(self.start.min(e)..e).unwrap_or(&[])
    }

    /// Go's `next()`: advance one byte; in states where NULs are allowed inside tokens
    /// (label values, help text, comments) skip them.
    #[inline]
    pub(crate) fn next(&mut self) -> u8 {
        self.i += 1;
        if self.i >= self.n {
            self.i = self.n;
            return 0;
        }
        if matches!(self.state, State::LValue | State::Meta2 | State::Comment) {
            while self.i < self.n && self.at(self.i) == 0 {
                self.i += 1;
            }
            if self.i >= self.n {
                return 0;
            }
        }
        self.at(self.i)
    }

    /// Consumes a run of `pred` bytes after the current one (which already matched).
    #[inline]
    pub(crate) fn consume_run(&mut self, pred: impl Fn(u8) -> bool) {
        let from = self.i + 1;
        let run = run_len(self.b.get(from..).unwrap_or(&[]), pred);
        self.i = from + run;
        // A run that reaches the real end continues into the virtual newline only if the
        // predicate admits it; none of the predicates used admit `\n`.
    }

    /// Scans `"(\\.|[^\\"])*"` from the opening quote at `i`. Returns false on abort with
    /// `i` at the offending byte. `allow_newline` is false where OpenMetrics forbids raw
    /// newlines in strings.
    pub(crate) fn scan_quoted(&mut self, allow_newline: bool) -> bool {
        let mut high: u8 = 0;
        let ok = self.scan_quoted_inner(allow_newline, &mut high);
        self.last_quoted_ascii = high < 0x80;
        ok
    }

    fn scan_quoted_inner(&mut self, allow_newline: bool, high: &mut u8) -> bool {
        let mut c = self.next();
        loop {
            if self.i >= self.n {
                return false;
            }
            match c {
                b'"' => {
                    self.i += 1;
                    return true;
                }
                b'\\' => {
                    c = self.next();
                    if self.i >= self.n || c == b'\n' || c == 0 {
                        return false;
                    }
                    *high |= c;
                    c = self.next();
                }
                0 => return false,
                b'\n' if !allow_newline => return false,
                _ => {
                    // Fast skip over plain bytes in the real buffer.
                    let from = self.i;
                    let rest = self.b.get(from..).unwrap_or(&[]);
                    let mut run = 0;
                    for &x in rest {
                        if x == b'"' || x == b'\\' || x == 0 || x == b'\n' {
                            break;
                        }
                        *high |= x;
                        run += 1;
                    }
                    if run > 1 {
                        self.i = from + run - 1;
                    }
                    c = self.next();
                }
            }
        }
    }

    /// Consumes `name="value",` in one step when the input has exactly that shape (legacy
    /// name, ASCII value without escapes, a comma right after); otherwise consumes nothing
    /// and returns false. Only valid input is taken here, so every error still comes from
    /// the token-by-token path with Prometheus's positions.
    #[inline]
    pub(crate) fn fast_label_pair(&mut self) -> bool {
        let b = self.b;
        let i = self.i;
        if !b.get(i).is_some_and(|&c| is_label_name_start(c)) {
            return false;
        }
        let mut j = i + 1;
        while b.get(j).is_some_and(|&c| is_label_name_char(c)) {
            j += 1;
        }
        if b.get(j) != Some(&b'=') || b.get(j + 1) != Some(&b'"') {
            return false;
        }
        let mut k = j + 2;
        loop {
            match b.get(k) {
                Some(b'"') => break,
                Some(&c) if c == b'\\' || c == 0 || c == b'\n' || c >= 0x80 => return false,
                Some(_) => k += 1,
                None => return false,
            }
        }
        if b.get(k + 1) != Some(&b',') {
            return false;
        }
        self.start = k + 1;
        self.i = k + 2;
        self.state = State::Labels;
        true
    }

    /// Go's `consumeComment`: everything up to (not including) the newline.
    fn consume_comment(&mut self) -> Token {
        let mut c = self.at(self.i);
        loop {
            match c {
                0 => return Token::Eof,
                b'\n' => {
                    self.state = State::Init;
                    return Token::Comment;
                }
                _ => c = self.next(),
            }
        }
    }

    fn lex_whitespace(&mut self) -> Token {
        self.consume_run(|c| c == b' ' || c == b'\t');
        Token::Whitespace
    }

    /// Matches `word` followed by at least one blank (text) or exactly one space (OM) at
    /// `i`; on a mismatch leaves `i` at the offending byte and returns false.
    pub(crate) fn match_keyword(&mut self, word: &[u8], om: bool) -> bool {
        for &w in word {
            if self.at(self.i) != w || self.i >= self.n {
                return false;
            }
            self.next();
        }
        let c = self.at(self.i);
        if om {
            if c != b' ' || self.i >= self.n {
                return false;
            }
            self.next();
            return true;
        }
        if !(c == b' ' || c == b'\t') || self.i >= self.n {
            return false;
        }
        while matches!(self.at(self.i), b' ' | b'\t') && self.i < self.n {
            self.next();
        }
        true
    }

    /// One token of the Prometheus text format (`promlex.l`).
    pub(crate) fn lex_text(&mut self) -> Token {
        if self.i >= self.n {
            return Token::Eof;
        }
        self.start = self.i;
        let mut c = self.at(self.i);
        loop {
            match self.state {
                State::Init => match c {
                    b'#' => {
                        let c2 = self.next();
                        if (c2 == b' ' || c2 == b'\t') && self.i < self.n {
                            while matches!(self.at(self.i), b' ' | b'\t') && self.i < self.n {
                                self.next();
                            }
                            self.state = State::Comment;
                            c = self.at(self.i);
                            continue;
                        }
                        return self.consume_comment();
                    }
                    c if is_metric_name_start(c) => {
                        self.consume_run(is_metric_name_char);
                        self.state = State::Value;
                        return Token::MName;
                    }
                    b'\n' => {
                        self.i += 1;
                        self.state = State::Init;
                        return Token::Linebreak;
                    }
                    b' ' | b'\t' => return self.lex_whitespace(),
                    0 => {
                        self.i += 1;
                        return Token::Eof;
                    }
                    b'{' => {
                        self.i += 1;
                        self.state = State::Labels;
                        return Token::BraceOpen;
                    }
                    _ => return Token::Invalid,
                },
                State::Comment => {
                    let keyword = match c {
                        b'H' => Some((b"HELP".as_slice(), Token::Help)),
                        b'T' => Some((b"TYPE".as_slice(), Token::Type)),
                        b' ' | b'\t' => return self.lex_whitespace(),
                        _ => None,
                    };
                    if let Some((word, tok)) = keyword {
                        if self.match_keyword(word, false) {
                            self.state = State::Meta1;
                            return tok;
                        }
                    }
                    return self.consume_comment();
                }
                State::Meta1 => match c {
                    b'"' => {
                        if self.scan_quoted(true) {
                            self.state = State::Meta2;
                            return Token::MName;
                        }
                        return Token::Invalid;
                    }
                    c if is_metric_name_start(c) => {
                        self.consume_run(is_metric_name_char);
                        self.state = State::Meta2;
                        return Token::MName;
                    }
                    b' ' | b'\t' => return self.lex_whitespace(),
                    _ => return Token::Invalid,
                },
                State::Meta2 => {
                    if c == b' ' || c == b'\t' {
                        let mut c2 = self.next();
                        while (c2 == b' ' || c2 == b'\t') && self.i < self.n {
                            c2 = self.next();
                        }
                        if c2 == b'\n' || self.i >= self.n {
                            return Token::Whitespace;
                        }
                    } else if c == b'\n' || c == 0 {
                        self.state = State::Init;
                        return Token::Text;
                    }
                    // `{C}*`: the rest of the line.
                    while self.i < self.n && self.at(self.i) != b'\n' {
                        self.next();
                    }
                    self.state = State::Init;
                    return Token::Text;
                }
                State::Labels => match c {
                    b'"' => {
                        return if self.scan_quoted(true) {
                            Token::QString
                        } else {
                            Token::Invalid
                        }
                    }
                    b',' => {
                        self.i += 1;
                        return Token::Comma;
                    }
                    b'=' => {
                        self.i += 1;
                        self.state = State::LValue;
                        return Token::Equal;
                    }
                    b' ' | b'\t' => return self.lex_whitespace(),
                    b'}' => {
                        self.i += 1;
                        self.state = State::Value;
                        return Token::BraceClose;
                    }
                    c if is_label_name_start(c) => {
                        self.consume_run(is_label_name_char);
                        return Token::LName;
                    }
                    _ => return Token::Invalid,
                },
                State::LValue => match c {
                    b'"' => {
                        if self.scan_quoted(true) {
                            self.state = State::Labels;
                            return Token::LValue;
                        }
                        return Token::Invalid;
                    }
                    b' ' | b'\t' => return self.lex_whitespace(),
                    _ => return Token::Invalid,
                },
                State::Value => match c {
                    b' ' | b'\t' => return self.lex_whitespace(),
                    b'{' => {
                        self.i += 1;
                        self.state = State::Labels;
                        return Token::BraceOpen;
                    }
                    c if is_text_value_char(c) => {
                        self.consume_run(is_text_value_char);
                        self.state = State::Timestamp;
                        return Token::Value;
                    }
                    _ => return Token::Invalid,
                },
                State::Timestamp => match c {
                    b'\n' => {
                        self.i += 1;
                        self.state = State::Init;
                        return Token::Linebreak;
                    }
                    b' ' | b'\t' => return self.lex_whitespace(),
                    c if c.is_ascii_digit() => {
                        self.consume_run(|c| c.is_ascii_digit());
                        return Token::Timestamp;
                    }
                    _ => return Token::Invalid,
                },
                // Exemplar states do not exist in the text format.
                State::Exemplar | State::EValue | State::ETimestamp => return Token::Invalid,
            }
        }
    }
}
