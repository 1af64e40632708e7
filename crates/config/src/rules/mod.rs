//! Rule files (`groups:` of recording and alerting rules), placeholder until filled in.

/// Placeholder.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleGroups;
/// Placeholder.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleGroup;
/// Placeholder.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule;
/// Placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {}
