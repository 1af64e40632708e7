//! The OpenMetrics half of the lexer (`openmetricslex.l`): single spaces are
//! significant, comments other than HELP/TYPE/UNIT/EOF are invalid, exemplars have
//! their own states.

use super::lexer::{
    is_label_name_char, is_label_name_start, is_metric_name_char, is_metric_name_start,
    is_om_value_char, Lexer, State, Token,
};

impl Lexer<'_> {
    /// One token of OpenMetrics 1.0 text (`openmetricslex.l`).
    pub(crate) fn lex_openmetrics(&mut self) -> Token {
        if self.i >= self.n {
            return Token::Eof;
        }
        self.start = self.i;
        let mut c = self.at(self.i);
        loop {
            match self.state {
                State::Init => match c {
                    b'#' => {
                        if self.next() == b' ' && self.i < self.n {
                            self.next();
                            self.state = State::Comment;
                            c = self.at(self.i);
                            continue;
                        }
                        return Token::Invalid;
                    }
                    c if is_metric_name_start(c) => {
                        self.consume_run(is_metric_name_char);
                        self.state = State::Value;
                        return Token::MName;
                    }
                    b'{' => {
                        self.i += 1;
                        self.state = State::Labels;
                        return Token::BraceOpen;
                    }
                    _ => return Token::Invalid,
                },
                State::Comment => {
                    let (word, tok, next_state): (&[u8], Token, State) = match c {
                        b'H' => (b"HELP", Token::Help, State::Meta1),
                        b'T' => (b"TYPE", Token::Type, State::Meta1),
                        b'U' => (b"UNIT", Token::Unit, State::Meta1),
                        b'E' => {
                            for &w in b"EOF" {
                                if self.at(self.i) != w || self.i >= self.n {
                                    return Token::Invalid;
                                }
                                self.next();
                            }
                            if self.at(self.i) == b'\n' && self.i < self.n {
                                self.next();
                            }
                            self.state = State::Init;
                            return Token::EofWord;
                        }
                        _ => return Token::Invalid,
                    };
                    if self.match_keyword(word, true) {
                        self.state = next_state;
                        return tok;
                    }
                    return Token::Invalid;
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
                    _ => return Token::Invalid,
                },
                State::Meta2 => {
                    // `{S}{C}*\n`
                    if c != b' ' {
                        return Token::Invalid;
                    }
                    let mut c2 = self.next();
                    while self.i < self.n && c2 != b'\n' {
                        c2 = self.next();
                    }
                    if self.i >= self.n {
                        return Token::Invalid;
                    }
                    self.i += 1;
                    self.state = State::Init;
                    return Token::Text;
                }
                State::Labels | State::Exemplar => {
                    let in_labels = self.state == State::Labels;
                    match c {
                        c if is_label_name_start(c) => {
                            self.consume_run(is_label_name_char);
                            return Token::LName;
                        }
                        b'"' => {
                            // Label-set names may span lines; exemplar ones may not.
                            return if self.scan_quoted(in_labels) {
                                Token::QString
                            } else {
                                Token::Invalid
                            };
                        }
                        b'}' => {
                            self.i += 1;
                            self.state = if in_labels {
                                State::Value
                            } else {
                                State::EValue
                            };
                            return Token::BraceClose;
                        }
                        b'=' => {
                            self.i += 1;
                            self.state = if in_labels {
                                State::LValue
                            } else {
                                State::EValue
                            };
                            return Token::Equal;
                        }
                        b',' => {
                            self.i += 1;
                            return Token::Comma;
                        }
                        _ => return Token::Invalid,
                    }
                }
                State::LValue | State::EValue if c == b'"' => {
                    let back = if self.state == State::LValue {
                        State::Labels
                    } else {
                        State::Exemplar
                    };
                    if self.scan_quoted(false) {
                        self.state = back;
                        return Token::LValue;
                    }
                    return Token::Invalid;
                }
                State::LValue => return Token::Invalid,
                State::Value | State::EValue => {
                    if c == b'{' && self.state == State::Value {
                        self.i += 1;
                        self.state = State::Labels;
                        return Token::BraceOpen;
                    }
                    if c != b' ' {
                        return Token::Invalid;
                    }
                    let c2 = self.next();
                    if !is_om_value_char(c2) || self.i >= self.n {
                        return Token::Invalid;
                    }
                    self.consume_run(is_om_value_char);
                    self.state = if self.state == State::Value {
                        State::Timestamp
                    } else {
                        State::ETimestamp
                    };
                    return Token::Value;
                }
                State::Timestamp | State::ETimestamp => {
                    if c == b'\n' {
                        self.i += 1;
                        self.state = State::Init;
                        return Token::Linebreak;
                    }
                    if c != b' ' {
                        return Token::Invalid;
                    }
                    let c2 = self.next();
                    if !is_om_value_char(c2) || self.i >= self.n {
                        return Token::Invalid;
                    }
                    if c2 == b'#' && self.state == State::Timestamp {
                        // ` #` is a timestamp unless it continues as ` # {` (an exemplar).
                        let c3 = self.next();
                        if c3 == b' ' && self.i < self.n {
                            if self.next() == b'{' && self.i < self.n {
                                self.i += 1;
                                self.state = State::Exemplar;
                                return Token::Comment;
                            }
                            return Token::Invalid;
                        }
                        if !is_om_value_char(c3) || self.i >= self.n {
                            return Token::Timestamp;
                        }
                    }
                    self.consume_run(is_om_value_char);
                    return Token::Timestamp;
                }
            }
        }
    }
}
