//! Encoding of query results (`{"resultType":...,"result":...}`) straight into bytes,
//! in the layouts of Prometheus's jsoniter encoders for vectors and matrices and of the
//! `MarshalJSON` methods of scalars and strings.

use super::float::{format_json_number, push_fixed_form};
use super::writer::JsonWriter;
use crate::engine::Value;

/// Writes the `result` value.
pub fn write_query_value(w: &mut JsonWriter, value: &Value) {
    match value {
        Value::Vector(samples) => {
            w.byte(b'[');
            for (i, s) in samples.iter().enumerate() {
                if i > 0 {
                    w.byte(b',');
                }
                w.raw(r#"{"metric":"#);
                w.labels(&s.labels);
                w.raw(r#","value":["#);
                w.timestamp(s.t);
                w.byte(b',');
                w.sample_value(s.v);
                w.raw("]}");
            }
            w.byte(b']');
        }
        Value::Matrix(series) => {
            w.byte(b'[');
            for (i, s) in series.iter().enumerate() {
                if i > 0 {
                    w.byte(b',');
                }
                w.raw(r#"{"metric":"#);
                w.labels(&s.labels);
                // Prometheus omits "values" for a series without float points.
                if !s.samples.is_empty() {
                    w.raw(r#","values":["#);
                    for (j, p) in s.samples.iter().enumerate() {
                        if j > 0 {
                            w.byte(b',');
                        }
                        w.byte(b'[');
                        w.timestamp(p.t);
                        w.byte(b',');
                        w.sample_value(p.v);
                        w.byte(b']');
                    }
                    w.byte(b']');
                }
                w.byte(b'}');
            }
            w.byte(b']');
        }
        Value::Scalar { t, v } => {
            // promql.Scalar.MarshalJSON: [float64(T)/1000, FormatFloat(V, 'f', -1)].
            w.byte(b'[');
            w.raw(&format_json_number(*t as f64 / 1000.0));
            w.byte(b',');
            let mut s = String::with_capacity(24);
            push_plain_f(&mut s, *v);
            w.string(&s);
            w.byte(b']');
        }
        Value::String { t, v } => {
            w.byte(b'[');
            w.raw(&format_json_number(*t as f64 / 1000.0));
            w.byte(b',');
            w.string(v);
            w.byte(b']');
        }
    }
}

/// Go's `FormatFloat(v, 'f', -1, 64)` (never exponent form).
fn push_plain_f(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v == f64::INFINITY {
        out.push_str("+Inf");
    } else if v == f64::NEG_INFINITY {
        out.push_str("-Inf");
    } else {
        push_fixed_form(out, v);
    }
}

/// The whole `data` object of a query answer.
pub fn encode_query_data(value: &Value) -> Vec<u8> {
    let cap = match value {
        Value::Vector(v) => 64 + v.len() * 128,
        Value::Matrix(m) => 64 + m.iter().map(|s| 96 + s.samples.len() * 44).sum::<usize>(),
        _ => 96,
    };
    let mut w = JsonWriter::with_capacity(cap);
    w.raw(r#"{"resultType":"#);
    w.string(value.type_name());
    w.raw(r#","result":"#);
    write_query_value(&mut w, value);
    w.byte(b'}');
    w.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{MatrixSeries, VectorElement};
    use promlite_model::{Labels, Sample};

    fn enc(v: &Value) -> String {
        String::from_utf8(encode_query_data(v)).unwrap()
    }

    #[test]
    fn vector_layout() {
        let v = Value::Vector(vec![VectorElement {
            labels: Labels::from_pairs([("__name__", "up"), ("job", "api")]),
            t: 1435781451781,
            v: 1.0,
        }]);
        assert_eq!(
            enc(&v),
            r#"{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"api"},"value":[1435781451.781,"1"]}]}"#
        );
        assert_eq!(
            enc(&Value::Vector(vec![])),
            r#"{"resultType":"vector","result":[]}"#
        );
    }

    #[test]
    fn matrix_layout() {
        let m = Value::Matrix(vec![
            MatrixSeries {
                labels: Labels::from_pairs([("a", "b")]),
                samples: vec![Sample::new(1000, 1e-7), Sample::new(1500, f64::INFINITY)],
            },
            MatrixSeries {
                labels: Labels::empty(),
                samples: vec![],
            },
        ]);
        assert_eq!(
            enc(&m),
            r#"{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1,"1e-07"],[1.500,"+Inf"]]},{"metric":{}}]}"#
        );
    }

    #[test]
    fn scalar_and_string_use_marshal_json_layout() {
        assert_eq!(
            enc(&Value::Scalar { t: 1500, v: 1e-7 }),
            r#"{"resultType":"scalar","result":[1.5,"0.0000001"]}"#
        );
        assert_eq!(
            enc(&Value::Scalar {
                t: 1767218400500,
                v: f64::NAN
            }),
            r#"{"resultType":"scalar","result":[1767218400.5,"NaN"]}"#
        );
        assert_eq!(
            enc(&Value::String {
                t: 2000,
                v: "a<b".into()
            }),
            r#"{"resultType":"string","result":[2,"a\u003cb"]}"#
        );
    }
}
