//! Lexer tests: tokens, context-sensitive words, error texts and positions.

use super::*;

fn kinds(input: &str) -> Result<Vec<(TokenKind, &str)>, LexError> {
    let mut lexer = Lexer::new(input);
    let mut out = Vec::new();
    loop {
        let token = lexer.next_token()?;
        if token.kind == TokenKind::Eof {
            return Ok(out);
        }
        out.push((token.kind, &input[token.start..token.end]));
    }
}

#[test]
fn numbers_and_durations() {
    use TokenKind::*;
    assert_eq!(
        kinds("1 0x1f 1e3 .5 5. 1_000 5m 1h30m 500ms").unwrap(),
        vec![
            (Number, "1"),
            (Number, "0x1f"),
            (Number, "1e3"),
            (Number, ".5"),
            (Number, "5."),
            (Number, "1_000"),
            (Duration, "5m"),
            (Duration, "1h30m"),
            (Duration, "500ms")
        ]
    );
    assert_eq!(
        kinds("Inf NaN").unwrap(),
        vec![(Number, "Inf"), (Number, "NaN")]
    );
    let err = kinds("5mx").unwrap_err();
    assert_eq!(err.message, "bad number or duration syntax: \"5mx\"");
}

#[test]
fn context_sensitive_words() {
    use TokenKind::*;
    assert_eq!(
        kinds("sum{by=\"x\"}").unwrap(),
        vec![
            (Aggregator(crate::AggregateOp::Sum), "sum"),
            (LeftBrace, "{"),
            (Identifier, "by"),
            (Assign, "="),
            (String, "\"x\""),
            (RightBrace, "}")
        ]
    );
    assert_eq!(kinds("fill + fill").unwrap()[0], (Identifier, "fill"));
    assert_eq!(kinds("fill (1)").unwrap()[0], (Fill, "fill"));
    assert_eq!(kinds("a:b").unwrap(), vec![(MetricIdentifier, "a:b")]);
    assert_eq!(
        kinds("x[step()]").unwrap()[2..4],
        [(Step, "step"), (LeftParen, "(")]
    );
}

#[test]
fn errors_carry_prometheus_text_and_position() {
    let err = kinds("foo)").unwrap_err();
    assert_eq!(
        (err.pos, err.message.as_str()),
        (4, "unexpected right parenthesis ')'")
    );
    let err = kinds("sum(foo").unwrap_err();
    assert_eq!(
        (err.pos, err.message.as_str()),
        (7, "unclosed left parenthesis")
    );
    let err = kinds("\"a\\q\"").unwrap_err();
    assert_eq!(err.message, "unknown escape sequence U+0071 'q'");
    let err = kinds("{a=\"b\"").unwrap_err();
    assert_eq!(err.message, "unexpected end of input inside braces");
    let err = kinds("a ! b").unwrap_err();
    assert_eq!(err.message, "unexpected character after '!': ' '");
}
