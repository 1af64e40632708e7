//! Reading a promqltest script into commands: `load`, `clear` and `eval` blocks with their
//! expectations, following Prometheus's `promqltest` block rules.

use promlite_model::Labels;
use regex::Regex;

use super::series::{parse_duration, parse_series, parse_values, unquote_prefix, SeqValue};

/// How an expected error or annotation is matched.
#[derive(Clone, Debug)]
pub(crate) enum Pattern {
    Any,
    Exact(String),
    Regex(Regex),
}

impl Pattern {
    pub(crate) fn matches(&self, s: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(m) => m == s,
            Pattern::Regex(r) => r.is_match(s),
        }
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pattern::Any => f.write_str("<any>"),
            Pattern::Exact(m) => write!(f, "{m:?}"),
            Pattern::Regex(r) => write!(f, "/{r}/"),
        }
    }
}

/// One series of a `load` block.
#[derive(Clone, Debug)]
pub(crate) struct LoadSeries {
    pub labels: Labels,
    pub values: Vec<SeqValue>,
}

/// When an eval runs.
#[derive(Clone, Copy, Debug)]
pub(crate) enum EvalTime {
    Instant(i64),
    Range { start: i64, end: i64, step: i64 },
}

/// An expected series: labels, values, and its 1-based position among the expectations.
#[derive(Clone, Debug)]
pub(crate) struct ExpectedSeries {
    pub labels: Labels,
    pub values: Vec<SeqValue>,
    pub pos: usize,
}

/// What an eval expects as its value.
#[derive(Clone, Debug)]
pub(crate) enum Expected {
    Series(Vec<ExpectedSeries>),
    Scalar(f64),
    String(String),
}

/// An `eval` block.
#[derive(Clone, Debug)]
pub(crate) struct EvalCmd {
    pub line: usize,
    pub expr: String,
    pub time: EvalTime,
    pub fail: Option<Pattern>,
    pub warn_required: bool,
    pub info_required: bool,
    pub warns: Vec<Pattern>,
    pub infos: Vec<Pattern>,
    pub no_warn: bool,
    pub no_info: bool,
    pub ordered: bool,
    pub expected: Expected,
    /// `expect range vector from .. to .. step ..`: the grid of the expected points.
    pub range_vector: Option<(i64, i64, i64)>,
    /// `expect range vector` or `expect string`: no range-mode cross-check.
    pub exclude_from_range_query: bool,
}

/// A script command.
#[derive(Clone, Debug)]
pub(crate) enum Command {
    Load {
        line: usize,
        interval: i64,
        with_nhcb: bool,
        series: Vec<LoadSeries>,
        /// Series with start-timestamp (`@st`) lines.
        start_timestamp_series: Vec<Labels>,
    },
    Clear,
    Eval(Box<EvalCmd>),
    /// A block that could not be read: its line and why.
    Invalid(usize, String),
}

struct Patterns {
    load: Regex,
    instant: Regex,
    range: Regex,
    expect: Regex,
    range_vector: Regex,
}

fn patterns() -> Patterns {
    let re = |s: &str| Regex::new(s).expect("constant pattern compiles");
    Patterns {
        load: re(r"^load(?:_(with_nhcb))?\s+(.+?)$"),
        instant: re(r"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$"),
        range: re(
            r"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$",
        ),
        expect: re(r"^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$"),
        range_vector: re(r"^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$"),
    }
}

/// Whether a load line is a start-timestamp line (`metric{...}@st <items>`).
fn is_st_line(l: &str) -> bool {
    match l.find([' ', '\t']) {
        Some(i) => l[..i].ends_with("@st"),
        None => false,
    }
}

/// Splits a script into commands. Comment lines end blocks, as in Prometheus.
pub(crate) fn parse_script(input: &str) -> Vec<Command> {
    let p = patterns();
    let lines: Vec<&str> = input
        .split('\n')
        .map(|l| {
            let l = l.trim();
            if l.starts_with('#') {
                ""
            } else {
                l
            }
        })
        .collect();
    let mut cmds = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if l.is_empty() {
            i += 1;
            continue;
        }
        let first = l.split([' ', '\t']).next().unwrap_or("").to_lowercase();
        let block_end = |from: usize| {
            let mut j = from + 1;
            while j < lines.len() && !lines[j].is_empty() {
                j += 1;
            }
            j
        };
        if first == "clear" {
            cmds.push(Command::Clear);
            i += 1;
        } else if first.starts_with("load") {
            let end = block_end(i);
            cmds.push(parse_load(&p, &lines[i..end], i + 1));
            i = end;
        } else if first.starts_with("eval") {
            let end = block_end(i);
            cmds.push(parse_eval(&p, &lines[i..end], i + 1));
            i = end;
        } else {
            cmds.push(Command::Invalid(i + 1, format!("invalid command {l:?}")));
            i += 1;
        }
    }
    cmds
}

