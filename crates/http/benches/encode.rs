//! Query-result JSON encoding: the hand-rolled writer against a plain serde_json
//! encoding of the same shape (the baseline it has to beat to be worth keeping).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use promlite_http::json::encode_query_data;
use promlite_http::{MatrixSeries, Value, VectorElement};
use promlite_model::{Labels, Sample};
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

fn labels(i: usize) -> Labels {
    Labels::from_pairs([
        ("__name__", "http_requests_total".to_string()),
        ("job", "api".to_string()),
        ("instance", format!("api-{}:8080", i % 10)),
        ("code", ["200", "404", "500"][i % 3].to_string()),
        ("method", ["GET", "POST"][i % 2].to_string()),
        ("series", i.to_string()),
    ])
}

fn matrix(series: usize, points: usize) -> Value {
    Value::Matrix(
        (0..series)
            .map(|i| MatrixSeries {
                labels: labels(i),
                samples: (0..points)
                    .map(|j| {
                        Sample::new(
                            1_767_214_800_500 + j as i64 * 15_000,
                            1234.5 + (i * j) as f64 * 0.37,
                        )
                    })
                    .collect(),
            })
            .collect(),
    )
}

fn vector(n: usize) -> Value {
    Value::Vector(
        (0..n)
            .map(|i| VectorElement {
                labels: labels(i),
                t: 1_767_214_800_500,
                v: i as f64 * 1.000_1,
            })
            .collect(),
    )
}

/// The straightforward serde version: timestamps as f64 seconds, values as strings.
struct SerdeLabels<'a>(&'a Labels);
impl Serialize for SerdeLabels<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for l in self.0.iter() {
            m.serialize_entry(l.name, l.value)?;
        }
        m.end()
    }
}
struct SerdePoint(i64, f64);
impl Serialize for SerdePoint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(Some(2))?;
        q.serialize_element(&(self.0 as f64 / 1000.0))?;
        q.serialize_element(&self.1.to_string())?;
        q.end()
    }
}
struct SerdeValue<'a>(&'a Value);
impl Serialize for SerdeValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("QueryData", 2)?;
        st.serialize_field("resultType", self.0.type_name())?;
        match self.0 {
            Value::Matrix(m) => {
                struct Series<'a>(&'a MatrixSeries);
                impl Serialize for Series<'_> {
                    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                        let mut st = s.serialize_struct("Series", 2)?;
                        st.serialize_field("metric", &SerdeLabels(&self.0.labels))?;
                        let pts: Vec<SerdePoint> = self
                            .0
                            .samples
                            .iter()
                            .map(|p| SerdePoint(p.t, p.v))
                            .collect();
                        st.serialize_field("values", &pts)?;
                        st.end()
                    }
                }
                let all: Vec<Series> = m.iter().map(Series).collect();
                st.serialize_field("result", &all)?;
            }
            Value::Vector(v) => {
                struct El<'a>(&'a VectorElement);
                impl Serialize for El<'_> {
                    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                        let mut st = s.serialize_struct("Sample", 2)?;
                        st.serialize_field("metric", &SerdeLabels(&self.0.labels))?;
                        st.serialize_field("value", &SerdePoint(self.0.t, self.0.v))?;
                        st.end()
                    }
                }
                let all: Vec<El> = v.iter().map(El).collect();
                st.serialize_field("result", &all)?;
            }
            _ => st.serialize_field("result", &())?,
        }
        st.end()
    }
}

fn bench(c: &mut Criterion) {
    for (name, value, points) in [
        ("matrix_100x1000", matrix(100, 1000), 100_000u64),
        ("vector_10000", vector(10_000), 10_000u64),
    ] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(points));
        g.bench_function("hand_rolled", |b| {
            b.iter(|| black_box(encode_query_data(black_box(&value))))
        });
        g.bench_function("serde_json", |b| {
            b.iter(|| black_box(serde_json::to_vec(&SerdeValue(black_box(&value))).unwrap()))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
