//! The remote write 1.0 protobuf messages (`prometheus.WriteRequest` and the types it
//! holds), written by hand with `prost` derives so no `protoc` is needed, and their
//! conversions from promlite's model.
//!
//! Field numbers follow Prometheus's `prompb/remote.proto` and `prompb/types.proto`.
//! Label names and values are kept as bytes on the wire side so that a series with
//! invalid UTF-8 is skipped by the receiver (as Prometheus does) instead of failing the
//! whole request.

use promlite_model::{Labels, Metadata, MetricType};

/// `prometheus.WriteRequest`: the body of one remote write request, before snappy.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
    // Tag 2 is reserved by Prometheus (Cortex used it for the request source).
    #[prost(message, repeated, tag = "3")]
    pub metadata: Vec<MetricMetadata>,
}

/// `prometheus.TimeSeries`: one series and some of its samples.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
    #[prost(message, repeated, tag = "3")]
    pub exemplars: Vec<Exemplar>,
    /// Native histogram samples, kept undecoded: promlite stores float samples only, so
    /// the receiver counts and skips them.
    #[prost(bytes = "vec", repeated, tag = "4")]
    pub histograms: Vec<Vec<u8>>,
}

/// `prometheus.Label`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Label {
    #[prost(bytes = "vec", tag = "1")]
    pub name: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `prometheus.Sample`: a float value at a millisecond timestamp.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Sample {
    #[prost(double, tag = "1")]
    pub value: f64,
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// `prometheus.Exemplar`. Decoded so that requests carrying them parse; promlite does
/// not store exemplars.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Exemplar {
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    #[prost(double, tag = "2")]
    pub value: f64,
    #[prost(int64, tag = "3")]
    pub timestamp: i64,
}

/// `prometheus.MetricMetadata`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct MetricMetadata {
    /// `MetricMetadata.MetricType` as its wire number (see [`metric_type_number`]).
    #[prost(int32, tag = "1")]
    pub metric_type: i32,
    #[prost(string, tag = "2")]
    pub metric_family_name: String,
    #[prost(string, tag = "4")]
    pub help: String,
    #[prost(string, tag = "5")]
    pub unit: String,
}

/// The wire number of a metric type in `MetricMetadata.MetricType`.
pub fn metric_type_number(t: MetricType) -> i32 {
    match t {
        MetricType::Unknown => 0,
        MetricType::Counter => 1,
        MetricType::Gauge => 2,
        MetricType::Histogram => 3,
        MetricType::GaugeHistogram => 4,
        MetricType::Summary => 5,
        MetricType::Info => 6,
        MetricType::StateSet => 7,
    }
}

/// The metric type of a wire number; unknown numbers read as `Unknown`.
pub fn metric_type_from_number(n: i32) -> MetricType {
    match n {
        1 => MetricType::Counter,
        2 => MetricType::Gauge,
        3 => MetricType::Histogram,
        4 => MetricType::GaugeHistogram,
        5 => MetricType::Summary,
        6 => MetricType::Info,
        7 => MetricType::StateSet,
        _ => MetricType::Unknown,
    }
}

impl MetricMetadata {
    /// The wire form of a metric family's metadata.
    pub fn from_model(family: &str, meta: &Metadata) -> MetricMetadata {
        MetricMetadata {
            metric_type: metric_type_number(meta.metric_type),
            metric_family_name: family.to_string(),
            help: meta.help.clone(),
            unit: meta.unit.clone(),
        }
    }

    /// The model form: `(metric family name, metadata)`.
    pub fn to_model(&self) -> (String, Metadata) {
        (
            self.metric_family_name.clone(),
            Metadata {
                metric_type: metric_type_from_number(self.metric_type),
                help: self.help.clone(),
                unit: self.unit.clone(),
            },
        )
    }
}

/// The wire labels of a label set, in its (sorted) order.
pub fn labels_to_proto(labels: &Labels) -> Vec<Label> {
    labels
        .iter()
        .map(|l| Label {
            name: l.name.as_bytes().to_vec(),
            value: l.value.as_bytes().to_vec(),
        })
        .collect()
}

/// Why a received series' labels were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidLabels {
    /// A name or value that is not UTF-8, or an empty name.
    Invalid,
    /// No `__name__`, or an empty one.
    NoMetricName,
    /// The same name twice; holds that name.
    Duplicate(String),
}

/// Labels of a received series, checked as Prometheus's receiver does (UTF-8 names and
/// values, a metric name present, no repeated name).
pub fn labels_from_proto(labels: &[Label]) -> Result<Labels, InvalidLabels> {
    let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(labels.len());
    for l in labels {
        let name = std::str::from_utf8(&l.name).map_err(|_| InvalidLabels::Invalid)?;
        let value = std::str::from_utf8(&l.value).map_err(|_| InvalidLabels::Invalid)?;
        if name.is_empty() {
            return Err(InvalidLabels::Invalid);
        }
        pairs.push((name, value));
    }
    pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
    if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(InvalidLabels::Duplicate(w[0].0.to_string()));
    }
    let labels = Labels::from_pairs(pairs);
    match labels.metric_name() {
        Some(n) if !n.is_empty() => Ok(labels),
        _ => Err(InvalidLabels::NoMetricName),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_type_numbers_round_trip() {
        for n in 0..8 {
            assert_eq!(metric_type_number(metric_type_from_number(n)), n);
        }
        assert_eq!(metric_type_from_number(99), MetricType::Unknown);
    }

    #[test]
    fn received_labels_are_checked() {
        let l = |n: &[u8], v: &[u8]| Label {
            name: n.to_vec(),
            value: v.to_vec(),
        };
        let ok = labels_from_proto(&[l(b"job", b"a"), l(b"__name__", b"up")]).unwrap();
        assert_eq!(ok.to_string(), r#"{__name__="up", job="a"}"#);
        assert_eq!(
            labels_from_proto(&[l(b"job", b"a")]),
            Err(InvalidLabels::NoMetricName)
        );
        assert_eq!(
            labels_from_proto(&[l(b"__name__", b"up"), l(b"job", b"\xff")]),
            Err(InvalidLabels::Invalid)
        );
        assert_eq!(
            labels_from_proto(&[l(b"__name__", b"up"), l(b"job", b"a"), l(b"job", b"b")]),
            Err(InvalidLabels::Duplicate("job".into()))
        );
        // UTF-8 metric and label names are valid, as in Prometheus 3.
        assert!(
            labels_from_proto(&[l(b"__name__", b"caf\xc3\xa9.total"), l(b"a.b", b"x")]).is_ok()
        );
    }
}
