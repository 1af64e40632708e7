//! Typed reading of YAML nodes: a mapping's fields (with unknown-field errors that name the
//! field and its line) and scalars as strings, bools, integers, durations and byte sizes.
//!
//! Scalar rules follow Go's `yaml.v2`, which Prometheus uses for `prometheus.yml`: YAML 1.1
//! booleans (`yes`, `on`, ...), any scalar may be read as a string, `null` means "not set".

use std::time::Duration;

use super::{Node, Value};
use crate::values::{parse_base2_bytes, parse_duration};
use crate::ConfigError;

pub(crate) type Result<T> = std::result::Result<T, ConfigError>;

/// The fields of one YAML mapping decoded into the Go type `type_name` (used in messages,
/// e.g. `config.ScrapeConfig`). Every `get` marks a field as understood; [`Fields::finish`]
/// rejects whatever is left.
pub(crate) struct Fields<'a> {
    type_name: &'static str,
    entries: Vec<(&'a str, &'a Node, &'a Node)>,
    used: Vec<bool>,
    /// Line of the mapping itself (its first key).
    pub line: usize,
}

impl<'a> Fields<'a> {
    /// Reads `node` as a mapping. A null node is an empty mapping.
    pub fn of(node: &'a Node, type_name: &'static str) -> Result<Fields<'a>> {
        let mut entries = Vec::new();
        match &node.value {
            Value::Map(pairs) => {
                for (k, v) in pairs {
                    let Some(key) = k.scalar_text() else {
                        return Err(ConfigError::invalid(
                            format!(
                                "cannot unmarshal {} into a field name of {type_name}",
                                k.describe()
                            ),
                            Some(k.line),
                        ));
                    };
                    if entries.iter().any(|(seen, _, _)| *seen == key) {
                        return Err(ConfigError::invalid(
                            format!("key {} already set in map", promlite_model::go_quote(key)),
                            Some(k.line),
                        ));
                    }
                    entries.push((key, k, v));
                }
            }
            _ if node.is_null() => {}
            _ => {
                return Err(ConfigError::invalid(
                    format!("cannot unmarshal {} into {type_name}", node.describe()),
                    Some(node.line),
                ))
            }
        }
        let used = vec![false; entries.len()];
        Ok(Fields {
            type_name,
            entries,
            used,
            line: node.line,
        })
    }

    /// The value of `key`, or `None` when it is absent or null.
    pub fn get(&mut self, key: &str) -> Option<&'a Node> {
        let i = self.entries.iter().position(|(k, _, _)| *k == key)?;
        if let Some(u) = self.used.get_mut(i) {
            *u = true;
        }
        self.entries
            .get(i)
            .map(|(_, _, v)| *v)
            .filter(|v| !v.is_null())
    }

    /// Like `get`, but also returns the key node (for the key's line).
    pub fn get_with_key(&mut self, key: &str) -> Option<(&'a Node, &'a Node)> {
        let i = self.entries.iter().position(|(k, _, _)| *k == key)?;
        if let Some(u) = self.used.get_mut(i) {
            *u = true;
        }
        self.entries
            .get(i)
            .map(|(_, k, v)| (*k, *v))
            .filter(|(_, v)| !v.is_null())
    }

    /// Whether `key` is present at all (even with a null value), without consuming it.
    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _, _)| *k == key)
    }

    /// Line of the key `key`, when present.
    pub fn key_line(&self, key: &str) -> Option<usize> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, k, _)| k.line)
    }

    pub fn string(&mut self, key: &str) -> Result<Option<String>> {
        self.get(key).map(as_string).transpose()
    }

    pub fn bool(&mut self, key: &str) -> Result<Option<bool>> {
        self.get(key).map(as_bool).transpose()
    }

    pub fn uint(&mut self, key: &str) -> Result<Option<u64>> {
        self.get(key).map(as_uint).transpose()
    }

    pub fn int(&mut self, key: &str) -> Result<Option<i64>> {
        self.get(key).map(as_int).transpose()
    }

    pub fn float(&mut self, key: &str) -> Result<Option<f64>> {
        self.get(key).map(as_float).transpose()
    }

    pub fn duration(&mut self, key: &str) -> Result<Option<Duration>> {
        self.get(key).map(as_duration).transpose()
    }

    pub fn bytes(&mut self, key: &str) -> Result<Option<u64>> {
        self.get(key).map(as_base2_bytes).transpose()
    }

    /// A mapping of strings to strings, in document order, with each key's line.
    pub fn string_map(&mut self, key: &str) -> Result<Vec<(String, String, usize)>> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(n) => as_string_map(n, "map[string]string"),
        }
    }

    /// Rejects the first field nobody asked for: promlite-unsupported fields get their own
    /// message (see `UNSUPPORTED_FIELDS`), the rest Prometheus's "not found" wording.
    pub fn finish(self) -> Result<()> {
        for (i, (key, key_node, _)) in self.entries.iter().enumerate() {
            if self.used.get(i).copied().unwrap_or(true) {
                continue;
            }
            if let Some(unsupported) = crate::unsupported::lookup(self.type_name, key) {
                return Err(ConfigError::Unsupported {
                    field: (*key).to_string(),
                    line: Some(key_node.line),
                    hint: unsupported.hint.map(str::to_string),
                });
            }
            return Err(ConfigError::invalid(
                format!("field {key} not found in type {}", self.type_name),
                Some(key_node.line),
            ));
        }
        Ok(())
    }
}

