//! A YAML document as a tree of nodes that remember their line and column.
//!
//! `serde_norway` reports positions only for errors, but promlite needs the line of every
//! rule (so the rules crate can say `file:line` for a PromQL error) and of every field it
//! rejects. So documents are read with `yaml-rust2`'s event parser into this small tree,
//! and the typed structs are decoded from it by hand (see [`fields`]).

pub(crate) mod fields;

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::ConfigError;

/// Deeper nesting than this is refused (no config needs it; it guards the stack).
const MAX_DEPTH: usize = 128;
/// Nodes a document may expand to through aliases (guards against "billion laughs").
const MAX_NODES: usize = 2_000_000;

/// One node of a YAML document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    /// 1-based line of the node's first character.
    pub line: usize,
    /// 1-based column of the node's first character.
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scalar {
    pub text: String,
    /// Plain (unquoted, not a block scalar): only plain scalars can be null, bools or numbers.
    pub plain: bool,
    /// An explicit tag such as `!!str`, if any.
    pub tag: Option<String>,
    /// A `|` or `>` block scalar. Its node's line is where its text starts (the line
    /// after the indicator), not the indicator's line.
    pub block: bool,
}

impl Node {
    /// True for an absent value: `~`, `null`, or nothing at all after `key:`.
    pub fn is_null(&self) -> bool {
        match &self.value {
            Value::Scalar(s) => {
                s.tag.as_deref().map_or(s.plain, |t| t == "!!null")
                    && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// The scalar text, if this is a scalar.
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    /// Go yaml's short tag for messages: `!!str`, `!!int`, `!!seq`, ...
    pub fn short_tag(&self) -> &'static str {
        match &self.value {
            Value::Seq(_) => "!!seq",
            Value::Map(_) => "!!map",
            Value::Scalar(s) => {
                if let Some(tag) = &s.tag {
                    return match tag.as_str() {
                        "!!int" => "!!int",
                        "!!bool" => "!!bool",
                        "!!float" => "!!float",
                        "!!null" => "!!null",
                        _ => "!!str",
                    };
                }
                if !s.plain {
                    "!!str"
                } else if self.is_null() {
                    "!!null"
                } else if fields::parse_yaml_bool(&s.text).is_some() {
                    "!!bool"
                } else if fields::parse_yaml_int(&s.text).is_some() {
                    "!!int"
                } else if fields::parse_yaml_float(&s.text).is_some() {
                    "!!float"
                } else {
                    "!!str"
                }
            }
        }
    }

    /// `!!str `text`` for scalars, `!!seq` / `!!map` otherwise: how Go yaml names a value
    /// it cannot decode.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Scalar(s) => format!("{} `{}`", self.short_tag(), s.text),
            _ => self.short_tag().to_string(),
        }
    }

    fn count_nodes(&self) -> usize {
        match &self.value {
            Value::Scalar(_) => 1,
            Value::Seq(items) => 1 + items.iter().map(Node::count_nodes).sum::<usize>(),
            Value::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.count_nodes() + v.count_nodes())
                    .sum::<usize>()
            }
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        anchor: usize,
        mark: Marker,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        anchor: usize,
        mark: Marker,
    },
}

fn syntax_error(message: impl Into<String>, mark: &Marker) -> ConfigError {
    ConfigError::Syntax {
        message: message.into(),
        line: mark.line().max(1),
    }
}

fn tag_name(tag: Option<Tag>) -> Option<String> {
    tag.map(|t| {
        if t.handle == "!!" || t.handle == "tag:yaml.org,2002:" {
            format!("!!{}", t.suffix)
        } else {
            format!("{}{}", t.handle, t.suffix)
        }
    })
}

/// Parses the first document of `text`. `Ok(None)` for an empty document (only comments
/// or whitespace), which Prometheus treats as an empty config.
///
/// `yaml-rust2` is stricter than libyaml (which Go's yaml and so Prometheus use) in a few
/// corners, e.g. a flow sequence whose `]` sits at column 0 on the next line. A text it
/// refuses is read again with `serde_norway` (libyaml): if libyaml accepts it, the tree is
/// built from that, without line numbers (they read 0), so Prometheus-valid files still
/// load; if libyaml refuses it too, its error (Prometheus's wording) is reported.
pub(crate) fn parse(text: &str) -> Result<Option<Node>, ConfigError> {
    match parse_with_positions(text) {
        Ok(node) => Ok(node),
        Err(strict_error) => match serde_norway::from_str::<serde_norway::Value>(text) {
            Ok(value) => Ok(Some(from_libyaml_value(value)).filter(|n| !n.is_null())),
            Err(e) => Err(libyaml_error(&e).unwrap_or(strict_error)),
        },
    }
}

