//! A generator of random well-typed ASTs in the canonical shape the parser produces
//! (parentheses where precedence needs them, no literal under a unary minus, ...).

use promlite_model::{MatchOp, Matcher};
use promlite_promql_parser::{
    function_by_name, AggregateExpr, AggregateOp, AtModifier, BinaryExpr, BinaryOp, Call,
    DurationExpr, DurationOp, Expr, MatrixSelector, NumberLiteral, ParenExpr, Span, StringLiteral,
    SubqueryExpr, UnaryExpr, ValueType, VectorMatchCardinality, VectorMatchFillValues,
    VectorMatching, VectorSelector, FUNCTIONS,
};

/// A small deterministic generator (splitmix64), seeded by proptest.
pub struct Gen {
    pub state: u64,
}

const NUMBERS: &[f64] = &[
    0.0,
    1.0,
    2.5,
    1e20,
    1e-7,
    -3.0,
    123456789.0,
    0.1,
    -0.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
];
const METRIC_NAMES: &[&str] = &[
    "foo",
    "http_requests_total",
    "a:b",
    "sum",
    "by",
    "offset",
    "and",
    "start",
    "step",
    "my.metric",
    "on",
    "bool",
    "inf",
    "NaN",
    "fill",
    "ü",
    "anchored",
];
const LABEL_NAMES: &[&str] = &[
    "a",
    "job",
    "le",
    "_x",
    "by",
    "on",
    "offset",
    "sum",
    "a.b",
    "0x",
    "ü",
    "with space",
    "without",
    "bool",
    "nan",
];
const REGEXES: &[&str] = &["a.*", "b|c", ".+", "x", "(a|b)c", ".*", ""];
const STRING_CHARS: &[char] = &[
    'a', 'b', ' ', '"', '\'', '`', '\\', '\n', '\t', '\u{1}', 'é', '😀', '\u{FFFD}', '\u{200b}',
    '{', '}', '#',
];

impl Gen {
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn string(&mut self) -> String {
        (0..self.below(5))
            .map(|_| self.pick(STRING_CHARS))
            .collect()
    }

    fn millis(&mut self, max: i64) -> i64 {
        1 + (self.next() % max as u64) as i64
    }

    pub fn expr(&mut self, want: ValueType, depth: u32) -> Expr {
        let leaf = depth == 0 || self.chance(30);
        let expr = match want {
            ValueType::Scalar if leaf => self.number(),
            ValueType::String => self.string_literal(),
            ValueType::Vector if leaf => Expr::VectorSelector(self.selector()),
            ValueType::Matrix => self.matrix(depth),
            ValueType::Scalar | ValueType::Vector => match self.below(5) {
                0 => self.call(want, depth),
                1 if want == ValueType::Vector => self.aggregate(depth),
                2 => self.unary(want, depth),
                _ => self.binary(want, depth),
            },
        };
        if self.chance(10) {
            paren(expr)
        } else {
            expr
        }
    }

    fn number(&mut self) -> Expr {
        let val = if self.chance(10) {
            f64::NAN
        } else if self.chance(20) {
            self.next() as u32 as f64 / 8.0
        } else {
            self.pick(NUMBERS)
        };
        Expr::Number(NumberLiteral {
            val,
            span: Span::default(),
        })
    }

    fn string_literal(&mut self) -> Expr {
        let invalid_utf8 = self.chance(10).then(|| vec![b'a', 0xc5, b'z']);
        let val = match &invalid_utf8 {
            Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            None => self.string(),
        };
        Expr::String(StringLiteral {
            val,
            span: Span::default(),
            invalid_utf8,
        })
    }

    fn label_matcher(&mut self) -> Matcher {
        let name = self.pick(LABEL_NAMES);
        let op = self.pick(&[
            MatchOp::Equal,
            MatchOp::NotEqual,
            MatchOp::RegexMatch,
            MatchOp::RegexNoMatch,
        ]);
        let value = if op.is_regex() {
            self.pick(REGEXES).to_string()
        } else {
            self.string()
        };
        Matcher::new(op, name, value).expect("generated regexes compile")
    }

