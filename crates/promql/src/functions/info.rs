//! The experimental `info()` function: adds the data labels of info metrics
//! (`target_info` by default) to the series that share their identifying labels
//! (`instance`, `job`).

use std::collections::HashMap;

use promlite_model::{Labels, LabelsBuilder, MatchOp, Matcher, Sample, METRIC_NAME};
use promlite_storage::SelectHints;

use crate::error::{PromqlError, Result};
use crate::eval::series::merge_same_labelsets;
use crate::eval::Evaluator;
use crate::plan::{CallNode, Node, SelectorNode};
use crate::value::{StepSeries, Val};

const TARGET_INFO: &str = "target_info";
const IDENTIFYING: [&str; 2] = ["instance", "job"];

fn matcher(op: MatchOp, name: &str, value: &str) -> Result<Matcher> {
    Matcher::new(op, name, value).map_err(|e| PromqlError::Internal(e.to_string()))
}

/// The `__name__` matchers that pick info metrics: as given when one is positive, with a
/// `.+_info` matcher added when all are negative, `target_info` when there are none.
fn effective_name_matchers(given: &[Matcher]) -> Result<Vec<Matcher>> {
    if given
        .iter()
        .any(|m| matches!(m.op, MatchOp::Equal | MatchOp::RegexMatch))
    {
        return Ok(given.to_vec());
    }
    if !given.is_empty() {
        let mut v = vec![matcher(MatchOp::RegexMatch, METRIC_NAME, ".+_info")?];
        v.extend_from_slice(given);
        return Ok(v);
    }
    Ok(vec![Matcher::equal(METRIC_NAME, TARGET_INFO)])
}

/// The first selector of `node` (depth first): its `@` and offset bound the info series
/// read.
fn first_selector(node: &Node) -> Option<&SelectorNode> {
    match node {
        Node::VectorSelector(s) => Some(s),
        Node::MatrixSelector(m) => Some(&m.sel),
        Node::Subquery(s) => first_selector(&s.expr),
        Node::Call(c) => c.args.iter().find_map(first_selector),
        Node::Aggregate(a) => first_selector(&a.expr).or(a.param.as_ref().and_then(first_selector)),
        Node::Binary(b) => first_selector(&b.lhs).or_else(|| first_selector(&b.rhs)),
        Node::Negate(n) | Node::StepInvariant(n) => first_selector(n),
        Node::Number(_) | Node::String(_) => None,
    }
}

/// An info series: its labels, name, and per step the timestamp of the sample in use.
struct InfoSeries {
    labels: Labels,
    name: String,
    sig_of: Labels,
    points: Vec<Sample>,
}

/// The identifying signature of `l` for info metric `name`.
fn signature(name: &str, l: &Labels) -> Labels {
    let mut pairs = vec![(METRIC_NAME, name)];
    for id in IDENTIFYING {
        if let Some(v) = l.get(id) {
            pairs.push((id, v));
        }
    }
    Labels::from_pairs(pairs)
}

pub(crate) fn eval_info(ev: &Evaluator<'_, '_>, c: &CallNode) -> Result<Val> {
    let base_node = c
        .args
        .first()
        .ok_or_else(|| PromqlError::Internal("info() without arguments".into()))?;
    let base = ev.eval_vector(base_node)?;
    // Data label matchers by label name; `__name__` ones pick the info metrics.
    let mut data: HashMap<String, Vec<Matcher>> = HashMap::new();
    let mut name_matchers = Vec::new();
    match c.args.get(1).map(Node::unwrapped) {
        Some(Node::VectorSelector(s)) => {
            for m in &s.matchers {
                data.entry(m.name.clone()).or_default().push(m.clone());
                if m.name == METRIC_NAME {
                    name_matchers.push(m.clone());
                }
            }
        }
        _ => name_matchers.push(Matcher::equal(METRIC_NAME, TARGET_INFO)),
    }
    let effective = effective_name_matchers(&name_matchers)?;
    let ignored: Vec<bool> = base
        .iter()
        .map(|s| {
            let name = s.labels.get_or_empty(METRIC_NAME);
            effective.iter().all(|m| m.matches(name))
        })
        .collect();
    let info = fetch_info_series(ev, base_node, &base, &ignored, &mut data)?;
    combine(ev, base, &ignored, &info, &data)
}