fn parse_load(p: &Patterns, block: &[&str], line: usize) -> Command {
    let Some(caps) = p.load.captures(block[0]) else {
        return Command::Invalid(line, "invalid load command".into());
    };
    let with_nhcb = caps.get(1).is_some();
    let interval = match parse_duration(caps.get(2).map_or("", |m| m.as_str())) {
        Ok(d) => d,
        Err(e) => return Command::Invalid(line, e),
    };
    let mut series: Vec<LoadSeries> = Vec::new();
    let mut st_series = Vec::new();
    for (k, l) in block[1..].iter().enumerate() {
        if is_st_line(l) {
            let metric = l
                .split([' ', '\t'])
                .next()
                .unwrap_or("")
                .trim_end_matches("@st");
            match parse_series(&format!("{metric} _")) {
                Ok((labels, _)) => st_series.push(labels),
                Err(e) => return Command::Invalid(line + k + 1, e),
            }
            continue;
        }
        match parse_series(l) {
            Ok((labels, values)) => {
                // A series repeated in one block: the later line wins.
                series.retain(|s| s.labels != labels);
                series.push(LoadSeries { labels, values });
            }
            Err(e) => return Command::Invalid(line + k + 1, e),
        }
    }
    Command::Load {
        line,
        interval,
        with_nhcb,
        series,
        start_timestamp_series: st_series,
    }
}

fn parse_pattern(kind: Option<&str>, text: Option<&str>) -> Result<Pattern, String> {
    match (kind, text) {
        (Some("msg"), Some(t)) => Ok(Pattern::Exact(t.trim().to_string())),
        (Some("regex"), Some(t)) => Regex::new(t.trim())
            .map(Pattern::Regex)
            .map_err(|e| format!("invalid regex {t:?}: {e}")),
        _ => Ok(Pattern::Any),
    }
}

fn parse_eval(p: &Patterns, block: &[&str], line: usize) -> Command {
    match parse_eval_inner(p, block, line) {
        Ok(cmd) => Command::Eval(Box::new(cmd)),
        Err(e) => Command::Invalid(line, e),
    }
}