    fn selector(&mut self) -> VectorSelector {
        let name = self.chance(70).then(|| self.pick(METRIC_NAMES).to_string());
        let mut matchers: Vec<Matcher> = Vec::new();
        if let Some(n) = &name {
            matchers.push(Matcher::equal("__name__", n.clone()));
        }
        for _ in 0..self.below(3) {
            matchers.push(self.label_matcher());
        }
        if name.is_none() && matchers.iter().all(|m| m.matches("")) {
            matchers.push(Matcher::equal("job", "x"));
        }
        let mut vs = VectorSelector {
            name,
            matchers,
            offset: 0,
            at: None,
            span: Span::default(),
            offset_expr: None,
            anchored: false,
            smoothed: false,
        };
        if self.chance(25) {
            vs.offset = self.millis(100_000_000_000) * if self.chance(30) { -1 } else { 1 };
        } else if self.chance(10) {
            vs.offset_expr = Some(self.offset_expr());
        }
        if self.chance(20) {
            vs.at = Some(match self.below(3) {
                0 => AtModifier::Start,
                1 => AtModifier::End,
                _ => AtModifier::Timestamp(self.millis(2_000_000_000_000) - 1_000_000_000_000),
            });
        }
        if self.chance(10) {
            if self.chance(50) {
                vs.anchored = true;
            } else {
                vs.smoothed = true;
            }
        }
        vs
    }

    fn matrix(&mut self, depth: u32) -> Expr {
        let range_expr = self.chance(15).then(|| self.duration_expr(2));
        let range = if range_expr.is_some() {
            0
        } else {
            self.millis(1_000_000_000)
        };
        if depth == 0 || self.chance(60) {
            let vs = self.selector();
            return Expr::MatrixSelector(MatrixSelector {
                vs,
                range,
                span: Span::default(),
                range_expr,
            });
        }
        // Prometheus's lexer rejects a `:` in brackets before any number was lexed, so a
        // subquery range expression needs a literal (`foo[step():1m]` does not parse).
        let range_expr = range_expr.map(|d| {
            if contains_number(&d) {
                d
            } else {
                DurationExpr::Binary {
                    op: DurationOp::Add,
                    lhs: Box::new(DurationExpr::Number {
                        seconds: 60.0,
                        duration: true,
                        span: Span::default(),
                    }),
                    rhs: Box::new(wrap_duration_operand(d, DurationOp::Add, false)),
                    span: Span::default(),
                }
            }
        });
        let inner = postfix_safe(self.expr(ValueType::Vector, depth - 1));
        let (step, step_expr) = match self.below(3) {
            0 => (None, None),
            1 => (Some(self.millis(10_000_000)), None),
            _ => (None, Some(self.duration_expr(1))),
        };
        let mut sq = SubqueryExpr {
            expr: Box::new(inner),
            range,
            step,
            offset: 0,
            at: None,
            span: Span::default(),
            range_expr,
            step_expr,
            offset_expr: None,
        };
        if self.chance(30) {
            sq.offset = -self.millis(1_000_000);
        } else if self.chance(10) {
            sq.offset_expr = Some(self.offset_expr());
        }
        if self.chance(20) {
            sq.at = Some(AtModifier::End);
        }
        Expr::Subquery(sq)
    }

    fn call(&mut self, want: ValueType, depth: u32) -> Expr {
        let candidates: Vec<_> = FUNCTIONS
            .iter()
            .filter(|f| f.return_type == want && f.name != "info")
            .collect();
        let func = candidates[self.below(candidates.len())];
        let count = match func.max_args() {
            Some(max) => func.min_args() + self.below(max - func.min_args() + 1),
            None => func.min_args() + self.below(3),
        };
        let args = (0..count)
            .map(|i| {
                let t = func.arg_type(i).unwrap_or(ValueType::Scalar);
                self.expr(t, depth - 1)
            })
            .collect();
        let func = function_by_name(func.name).expect("from the table");
        Expr::Call(Call {
            func,
            args,
            span: Span::default(),
        })
    }

    fn aggregate(&mut self, depth: u32) -> Expr {
        use AggregateOp::*;
        let op = self.pick(&[
            Sum,
            Avg,
            Count,
            Min,
            Max,
            Group,
            Stddev,
            Stdvar,
            TopK,
            BottomK,
            CountValues,
            Quantile,
            LimitK,
            LimitRatio,
        ]);
        let param = match op {
            CountValues => Some(Box::new(self.expr(ValueType::String, depth - 1))),
            op if op.takes_param() => Some(Box::new(self.expr(ValueType::Scalar, depth - 1))),
            _ => None,
        };
        let grouping = (0..self.below(3))
            .map(|_| self.pick(LABEL_NAMES).to_string())
            .collect();
        Expr::Aggregate(AggregateExpr {
            op,
            expr: Box::new(self.expr(ValueType::Vector, depth - 1)),
            param,
            grouping,
            without: self.chance(30),
            span: Span::default(),
        })
    }

