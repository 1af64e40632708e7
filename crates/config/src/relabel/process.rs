//! Applying relabel steps to a label set, action by action as Prometheus does.

use promlite_model::{Labels, LabelsBuilder};

use super::expand::{expand, expand_into};
use super::md5::md5;
use super::{RelabelAction, RelabelConfig};

/// Applies `steps` in order. Returns `None` when a step drops the set (`keep`, `drop`,
/// `keepequal`, `dropequal`); otherwise the relabeled set (labels with empty values are
/// removed, as everywhere in promlite).
///
/// ```
/// use promlite_config::relabel::{process, RelabelAction, RelabelConfig};
/// use promlite_model::Labels;
/// let step = RelabelConfig {
///     source_labels: vec!["__address__".into()],
///     regex: promlite_config::relabel::RelabelRegex::new("(.*):.*").unwrap(),
///     target_label: "host".into(),
///     ..RelabelConfig::default()
/// };
/// let out = process(&Labels::from_pairs([("__address__", "db:9100")]), &[step]).unwrap();
/// assert_eq!(out.get("host"), Some("db"));
/// ```
pub fn process(labels: &Labels, steps: &[RelabelConfig]) -> Option<Labels> {
    let mut builder = labels.builder();
    process_builder(&mut builder, steps).then(|| builder.build())
}

/// Like [`process`], editing a builder in place; returns `false` when dropped.
pub fn process_builder(builder: &mut LabelsBuilder, steps: &[RelabelConfig]) -> bool {
    steps.iter().all(|step| apply(step, builder))
}

fn joined_source_values(step: &RelabelConfig, builder: &LabelsBuilder) -> String {
    let mut value = String::new();
    for (i, name) in step.source_labels.iter().enumerate() {
        if i > 0 {
            value.push_str(&step.separator);
        }
        value.push_str(builder.get(name).unwrap_or(""));
    }
    value
}

fn apply(step: &RelabelConfig, builder: &mut LabelsBuilder) -> bool {
    let value = joined_source_values(step, builder);
    match step.action {
        RelabelAction::Drop => return !step.regex.is_match(&value),
        RelabelAction::Keep => return step.regex.is_match(&value),
        RelabelAction::DropEqual => {
            return builder.get(&step.target_label).unwrap_or("") != value;
        }
        RelabelAction::KeepEqual => {
            return builder.get(&step.target_label).unwrap_or("") == value;
        }
        RelabelAction::Replace => replace(step, builder, &value),
        RelabelAction::Lowercase => {
            builder.set(&step.target_label, &value.to_lowercase());
        }
        RelabelAction::Uppercase => {
            builder.set(&step.target_label, &value.to_uppercase());
        }
        RelabelAction::HashMod => {
            let digest = md5(value.as_bytes());
            let mut tail = [0u8; 8];
            tail.copy_from_slice(&digest[8..]);
            // `modulus` is validated non-zero; guard anyway so a hand-built step cannot panic.
            let modulus = step.modulus.max(1);
            let shard = u64::from_be_bytes(tail) % modulus;
            builder.set(&step.target_label, &shard.to_string());
        }
        RelabelAction::LabelMap => {
            let snapshot = builder.pairs().to_vec();
            let re = step.regex.regex();
            for (name, label_value) in &snapshot {
                if let Some(caps) = re.captures(name) {
                    let new_name = expand(&step.replacement, re, &caps);
                    builder.set(&new_name, label_value);
                }
            }
        }
        RelabelAction::LabelDrop => {
            builder.retain(|name, _| !step.regex.is_match(name));
        }
        RelabelAction::LabelKeep => {
            builder.retain(|name, _| step.regex.is_match(name));
        }
    }
    true
}

fn replace(step: &RelabelConfig, builder: &mut LabelsBuilder, value: &str) {
    let re = step.regex.regex();
    // No match: nothing to replace.
    let Some(caps) = re.captures(value) else {
        return;
    };
    let target = expand(&step.target_label, re, &caps);
    if !step.name_validation.is_valid_label_name(&target) {
        return;
    }
    let mut result = String::new();
    expand_into(&mut result, &step.replacement, re, &caps);
    if result.is_empty() {
        builder.del(&target);
    } else {
        builder.set(&target, &result);
    }
}