fn cannot(node: &Node, into: &str) -> ConfigError {
    ConfigError::invalid(
        format!("cannot unmarshal {} into {into}", node.describe()),
        Some(node.line),
    )
}

/// A value error at `node`'s line.
pub(crate) fn value_error(node: &Node, message: impl Into<String>) -> ConfigError {
    ConfigError::invalid(message, Some(node.line))
}

pub(crate) fn as_string(node: &Node) -> Result<String> {
    if node.is_null() {
        return Ok(String::new());
    }
    match &node.value {
        Value::Scalar(s) => Ok(s.text.clone()),
        _ => Err(cannot(node, "string")),
    }
}

pub(crate) fn as_bool(node: &Node) -> Result<bool> {
    node.scalar_text()
        .and_then(parse_yaml_bool)
        .ok_or_else(|| cannot(node, "bool"))
}

pub(crate) fn as_uint(node: &Node) -> Result<u64> {
    node.scalar_text()
        .and_then(parse_yaml_int)
        .and_then(|v| u64::try_from(v).ok())
        .ok_or_else(|| cannot(node, "uint"))
}

pub(crate) fn as_int(node: &Node) -> Result<i64> {
    node.scalar_text()
        .and_then(parse_yaml_int)
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(|| cannot(node, "int"))
}

pub(crate) fn as_float(node: &Node) -> Result<f64> {
    node.scalar_text()
        .and_then(|t| {
            parse_yaml_int(t)
                .map(|i| i as f64)
                .or_else(|| parse_yaml_float(t))
        })
        .ok_or_else(|| cannot(node, "float64"))
}

pub(crate) fn as_duration(node: &Node) -> Result<Duration> {
    let text = node
        .scalar_text()
        .ok_or_else(|| cannot(node, "model.Duration"))?;
    parse_duration(text).map_err(|m| value_error(node, m))
}

pub(crate) fn as_base2_bytes(node: &Node) -> Result<u64> {
    let text = node
        .scalar_text()
        .ok_or_else(|| cannot(node, "units.Base2Bytes"))?;
    parse_base2_bytes(text).map_err(|m| value_error(node, m))
}

/// A sequence's items; null is empty.
pub(crate) fn as_seq<'a>(node: &'a Node, into: &str) -> Result<&'a [Node]> {
    match &node.value {
        Value::Seq(items) => Ok(items),
        _ if node.is_null() => Ok(&[]),
        _ => Err(cannot(node, into)),
    }
}

pub(crate) fn as_string_list(node: &Node) -> Result<Vec<String>> {
    as_seq(node, "[]string")?.iter().map(as_string).collect()
}