    fn unary(&mut self, want: ValueType, depth: u32) -> Expr {
        let operand = self.expr(want, depth - 1);
        let operand = match operand {
            Expr::Binary(b) if b.op != BinaryOp::Pow => paren(Expr::Binary(b)),
            Expr::Number(n) => paren(Expr::Number(n)),
            other => other,
        };
        Expr::Unary(UnaryExpr {
            expr: Box::new(operand),
            span: Span::default(),
        })
    }

    fn binary(&mut self, want: ValueType, depth: u32) -> Expr {
        use BinaryOp::*;
        let op = self.pick(&[
            Add, Sub, Mul, Div, Mod, Pow, Atan2, Eql, Neq, Gtr, Lss, Gte, Lte, And, Or, Unless,
            TrimUpper, TrimLower,
        ]);
        let (lt, rt) = if want == ValueType::Scalar {
            if op.is_set_operator() {
                return self.number();
            }
            (ValueType::Scalar, ValueType::Scalar)
        } else if op.is_set_operator() {
            (ValueType::Vector, ValueType::Vector)
        } else {
            self.pick(&[
                (ValueType::Vector, ValueType::Vector),
                (ValueType::Vector, ValueType::Scalar),
                (ValueType::Scalar, ValueType::Vector),
            ])
        };
        let lhs = wrap_operand(self.expr(lt, depth - 1), op, true);
        let rhs = wrap_operand(self.expr(rt, depth - 1), op, false);
        let both_scalar = lt == ValueType::Scalar && rt == ValueType::Scalar;
        let return_bool = op.is_comparison() && (both_scalar || self.chance(30));
        let matching =
            (lt == ValueType::Vector && rt == ValueType::Vector).then(|| self.matching(op));
        Expr::Binary(BinaryExpr {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
            matching,
            return_bool,
            span: Span::default(),
        })
    }

    fn matching(&mut self, op: BinaryOp) -> VectorMatching {
        let labels: Vec<String> = (0..self.below(3))
            .map(|_| self.pick(LABEL_NAMES).to_string())
            .collect();
        let on = self.chance(50);
        if op.is_set_operator() {
            return VectorMatching {
                card: VectorMatchCardinality::ManyToMany,
                matching_labels: labels,
                on,
                include: Vec::new(),
                fill_values: VectorMatchFillValues::default(),
            };
        }
        let card = self.pick(&[
            VectorMatchCardinality::OneToOne,
            VectorMatchCardinality::ManyToOne,
            VectorMatchCardinality::OneToMany,
        ]);
        let include = if card == VectorMatchCardinality::OneToOne {
            Vec::new()
        } else {
            (0..self.below(3))
                .map(|_| self.pick(&["x", "y", "instance", "\"q\""]).to_string())
                .filter(|l| !(on && labels.contains(l)))
                .collect()
        };
        let mut fill_values = VectorMatchFillValues::default();
        if self.chance(20) {
            fill_values.lhs = self
                .chance(70)
                .then(|| self.pick(&[0.0, -23.0, 1.5e-5, 1e6, f64::NAN]));
            fill_values.rhs = self
                .chance(70)
                .then(|| self.pick(&[0.0, 42.0, f64::INFINITY]));
        }
        VectorMatching {
            card,
            matching_labels: labels,
            on,
            include,
            fill_values,
        }
    }

    /// An offset expression of a form that stays one term whatever follows it. (After a
    /// bare `a * b` Prometheus's grammar keeps reading duration operators, so such offsets
    /// only come out of the parser where no `+ - * / % ^` follows.)
    fn offset_expr(&mut self) -> DurationExpr {
        let span = Span::default();
        let term = match self.below(4) {
            0 => DurationExpr::Step { span },
            1 => DurationExpr::Range { span },
            2 => DurationExpr::MinOf {
                lhs: Box::new(self.duration(1)),
                rhs: Box::new(self.duration(1)),
                span,
            },
            _ => match self.duration(2) {
                DurationExpr::Number { .. } | DurationExpr::Paren { .. } => {
                    DurationExpr::Range { span }
                }
                other => duration_paren(other),
            },
        };
        if self.chance(30) {
            DurationExpr::Neg {
                expr: Box::new(term),
                span,
            }
        } else {
            term
        }
    }

    /// A duration expression that is not a bare literal (a literal would be a plain range).
    fn duration_expr(&mut self, depth: u32) -> DurationExpr {
        match self.duration(depth) {
            DurationExpr::Number { .. } => DurationExpr::Step {
                span: Span::default(),
            },
            other => other,
        }
    }