fn parse_eval_inner(p: &Patterns, block: &[&str], line: usize) -> Result<EvalCmd, String> {
    let head = block[0];
    let (modifier, time, expr) = if let Some(c) = p.instant.captures(head) {
        let at = match c.get(2) {
            Some(m) => parse_duration(m.as_str())?,
            None => 0,
        };
        (
            c.get(1).map(|m| m.as_str().to_string()),
            EvalTime::Instant(at),
            c.get(3).map_or("", |m| m.as_str()).to_string(),
        )
    } else if let Some(c) = p.range.captures(head) {
        let g = |i: usize| c.get(i).map_or("", |m| m.as_str());
        let start = parse_duration(g(2))?;
        let end = parse_duration(g(3))?;
        let step = parse_duration(g(4))?;
        if end < start {
            return Err("invalid test definition, end timestamp is before start timestamp".into());
        }
        (
            c.get(1).map(|m| m.as_str().to_string()),
            EvalTime::Range { start, end, step },
            g(5).to_string(),
        )
    } else {
        return Err(format!("invalid evaluation command {head:?}"));
    };
    let mut cmd = EvalCmd {
        line,
        expr,
        time,
        fail: None,
        warn_required: false,
        info_required: false,
        warns: Vec::new(),
        infos: Vec::new(),
        no_warn: false,
        no_info: false,
        ordered: false,
        expected: Expected::Series(Vec::new()),
        range_vector: None,
        exclude_from_range_query: false,
    };
    match modifier.as_deref() {
        Some("fail") => cmd.fail = Some(Pattern::Any),
        Some("warn") => cmd.warn_required = true,
        Some("info") => cmd.info_required = true,
        Some("ordered") => cmd.ordered = true,
        _ => {}
    }
    let mut expected: Vec<ExpectedSeries> = Vec::new();
    let mut pos = 0;
    for l in &block[1..] {
        if cmd.fail.is_some() {
            if let Some(m) = l.strip_prefix("expected_fail_message") {
                cmd.fail = Some(Pattern::Exact(m.trim().to_string()));
                break;
            }
            if let Some(r) = l.strip_prefix("expected_fail_regexp") {
                cmd.fail = Some(parse_pattern(Some("regex"), Some(r))?);
                break;
            }
        }
        if let Some(c) = p.range_vector.captures(l) {
            let g = |i: usize| c.get(i).map_or("", |m| m.as_str());
            let (s, e, st) = (
                parse_duration(g(1))?,
                parse_duration(g(2))?,
                parse_duration(g(3))?,
            );
            cmd.range_vector = Some((s, e, st));
            cmd.time = EvalTime::Instant(e);
            cmd.exclude_from_range_query = true;
            pos += 1;
            continue;
        }
        if let Some(s) = l.strip_prefix("expect string") {
            let s = s.trim();
            let (v, _) = unquote_prefix(s).map_err(|e| format!("expect string: {e}"))?;
            cmd.expected = Expected::String(v);
            cmd.exclude_from_range_query = true;
            pos += 1;
            continue;
        }
        if l.split(' ').next() == Some("expect") {
            let c = p
                .expect
                .captures(l)
                .ok_or_else(|| format!("invalid expect statement {l:?}"))?;
            let pat = parse_pattern(c.get(2).map(|m| m.as_str()), c.get(3).map(|m| m.as_str()))?;
            match c.get(1).map_or("", |m| m.as_str()) {
                "fail" => cmd.fail = Some(pat),
                "warn" => cmd.warns.push(pat),
                "info" => cmd.infos.push(pat),
                "no_warn" => cmd.no_warn = true,
                "no_info" => cmd.no_info = true,
                _ => cmd.ordered = true,
            }
            continue;
        }
        if let Some(f) = parse_number_line(l) {
            cmd.expected = Expected::Scalar(f);
            break;
        }
        pos += 1;
        let (labels, values) = if l.starts_with("{{") {
            (Labels::empty(), parse_values(l)?)
        } else {
            parse_series(l)?
        };
        if values.len() > 1
            && matches!(cmd.time, EvalTime::Instant(_))
            && cmd.range_vector.is_none()
        {
            return Err("expecting multiple values in instant evaluation not allowed".into());
        }
        expected.push(ExpectedSeries {
            labels,
            values,
            pos,
        });
    }
    if !expected.is_empty() {
        cmd.expected = Expected::Series(expected);
    }
    Ok(cmd)
}

/// A line that is only a number (Go `ParseInt` with base prefix, or `ParseFloat`).
fn parse_number_line(l: &str) -> Option<f64> {
    let t = l.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let int = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        i64::from_str_radix(b, 2).ok()
    } else {
        None
    };
    if let Some(v) = int {
        return Some(if neg { -(v as f64) } else { v as f64 });
    }
    crate::format::parse_go_float(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_expectations() {
        let script = "load 5m\n  m{a=\"1\"} 1 2\n# comment\nclear\neval instant at 50m m\n  expect warn msg: PromQL warning: x\n  expect ordered\n  m{a=\"1\"} 2\n\neval range from 0 to 10m step 5m m\n  m{a=\"1\"} 1 _ 3\n\neval instant at 1m 1+1\n  2\n";
        let cmds = parse_script(script);
        assert_eq!(cmds.len(), 5, "{cmds:?}");
        match &cmds[0] {
            Command::Load {
                interval, series, ..
            } => {
                assert_eq!(*interval, 300_000);
                assert_eq!(series[0].values.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(cmds[1], Command::Clear));
        match &cmds[2] {
            Command::Eval(e) => {
                assert!(e.ordered);
                assert_eq!(e.warns.len(), 1);
                assert!(matches!(e.time, EvalTime::Instant(3_000_000)));
                assert_eq!(e.expr, "m");
            }
            other => panic!("{other:?}"),
        }
        match &cmds[4] {
            Command::Eval(e) => assert!(matches!(e.expected, Expected::Scalar(v) if v == 2.0)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn legacy_fail_forms() {
        let cmds = parse_script("eval_fail instant at 0m foo\n  expected_fail_message boom\n");
        match &cmds[0] {
            Command::Eval(e) => assert!(matches!(&e.fail, Some(Pattern::Exact(m)) if m == "boom")),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_number_line("0x10"), Some(16.0));
        assert_eq!(parse_number_line("-1.5"), Some(-1.5));
        assert_eq!(parse_number_line("foo 1"), None);
    }
}