fn fetch_info_series(
    ev: &Evaluator<'_, '_>,
    base_node: &Node,
    base: &[StepSeries],
    ignored: &[bool],
    data: &mut HashMap<String, Vec<Matcher>>,
) -> Result<Vec<InfoSeries>> {
    let mut id_values: Vec<Vec<&str>> = vec![Vec::new(); IDENTIFYING.len()];
    for (s, _) in base.iter().zip(ignored).filter(|(_, ign)| !**ign) {
        for (k, id) in IDENTIFYING.iter().enumerate() {
            if let Some(v) = s.labels.get(id) {
                if !id_values[k].contains(&v) {
                    id_values[k].push(v);
                }
            }
        }
    }
    let name_data: Vec<Matcher> = data.get(METRIC_NAME).cloned().unwrap_or_default();
    // `__name__` is no data label.
    data.remove(METRIC_NAME);
    if id_values.iter().all(Vec::is_empty) {
        return Ok(Vec::new());
    }
    let mut matchers = Vec::new();
    for (k, id) in IDENTIFYING.iter().enumerate() {
        if !id_values[k].is_empty() {
            let re: Vec<String> = id_values[k].iter().map(|v| regex::escape(v)).collect();
            matchers.push(matcher(MatchOp::RegexMatch, id, &re.join("|"))?);
        }
    }
    for ms in data.values() {
        matchers.extend(ms.iter().cloned());
    }
    matchers.extend(effective_name_matchers(&name_data)?);

    let (at, offset) = first_selector(base_node)
        .map(|s| (s.at, s.offset))
        .unwrap_or((None, 0));
    let (mut start, mut end) = (ev.start, ev.end);
    if let Some(t) = at {
        start = t;
        end = t;
    }
    start -= ev.ctx.lookback - 1;
    let sel = SelectorNode {
        matchers,
        offset: 0,
        at: None,
        anchored: false,
        smoothed: false,
        hints: SelectHints {
            start: start - offset,
            end: end - offset,
            step: ev.interval,
            func: Some("info".into()),
            range: 0,
        },
    };
    let mut out = Vec::new();
    ev.for_each_selected(&sel, |labels, samples| {
        let mut points = Vec::new();
        // The value of an info sample is the time it was taken at.
        ev.instant_samples(samples, 0, None, |t, s| {
            points.push(Sample::new(t, s.t as f64))
        });
        if !points.is_empty() {
            let name = labels.get_or_empty(METRIC_NAME).to_string();
            out.push(InfoSeries {
                sig_of: signature(&name, labels),
                labels: labels.clone(),
                name,
                points,
            });
        }
        Ok(())
    })?;
    Ok(out)
}

fn combine(
    ev: &Evaluator<'_, '_>,
    base: Vec<StepSeries>,
    ignored: &[bool],
    info: &[InfoSeries],
    data: &HashMap<String, Vec<Matcher>>,
) -> Result<Val> {
    let n = ev.num_steps();
    let mut names: Vec<&str> = info.iter().map(|i| i.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    // Per step: info signature → (info series, sample time), the newest winning.
    let mut by_step: Vec<HashMap<&Labels, (usize, i64)>> = vec![HashMap::new(); n];
    for (k, is) in info.iter().enumerate() {
        for p in &is.points {
            let slot = &mut by_step[ev.step_index(p.t)];
            let orig = p.v as i64;
            match slot.get(&is.sig_of) {
                Some(&(j, other)) if other == orig => {
                    return Err(PromqlError::exec(format!(
                        "found duplicate series for info metric: existing {} @ {other}, new {} @ {orig}",
                        info[j].labels, is.labels
                    )))
                }
                Some(&(_, other)) if other > orig => {}
                _ => {
                    slot.insert(&is.sig_of, (k, orig));
                }
            }
        }
    }
    let empty_ok = data.values().flatten().all(|m| m.matches(""));
    let mut out: Vec<StepSeries> = Vec::new();
    for (s, ignore) in base.into_iter().zip(ignored) {
        if *ignore {
            out.push(StepSeries::new(s.labels, s.points));
            continue;
        }
        let sigs: Vec<Labels> = names
            .iter()
            .map(|name| signature(name, &s.labels))
            .collect();
        // Output series of this base series, keyed by the labels added.
        let mut variants: Vec<(Labels, Vec<Sample>)> = Vec::new();
        for p in &s.points {
            let step = &by_step[ev.step_index(p.t)];
            let mut added = LabelsBuilder::new();
            let mut matched = false;
            for sig in &sigs {
                let Some(&(k, _)) = step.get(sig) else {
                    continue;
                };
                matched = true;
                for l in info[k].labels.iter() {
                    if l.name == METRIC_NAME || (!data.is_empty() && !data.contains_key(l.name)) {
                        continue;
                    }
                    if added.get(l.name).is_some_and(|v| v != l.value) {
                        return Err(PromqlError::exec(format!("conflicting label: {}", l.name)));
                    }
                    if s.labels.contains(l.name) {
                        continue;
                    }
                    added.set(l.name, l.value);
                }
            }
            if !matched && !empty_ok {
                continue;
            }
            let mut b = s.labels.builder();
            for (k, v) in added.pairs() {
                b.set(k, v);
            }
            let labels = b.build();
            match variants.iter_mut().find(|(l, _)| *l == labels) {
                Some((_, pts)) => pts.push(*p),
                None => variants.push((labels, vec![*p])),
            }
        }
        for (labels, points) in variants {
            out.push(StepSeries::new(labels, points));
        }
    }
    Ok(Val::Vector(merge_same_labelsets(out)?))
}
