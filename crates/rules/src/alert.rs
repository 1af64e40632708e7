//! One alert instance of an alerting rule and its state machine's states.

use promlite_model::Labels;

/// The state of an alert (and, for a rule, the highest state of its alerts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertState {
    /// A rule not evaluated yet.
    Unknown,
    Inactive,
    Pending,
    Firing,
}

impl AlertState {
    /// Prometheus's name (`inactive`, `pending`, `firing`).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Unknown => "unknown",
            AlertState::Inactive => "inactive",
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

impl std::fmt::Display for AlertState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One alert: the labels it is identified by and its life so far. Times are ms since the
/// epoch; `None` is Go's zero time.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub state: AlertState,
    pub labels: Labels,
    /// Expanded annotations, sorted by name.
    pub annotations: Vec<(String, String)>,
    /// The value of the expression at the last evaluation.
    pub value: f64,
    pub active_at: i64,
    pub fired_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub last_sent_at: Option<i64>,
    pub valid_until: Option<i64>,
    pub keep_firing_since: Option<i64>,
}

fn after(a: Option<i64>, b: Option<i64>) -> bool {
    a.unwrap_or(i64::MIN) > b.unwrap_or(i64::MIN)
}

impl Alert {
    /// Whether the alert is due to be (re)sent to Alertmanager at `ts`.
    pub fn needs_sending(&self, ts: i64, resend_delay_ms: i64) -> bool {
        if self.state == AlertState::Pending {
            return false;
        }
        // Resolved since it was last sent: send the resolution.
        if after(self.resolved_at, self.last_sent_at) {
            return true;
        }
        match self.last_sent_at {
            None => true,
            Some(last) => last.saturating_add(resend_delay_ms) < ts,
        }
    }
}
