//! `JsonWriter`: a small hand-rolled JSON writer into a `Vec<u8>` that escapes strings
//! and lays out numbers exactly as Prometheus (Go's `encoding/json`/jsoniter) does, and
//! `to_go_json`, which runs serde serialization through the same escaping.

use std::io;

use promlite_model::Labels;
use serde::Serialize;

use super::float::{format_json_number, push_sample_value};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether Go's JSON encoder escapes this byte (inside a string): controls, `"`, `\`,
/// and the HTML-sensitive `<`, `>`, `&`.
#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\' || b == b'<' || b == b'>' || b == b'&'
}

/// Appends the contents of a JSON string (no quotes) escaped like Go: `\"`, `\\`, `\n`,
/// `\r`, `\t`, other controls and `<`, `>`, `&` as `\u00XX`, and U+2028/U+2029 as
/// `\u2028`/`\u2029` (they break JavaScript string literals).
pub fn escape_string_contents(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if needs_escape(b) {
            out.extend_from_slice(&bytes[start..i]);
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => {
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[(b >> 4) as usize]);
                    out.push(HEX[(b & 0xf) as usize]);
                }
            }
            i += 1;
            start = i;
        } else if b == 0xE2
            && bytes.get(i + 1) == Some(&0x80)
            && matches!(bytes.get(i + 2), Some(0xA8) | Some(0xA9))
        {
            // U+2028 LINE SEPARATOR is E2 80 A8, U+2029 PARAGRAPH SEPARATOR E2 80 A9.
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(if bytes[i + 2] == 0xA8 {
                b"\\u2028"
            } else {
                b"\\u2029"
            });
            i += 3;
            start = i;
        } else {
            i += 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

/// A JSON output buffer with Prometheus's layouts for the values the API writes most.
#[derive(Debug, Default)]
pub struct JsonWriter {
    pub buf: Vec<u8>,
    scratch: String,
}

impl JsonWriter {
    pub fn new() -> JsonWriter {
        JsonWriter::with_capacity(256)
    }

    pub fn with_capacity(cap: usize) -> JsonWriter {
        JsonWriter {
            buf: Vec::with_capacity(cap),
            scratch: String::with_capacity(32),
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    #[inline]
    pub fn raw(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    #[inline]
    pub fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// A quoted, escaped JSON string.
    pub fn string(&mut self, s: &str) {
        self.buf.push(b'"');
        escape_string_contents(&mut self.buf, s);
        self.buf.push(b'"');
    }

    /// `"name":` for an object key.
    pub fn key(&mut self, name: &str) {
        self.string(name);
        self.buf.push(b':');
    }

    /// A timestamp in milliseconds as seconds with up to three decimals, like
    /// Prometheus's `jsonutil.MarshalTimestamp`: `1435781451.781`, `1435781451`, `-1.5`.
    pub fn timestamp(&mut self, t_ms: i64) {
        if t_ms < 0 {
            self.buf.push(b'-');
        }
        let t = t_ms.unsigned_abs();
        self.unsigned(t / 1000);
        let fraction = (t % 1000) as u32;
        if fraction != 0 {
            // Always three digits: MarshalTimestamp pads the fraction with leading
            // zeros ("050") and never trims trailing ones ("500").
            self.buf.extend_from_slice(&[
                b'.',
                b'0' + (fraction / 100) as u8,
                b'0' + (fraction / 10 % 10) as u8,
                b'0' + (fraction % 10) as u8,
            ]);
        }
    }

    /// An unsigned integer (u64 arithmetic: the hot path prints two per point).
    fn unsigned(&mut self, mut v: u64) {
        let mut tmp = [0u8; 20];
        let mut n = tmp.len();
        loop {
            n -= 1;
            tmp[n] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[n..]);
    }

    /// A signed integer.
    pub fn integer(&mut self, v: i64) {
        if v < 0 {
            self.buf.push(b'-');
        }
        self.unsigned(v.unsigned_abs());
    }

    /// A sample value as a quoted string (`"1.5"`, `"+Inf"`, `"1e-07"`).
    pub fn sample_value(&mut self, v: f64) {
        self.scratch.clear();
        push_sample_value(&mut self.scratch, v);
        self.buf.push(b'"');
        self.buf.extend_from_slice(self.scratch.as_bytes());
        self.buf.push(b'"');
    }

    /// A plain JSON number laid out like Go's `encoding/json`.
    pub fn number(&mut self, v: f64) {
        let s = format_json_number(v);
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// A label set as an object in label order: `{"__name__":"up","job":"api"}`.
    pub fn labels(&mut self, labels: &Labels) {
        self.buf.push(b'{');
        for (i, l) in labels.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.string(l.name);
            self.buf.push(b':');
            self.string(l.value);
        }
        self.buf.push(b'}');
    }

    /// An array of strings.
    pub fn string_array<S: AsRef<str>>(&mut self, items: &[S]) {
        self.buf.push(b'[');
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.string(s.as_ref());
        }
        self.buf.push(b']');
    }

    /// Appends `value` serialized by serde with Go's escaping and number layout.
    pub fn serde<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), serde_json::Error> {
        let mut ser = serde_json::Serializer::with_formatter(&mut self.buf, GoFormatter);
        value.serialize(&mut ser)
    }
}

/// A serde_json formatter that escapes strings and lays out floats like Go.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json already escaped quotes, backslashes and controls around this
        // fragment; what is left for Go compatibility is `<`, `>`, `&`, U+2028/9.
        let mut out = Vec::with_capacity(fragment.len());
        escape_string_contents(&mut out, fragment);
        writer.write_all(&out)
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        char_escape: serde_json::ser::CharEscape,
    ) -> io::Result<()> {
        use serde_json::ser::CharEscape;
        let s: &[u8] = match char_escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::Solidus => b"/",
            CharEscape::Backspace => b"\\u0008",
            CharEscape::FormFeed => b"\\u000c",
            CharEscape::AsciiControl(b) => {
                let esc = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(b >> 4) as usize],
                    HEX[(b & 0xf) as usize],
                ];
                return writer.write_all(&esc);
            }
        };
        writer.write_all(s)
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(format_json_number(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        writer.write_all(format_json_number(value as f64).as_bytes())
    }
}