pub(crate) fn as_string_map(node: &Node, into: &str) -> Result<Vec<(String, String, usize)>> {
    let mut out: Vec<(String, String, usize)> = Vec::new();
    match &node.value {
        Value::Map(pairs) => {
            for (k, v) in pairs {
                let key = as_string(k)?;
                if out.iter().any(|(seen, _, _)| *seen == key) {
                    return Err(ConfigError::invalid(
                        format!("key {} already set in map", promlite_model::go_quote(&key)),
                        Some(k.line),
                    ));
                }
                out.push((key, as_string(v)?, k.line));
            }
            Ok(out)
        }
        _ if node.is_null() => Ok(out),
        _ => Err(cannot(node, into)),
    }
}

/// YAML 1.1 booleans, as Go's yaml.v2 reads them into a bool.
pub(crate) fn parse_yaml_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// YAML integers: decimal with optional sign and `_` separators, `0x`, `0o`/`0`, `0b`.
pub(crate) fn parse_yaml_int(text: &str) -> Option<i128> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest.is_empty() {
        return None;
    }
    let cleaned: String = rest.chars().filter(|c| *c != '_').collect();
    let (digits, radix) = if let Some(h) = cleaned.strip_prefix("0x") {
        (h, 16)
    } else if let Some(o) = cleaned.strip_prefix("0o") {
        (o, 8)
    } else if let Some(b) = cleaned.strip_prefix("0b") {
        (b, 2)
    } else if cleaned.len() > 1 && cleaned.starts_with('0') {
        (&cleaned[1..], 8)
    } else {
        (cleaned.as_str(), 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i128::from_str_radix(digits, radix).ok()?;
    Some(if negative { -v } else { v })
}

/// YAML floats, including `.inf`, `-.inf` and `.nan`.
pub(crate) fn parse_yaml_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let looks_numeric = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E' | '_'))
        && text.chars().any(|c| c.is_ascii_digit());
    if !looks_numeric {
        return None;
    }
    text.replace('_', "").parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[test]
    fn unknown_fields_name_type_and_line() {
        let doc = parse("a: 1\nfoo: 2\n").unwrap().unwrap();
        let mut f = Fields::of(&doc, "config.GlobalConfig").unwrap();
        assert_eq!(f.uint("a").unwrap(), Some(1));
        let e = f.finish().unwrap_err();
        assert_eq!(
            e.to_string(),
            "field foo not found in type config.GlobalConfig (line 2)"
        );
    }

    #[test]
    fn scalars_follow_yaml_v2() {
        let doc = parse("b: yes\nn: 0x10\nd: 1m30s\ns: [a, b]\nnull_value:\n")
            .unwrap()
            .unwrap();
        let mut f = Fields::of(&doc, "t").unwrap();
        assert_eq!(f.bool("b").unwrap(), Some(true));
        assert_eq!(f.uint("n").unwrap(), Some(16));
        assert_eq!(f.duration("d").unwrap(), Some(Duration::from_secs(90)));
        let e = f.string("s").unwrap_err();
        assert_eq!(e.to_string(), "cannot unmarshal !!seq into string (line 4)");
        assert_eq!(f.string("null_value").unwrap(), None);
        f.finish().unwrap();
    }

    #[test]
    fn wrong_scalar_types_are_described_like_go() {
        let doc = parse("b: maybe\nn: -3\n").unwrap().unwrap();
        let mut f = Fields::of(&doc, "t").unwrap();
        assert_eq!(
            f.bool("b").unwrap_err().to_string(),
            "cannot unmarshal !!str `maybe` into bool (line 1)"
        );
        assert_eq!(
            f.uint("n").unwrap_err().to_string(),
            "cannot unmarshal !!int `-3` into uint (line 2)"
        );
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let doc = parse("a: 1\na: 2\n").unwrap().unwrap();
        let e = Fields::of(&doc, "t").err().unwrap();
        assert_eq!(e.to_string(), "key \"a\" already set in map (line 2)");
    }
}
