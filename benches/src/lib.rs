//! Shared helpers for promlite benches: command-line arguments of the examples and the
//! dataset the WAL replay measurements reopen.

use promlite_model::Labels;
use promlite_storage::Appendable;
use promlite_tsdb::Db;

/// The number after `name` on the command line (`--series 1000`), or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Appends `series` × `steps` samples to `db`, one commit per 15 s step; the values
/// repeat every 1,000 series, as the WAL replay bench and example measure them.
///
/// # Panics
/// On any append or commit error: a bench has no way to go on without its data.
pub fn append_replay_dataset(db: &Db, series: usize, steps: i64) {
    let labels: Vec<Labels> = (0..series)
        .map(|i| {
            Labels::from_pairs([
                ("__name__", format!("m{}", i % 100)),
                ("instance", format!("h{}", i / 100)),
            ])
        })
        .collect();
    let mut refs = vec![None; series];
    let mut app = db.appender();
    for step in 0..steps {
        for (i, l) in labels.iter().enumerate() {
            let v = ((step * 7 + i as i64) % 1000) as f64 / 10.0;
            let t = 1_700_000_000_000 + step * 15_000;
            refs[i] = Some(app.append(refs[i], l, t, v).expect("append"));
        }
        app.commit().expect("commit");
    }
}