fn libyaml_error(e: &serde_norway::Error) -> Option<ConfigError> {
    let location = e.location()?;
    let text = e.to_string();
    let message = text.split(" at line ").next().unwrap_or(&text).to_string();
    Some(ConfigError::Syntax {
        message,
        line: location.line(),
    })
}

/// Builds a position-less tree (lines 0) from libyaml's reading of a document.
fn from_libyaml_value(value: serde_norway::Value) -> Node {
    use serde_norway::Value as V;
    let scalar = |text: String, plain: bool| {
        Value::Scalar(Scalar {
            text,
            plain,
            tag: None,
            block: false,
        })
    };
    let value = match value {
        V::Null => scalar(String::new(), true),
        V::Bool(b) => scalar(b.to_string(), true),
        V::Number(n) => scalar(n.to_string(), true),
        V::String(s) => scalar(s, false),
        V::Sequence(items) => Value::Seq(items.into_iter().map(from_libyaml_value).collect()),
        V::Mapping(m) => Value::Map(
            m.into_iter()
                .map(|(k, v)| (from_libyaml_value(k), from_libyaml_value(v)))
                .collect(),
        ),
        V::Tagged(t) => return from_libyaml_value(t.value),
    };
    Node {
        value,
        line: 0,
        column: 0,
    }
}

fn parse_with_positions(text: &str) -> Result<Option<Node>, ConfigError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    let mut total_nodes = 0usize;
    let mut root: Option<Node> = None;

    loop {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| syntax_error(e.info(), e.marker()))?;
        let complete: Option<(Node, usize)> = match event {
            Event::StreamEnd => break,
            Event::DocumentEnd => {
                // Like Go's yaml.Unmarshal, only the first document counts.
                if stack.is_empty() {
                    break;
                }
                None
            }
            Event::Nothing | Event::StreamStart | Event::DocumentStart => None,
            Event::Alias(id) => {
                let (node, size) = anchors
                    .get(&id)
                    .ok_or_else(|| syntax_error("unknown anchor", &mark))?;
                // Count before cloning, so an alias bomb is refused before it allocates.
                total_nodes = total_nodes.saturating_add(*size);
                if total_nodes > MAX_NODES {
                    return Err(syntax_error(
                        "document too large after expanding aliases",
                        &mark,
                    ));
                }
                Some((node.clone(), 0))
            }
            Event::Scalar(text, style, anchor, tag) => Some((
                Node {
                    value: Value::Scalar(Scalar {
                        text,
                        plain: style == TScalarStyle::Plain,
                        tag: tag_name(tag),
                        block: matches!(style, TScalarStyle::Literal | TScalarStyle::Folded),
                    }),
                    line: mark.line(),
                    column: mark.col() + 1,
                },
                anchor,
            )),
            Event::SequenceStart(anchor, _tag) => {
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                    mark,
                });
                None
            }
            Event::MappingStart(anchor, _tag) => {
                stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    anchor,
                    mark,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    anchor,
                    mark,
                }) => Some((
                    Node {
                        value: Value::Seq(items),
                        line: mark.line(),
                        column: mark.col() + 1,
                    },
                    anchor,
                )),
                _ => return Err(syntax_error("unexpected end of sequence", &mark)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    entries,
                    anchor,
                    mark,
                    ..
                }) => {
                    // A block mapping's start mark sits at its first `:`; report the
                    // first key's position instead, as Go's yaml.v3 does.
                    let (line, column) = entries
                        .first()
                        .map_or((mark.line(), mark.col() + 1), |(k, _)| (k.line, k.column));
                    Some((
                        Node {
                            value: Value::Map(apply_merge_keys(entries)),
                            line,
                            column,
                        },
                        anchor,
                    ))
                }
                _ => return Err(syntax_error("unexpected end of mapping", &mark)),
            },
        };
        if stack.len() > MAX_DEPTH {
            return Err(syntax_error("document nested too deeply", &mark));
        }
        total_nodes = total_nodes.saturating_add(1);
        if total_nodes > MAX_NODES {
            return Err(syntax_error(
                "document too large after expanding aliases",
                &mark,
            ));
        }
        let Some((node, anchor)) = complete else {
            continue;
        };
        if anchor != 0 {
            let size = node.count_nodes();
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
    Ok(root.filter(|n| !n.is_null()))
}

