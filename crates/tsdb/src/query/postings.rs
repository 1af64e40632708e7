//! Matchers to postings: every index (head or block) answers the same few questions
//! ([`IndexView`]); this module turns a list of matchers into bitmap intersections,
//! unions and differences, with Prometheus's empty-value semantics (`{a=""}` matches
//! series without `a`, `{a!=""}` needs it).

use promlite_model::{FastRegex, MatchOp, Matcher};
use roaring::RoaringBitmap;

use crate::error::Result;

/// What the matcher logic needs from an index.
pub trait IndexView {
    /// Every series id.
    fn all_postings(&self) -> Result<RoaringBitmap>;
    /// Series with `name="value"`.
    fn postings(&self, name: &str, value: &str) -> Result<RoaringBitmap>;
    /// Sorted distinct values of `name`.
    fn label_values(&self, name: &str) -> Result<Vec<String>>;
    /// Union of the postings of the values of `name` that start with `prefix` (when
    /// given) and satisfy `keep`.
    fn union_postings_where(
        &self,
        name: &str,
        prefix: Option<&str>,
        keep: &mut dyn FnMut(&str) -> bool,
    ) -> Result<RoaringBitmap>;
}

/// Union of the postings of the values `re` matches, using its literal set or prefix
/// before scanning values.
fn postings_matching_regex(
    ix: &dyn IndexView,
    name: &str,
    re: &FastRegex,
    want_match: bool,
) -> Result<RoaringBitmap> {
    if want_match {
        if let Some(set) = re.set_values() {
            let mut out = RoaringBitmap::new();
            for v in set.iter().filter(|v| !v.is_empty()) {
                out |= ix.postings(name, v)?;
            }
            return Ok(out);
        }
        let prefix = re.literal_prefix();
        return ix.union_postings_where(name, prefix, &mut |v| re.is_match(v));
    }
    if matches!(re, FastRegex::Any) {
        return Ok(RoaringBitmap::new());
    }
    ix.union_postings_where(name, None, &mut |v| !re.is_match(v))
}

/// Series with the label present and a value `m` accepts (for matchers that reject "").
fn postings_accepted(ix: &dyn IndexView, m: &Matcher) -> Result<RoaringBitmap> {
    match (m.op, m.fast_regex()) {
        (MatchOp::Equal, _) => ix.postings(&m.name, &m.value),
        // Rejecting "" means the value is "": any present value is accepted.
        (MatchOp::NotEqual, _) => ix.union_postings_where(&m.name, None, &mut |_| true),
        (MatchOp::RegexMatch, Some(re)) => postings_matching_regex(ix, &m.name, re, true),
        (MatchOp::RegexNoMatch, Some(re)) => postings_matching_regex(ix, &m.name, re, false),
        _ => ix.union_postings_where(&m.name, None, &mut |v| m.matches(v)),
    }
}

/// Series with the label present and a value `m` rejects (for matchers that accept "").
fn postings_rejected(ix: &dyn IndexView, m: &Matcher) -> Result<RoaringBitmap> {
    match (m.op, m.fast_regex()) {
        // Accepting "" with `=` means the value is "": every present value is rejected.
        (MatchOp::Equal, _) => ix.union_postings_where(&m.name, None, &mut |_| true),
        (MatchOp::NotEqual, _) => ix.postings(&m.name, &m.value),
        (MatchOp::RegexMatch, Some(re)) => postings_matching_regex(ix, &m.name, re, false),
        (MatchOp::RegexNoMatch, Some(re)) => postings_matching_regex(ix, &m.name, re, true),
        _ => ix.union_postings_where(&m.name, None, &mut |v| !m.matches(v)),
    }
}

/// The ids of the series satisfying every matcher.
pub fn postings_for_matchers(ix: &dyn IndexView, matchers: &[Matcher]) -> Result<RoaringBitmap> {
    let mut positive: Option<RoaringBitmap> = None;
    let mut negative = RoaringBitmap::new();
    // Cheap, selective matchers first so intersections shrink early.
    let mut ordered: Vec<&Matcher> = matchers.iter().collect();
    ordered.sort_by_key(|m| match m.op {
        MatchOp::Equal => 0,
        MatchOp::RegexMatch => 1,
        MatchOp::NotEqual => 2,
        MatchOp::RegexNoMatch => 3,
    });
    for m in ordered {
        if m.matches_empty() {
            negative |= postings_rejected(ix, m)?;
        } else {
            let p = postings_accepted(ix, m)?;
            let acc = match positive.take() {
                Some(mut acc) => {
                    acc &= p;
                    acc
                }
                None => p,
            };
            if acc.is_empty() {
                return Ok(acc);
            }
            positive = Some(acc);
        }
    }
    let mut result = match positive {
        Some(p) => p,
        None => ix.all_postings()?,
    };
    result -= negative;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::head::index::HeadIndex;
    use promlite_model::{matches_all, Labels};
    use proptest::prelude::*;

    fn label_sets() -> impl Strategy<Value = Vec<Labels>> {
        let pair = (
            prop_oneof![Just("a"), Just("b"), Just("c"), Just("__name__")],
            "[xyz]{0,2}",
        );
        proptest::collection::vec(proptest::collection::vec(pair, 0..4), 1..40).prop_map(|sets| {
            let mut out: Vec<Labels> = sets.into_iter().map(Labels::from_pairs).collect();
            out.sort();
            out.dedup();
            out
        })
    }

    fn matcher() -> impl Strategy<Value = Matcher> {
        let op = prop_oneof![
            Just(MatchOp::Equal),
            Just(MatchOp::NotEqual),
            Just(MatchOp::RegexMatch),
            Just(MatchOp::RegexNoMatch)
        ];
        let value = prop_oneof![
            "[xyz]{0,2}".prop_map(|s| s),
            Just(".*".to_string()),
            Just(".+".to_string()),
            Just("x.*".to_string()),
            Just("x|yy|".to_string()),
            Just("[xy]z?".to_string()),
            Just(".*z.*".to_string()),
        ];
        (
            op,
            prop_oneof![Just("a"), Just("b"), Just("c"), Just("d")],
            value,
        )
            .prop_filter_map("regex must compile", |(op, name, value)| {
                let value = if op.is_regex() {
                    value
                } else {
                    value.replace(['.', '*', '+', '|', '[', ']', '?'], "")
                };
                Matcher::new(op, name, value).ok()
            })
    }

    proptest! {
        #[test]
        fn head_index_agrees_with_a_naive_scan(sets in label_sets(), ms in proptest::collection::vec(matcher(), 0..4)) {
            let mut ix = HeadIndex::default();
            for (i, l) in sets.iter().enumerate() {
                ix.add(i as u32, l);
            }
            let got: Vec<u32> = postings_for_matchers(&ix, &ms).unwrap().iter().collect();
            let want: Vec<u32> = sets
                .iter()
                .enumerate()
                .filter(|(_, l)| matches_all(l, &ms))
                .map(|(i, _)| i as u32)
                .collect();
            prop_assert_eq!(got, want);
        }
    }
}