/// Serializes a label set as a JSON object in label order (for serde-derived structs).
#[derive(Debug, Clone, Copy)]
pub struct SerLabels<'a>(pub &'a Labels);

impl Serialize for SerLabels<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = ser.serialize_map(Some(self.0.len()))?;
        for l in self.0.iter() {
            map.serialize_entry(l.name, l.value)?;
        }
        map.end()
    }
}

/// Serializes `value` to JSON bytes the way Prometheus would print it.
pub fn to_go_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut w = JsonWriter::new();
    w.serde(value)?;
    Ok(w.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut JsonWriter)) -> String {
        let mut w = JsonWriter::new();
        f(&mut w);
        String::from_utf8(w.into_bytes()).unwrap()
    }

    #[test]
    fn timestamps_match_marshal_timestamp() {
        let cases: &[(i64, &str)] = &[
            (1435781451781, "1435781451.781"),
            (1435781451000, "1435781451"),
            (1435781451500, "1435781451.500"),
            (1435781451050, "1435781451.050"),
            (1435781451005, "1435781451.005"),
            (0, "0"),
            (-1500, "-1.500"),
            (-1, "-0.001"),
            (i64::MIN, "-9223372036854775.808"),
        ];
        for (t, want) in cases {
            assert_eq!(written(|w| w.timestamp(*t)), *want);
        }
    }

    #[test]
    fn strings_escape_like_go() {
        assert_eq!(
            written(|w| w.string("a\"b\\c\nd\te<f>&g\u{1}\u{8}\u{2028}zürich\u{7f}")),
            r#""a\"b\\c\nd\te\u003cf\u003e\u0026g\u0001\u0008\u2028zürich""#
                .replace("zürich\"", "zürich\u{7f}\"")
        );
    }

    #[test]
    fn labels_are_objects_in_label_order() {
        let l = Labels::from_pairs([("job", "api"), ("__name__", "up")]);
        assert_eq!(
            written(|w| w.labels(&l)),
            r#"{"__name__":"up","job":"api"}"#
        );
        assert_eq!(written(|w| w.labels(&Labels::empty())), "{}");
    }

    #[test]
    fn serde_goes_through_go_escaping() {
        #[derive(Serialize)]
        struct S {
            a: &'static str,
            b: f64,
            c: f64,
        }
        let out = to_go_json(&S {
            a: "<x>&\u{8}\u{c}/",
            b: 1.0,
            c: 2.5e-7,
        })
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":"\u003cx\u003e\u0026\u0008\u000c/","b":1,"c":2.5e-7}"#
        );
    }
}