/// Resolves YAML merge keys (`<<: *defaults`): entries written in the mapping win over
/// merged ones, and earlier merge sources win over later ones.
fn apply_merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge = |k: &Node| matches!(&k.value, Value::Scalar(s) if s.plain && s.text == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let mut own: Vec<(Node, Node)> = Vec::new();
    let mut sources: Vec<Node> = Vec::new();
    for (k, v) in entries {
        if is_merge(&k) {
            match v.value {
                Value::Seq(items) => sources.extend(items),
                _ => sources.push(v),
            }
        } else {
            own.push((k, v));
        }
    }
    for source in sources {
        if let Value::Map(merged) = source.value {
            for (k, v) in merged {
                let exists = own.iter().any(|(o, _)| o.scalar_text() == k.scalar_text());
                if !exists {
                    own.push((k, v));
                }
            }
        }
    }
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_keys(n: &Node) -> Vec<(String, usize, usize)> {
        match &n.value {
            Value::Map(e) => e
                .iter()
                .map(|(k, _)| (k.scalar_text().unwrap_or("").to_string(), k.line, k.column))
                .collect(),
            _ => vec![],
        }
    }

    #[test]
    fn positions_are_one_based() {
        let doc = parse("a: 1\nb:\n  c: [x, y]\n").unwrap().unwrap();
        assert_eq!(
            map_keys(&doc),
            vec![("a".to_string(), 1, 1), ("b".to_string(), 2, 1)]
        );
        let Value::Map(entries) = &doc.value else {
            panic!("not a map")
        };
        let inner = &entries[1].1;
        assert_eq!(map_keys(inner), vec![("c".to_string(), 3, 3)]);
    }

    #[test]
    fn block_scalars_are_marked() {
        let doc = parse("a: |\n  x\n  y\n  w\nb: z\n").unwrap().unwrap();
        let Value::Map(entries) = &doc.value else {
            panic!("not a map")
        };
        let Value::Scalar(a) = &entries[0].1.value else {
            panic!("not a scalar")
        };
        assert!(a.block);
        assert_eq!(a.text, "x\ny\nw\n");
        // yaml-rust2 places a block scalar where its text starts, the line after `|`.
        assert_eq!(entries[0].1.line, 2);
    }

    #[test]
    fn empty_and_comment_only_documents_are_none() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# just a comment\n\n").unwrap(), None);
        assert_eq!(parse("---\n").unwrap(), None);
    }

    #[test]
    fn aliases_and_merge_keys_expand() {
        let doc = parse("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n")
            .unwrap()
            .unwrap();
        let Value::Map(entries) = &doc.value else {
            panic!("not a map")
        };
        let other = &entries[1].1;
        let Value::Map(o) = &other.value else {
            panic!("not a map")
        };
        let pairs: Vec<(&str, &str)> = o
            .iter()
            .map(|(k, v)| (k.scalar_text().unwrap(), v.scalar_text().unwrap()))
            .collect();
        assert_eq!(pairs, vec![("y", "3"), ("x", "1")]);
    }

    #[test]
    fn syntax_errors_have_lines() {
        let e = parse("a: b\n c: d\n  - e\n").unwrap_err();
        assert!(e.line().is_some(), "{e}");
        assert!(e.to_string().starts_with("yaml: "), "{e}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        assert!(parse(&text).is_err());
    }

    #[test]
    fn flow_sequences_closed_at_column_zero_still_load() {
        // libyaml (and so Prometheus) accepts this; yaml-rust2 alone does not.
        let doc = parse("a:\n  - targets: ['x:1'\n\n]\n").unwrap().unwrap();
        let Value::Map(entries) = &doc.value else {
            panic!("not a map")
        };
        assert_eq!(entries[0].0.scalar_text(), Some("a"));
        assert_eq!(doc.line, 0, "positions are unknown on this path");
    }

    #[test]
    fn syntax_errors_use_libyaml_wording() {
        let e = parse("a: b\n  c: d\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "yaml: mapping values are not allowed in this context (line 2)"
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        assert!(parse(&text).is_err());
    }
}
