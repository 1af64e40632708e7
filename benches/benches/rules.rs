//! Rule evaluation throughput: one group of 100 rules (recording and alerting, with
//! templated annotations) over 10,000 series in memory.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use promlite_config::GlobalConfig;
use promlite_model::{Labels, ManualClock, SharedClock};
use promlite_promql::{Engine, EngineOptions};
use promlite_rules::{EngineQuerier, RuleManager, RuleManagerDeps, RuleManagerOptions};
use promlite_storage::{Appendable, MemStorage};

fn rules_yaml() -> String {
    let mut s = String::from("groups:\n  - name: bench\n    interval: 15s\n    rules:\n");
    for i in 0..50 {
        s.push_str(&format!(
            "      - record: job:req:rate{i}\n        expr: sum by (job) (rate(req_total{{shard=\"{}\"}}[5m]))\n",
            i % 10
        ));
        s.push_str(&format!(
            "      - alert: High{i}\n        expr: req_total{{shard=\"{}\"}} > 500\n        for: 1m\n        annotations:\n          summary: \"{{{{ $labels.instance }}}} at {{{{ $value | humanize }}}}\"\n",
            i % 10
        ));
    }
    s
}

fn bench_rules(c: &mut Criterion) {
    let storage = Arc::new(MemStorage::new());
    let mut app = storage.appender();
    for s in 0..10_000u32 {
        let labels = Labels::from_pairs([
            ("__name__", "req_total".to_string()),
            ("job", format!("job{}", s % 20)),
            ("instance", format!("host{s}:9100")),
            ("shard", (s % 10).to_string()),
        ]);
        for t in 0..20i64 {
            app.append(
                None,
                &labels,
                t * 15_000,
                f64::from(s % 1000) + t as f64 * 10.0,
            )
            .expect("append");
        }
    }
    app.commit().expect("commit");
    let dir = std::env::temp_dir().join(format!("promlite-rules-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let file = dir.join("rules.yml");
    std::fs::write(&file, rules_yaml()).expect("write rules");
    let clock: SharedClock = ManualClock::new(0);
    let manager = RuleManager::new(
        RuleManagerOptions::default(),
        RuleManagerDeps {
            clock,
            querier: Arc::new(EngineQuerier::new(
                Engine::new(EngineOptions::default()),
                storage.clone(),
            )),
            appendable: storage.clone(),
            queryable: storage.clone(),
            sender: None,
        },
    );
    manager
        .apply(&[file], &GlobalConfig::default())
        .expect("load rules");
    let mut ts = 285_000;
    let mut g = c.benchmark_group("rules");
    g.sample_size(10);
    g.bench_function("eval_100_rules_10k_series", |b| {
        b.iter(|| {
            ts += 1;
            manager.eval_all_at(ts);
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_rules);
criterion_main!(benches);