    fn duration(&mut self, depth: u32) -> DurationExpr {
        let span = Span::default();
        if depth == 0 || self.chance(30) {
            return match self.below(4) {
                0 => DurationExpr::Step { span },
                1 => DurationExpr::Range { span },
                _ => {
                    let (seconds, duration) = self.pick(&[
                        (1.0, false),
                        (2.5, false),
                        (300.0, true),
                        (0.5, true),
                        (-5.0, false),
                    ]);
                    DurationExpr::Number {
                        seconds,
                        duration,
                        span,
                    }
                }
            };
        }
        match self.below(4) {
            0 => {
                let lhs = Box::new(self.duration(depth - 1));
                let rhs = Box::new(self.duration(depth - 1));
                if self.chance(50) {
                    DurationExpr::MinOf { lhs, rhs, span }
                } else {
                    DurationExpr::MaxOf { lhs, rhs, span }
                }
            }
            1 => {
                let inner = match self.duration(depth - 1) {
                    DurationExpr::Number { .. } => DurationExpr::Step { span },
                    DurationExpr::Binary { op, lhs, rhs, .. } if op != DurationOp::Pow => {
                        duration_paren(DurationExpr::Binary { op, lhs, rhs, span })
                    }
                    other => other,
                };
                DurationExpr::Neg {
                    expr: Box::new(inner),
                    span,
                }
            }
            2 => match self.duration(depth - 1) {
                DurationExpr::Number { .. } | DurationExpr::Paren { .. } => {
                    DurationExpr::Range { span }
                }
                other => duration_paren(other),
            },
            _ => {
                use DurationOp::*;
                let op = self.pick(&[Add, Sub, Mul, Div, Mod, Pow]);
                let lhs = wrap_duration_operand(self.duration(depth - 1), op, true);
                let rhs = wrap_duration_operand(self.duration(depth - 1), op, false);
                DurationExpr::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                    span,
                }
            }
        }
    }
}

fn contains_number(d: &DurationExpr) -> bool {
    match d {
        DurationExpr::Number { .. } => true,
        DurationExpr::Step { .. } | DurationExpr::Range { .. } => false,
        DurationExpr::Neg { expr, .. } | DurationExpr::Paren { expr, .. } => contains_number(expr),
        DurationExpr::MinOf { lhs, rhs, .. }
        | DurationExpr::MaxOf { lhs, rhs, .. }
        | DurationExpr::Binary { lhs, rhs, .. } => contains_number(lhs) || contains_number(rhs),
    }
}

fn paren(expr: Expr) -> Expr {
    Expr::Paren(ParenExpr {
        expr: Box::new(expr),
        span: Span::default(),
    })
}

fn duration_paren(expr: DurationExpr) -> DurationExpr {
    DurationExpr::Paren {
        expr: Box::new(expr),
        span: Span::default(),
    }
}

/// Only primaries take postfix `[...]`.
fn postfix_safe(expr: Expr) -> Expr {
    match expr {
        Expr::Binary(_) | Expr::Unary(_) | Expr::Number(_) => paren(expr),
        other => other,
    }
}

/// Parenthesises an operand where precedence would otherwise regroup it.
fn wrap_operand(expr: Expr, op: BinaryOp, is_lhs: bool) -> Expr {
    let needs = match &expr {
        Expr::Binary(inner) => {
            let (p, q) = (inner.op.precedence(), op.precedence());
            p < q || (p == q && (op.is_right_associative() == is_lhs))
        }
        Expr::Unary(_) => is_lhs && op == BinaryOp::Pow,
        Expr::Number(n) => {
            is_lhs && op == BinaryOp::Pow && n.val.is_sign_negative() && !n.val.is_nan()
        }
        _ => false,
    };
    if needs {
        paren(expr)
    } else {
        expr
    }
}

fn duration_precedence(op: DurationOp) -> u8 {
    match op {
        DurationOp::Add | DurationOp::Sub => 4,
        DurationOp::Mul | DurationOp::Div | DurationOp::Mod => 5,
        DurationOp::Pow => 6,
    }
}

fn wrap_duration_operand(expr: DurationExpr, op: DurationOp, is_lhs: bool) -> DurationExpr {
    let needs = match &expr {
        DurationExpr::Binary { op: inner, .. } => {
            let (p, q) = (duration_precedence(*inner), duration_precedence(op));
            p < q || (p == q && ((op == DurationOp::Pow) == is_lhs))
        }
        DurationExpr::Neg { .. } => is_lhs && op == DurationOp::Pow,
        _ => false,
    };
    if needs {
        duration_paren(expr)
    } else {
        expr
    }
}
