//! The task behind one target: wait for the target's offset, then scrape every interval
//! with one appender per scrape, committed at the end; when stopped, write staleness
//! markers for everything the target exposed (unless the server is shutting down or a
//! reload handed the cache to a successor loop).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use promlite_config::format_duration;
use promlite_model::SharedClock;
use promlite_storage::{Appendable, Appender};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::append::{append_body, append_report, AppendSettings, Report};
use super::cache::ScrapeCache;
use crate::client::{ScrapeClient, ScrapeUrl};
use crate::metrics::{inc, ScrapeMetrics};
use crate::target::Target;
use crate::ScrapeError;

/// Everything one loop needs, shared with its manager.
pub(crate) struct LoopContext {
    pub(crate) target: Arc<Target>,
    pub(crate) client: Arc<ScrapeClient>,
    pub(crate) settings: AppendSettings,
    pub(crate) appendable: Arc<dyn Appendable>,
    pub(crate) clock: SharedClock,
    pub(crate) metrics: Arc<ScrapeMetrics>,
    pub(crate) cache: Arc<Mutex<ScrapeCache>>,
    /// A pool-level error that fails every scrape (`target_limit exceeded ...`).
    pub(crate) forced_error: Arc<Mutex<Option<String>>>,
    pub(crate) offset_seed: u64,
}

/// A running loop.
pub(crate) struct LoopHandle {
    stop: watch::Sender<bool>,
    disable_end_staleness: Arc<AtomicBool>,
    pub(crate) cache: Arc<Mutex<ScrapeCache>>,
    task: JoinHandle<()>,
}

impl LoopHandle {
    pub(crate) fn spawn(
        runtime: &tokio::runtime::Handle,
        ctx: LoopContext,
        shutdown: watch::Receiver<bool>,
    ) -> LoopHandle {
        let (stop, stop_rx) = watch::channel(false);
        let disable_end_staleness = Arc::new(AtomicBool::new(false));
        let cache = ctx.cache.clone();
        *ctx.target.metadata.lock() = cache.lock().metadata.clone();
        let task = runtime.spawn(run(
            Arc::new(ctx),
            stop_rx,
            shutdown,
            disable_end_staleness.clone(),
        ));
        LoopHandle {
            stop,
            disable_end_staleness,
            cache,
            task,
        }
    }

    /// Stops scraping. Unless `keep_series` (a successor loop takes over the cache), the
    /// task then writes end-of-run staleness markers about two intervals later.
    pub(crate) fn stop(self, keep_series: bool) -> JoinHandle<()> {
        if keep_series {
            self.disable_end_staleness.store(true, Ordering::SeqCst);
        }
        let _ = self.stop.send(true);
        self.task
    }
}

async fn stopped(rx: &mut watch::Receiver<bool>) {
    // A dropped sender counts as a stop.
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

async fn run(
    ctx: Arc<LoopContext>,
    mut stop: watch::Receiver<bool>,
    mut shutdown: watch::Receiver<bool>,
    disable_end_staleness: Arc<AtomicBool>,
) {
    let interval = ctx.target.interval.max(Duration::from_millis(1));
    let interval_label = format_duration(interval);
    let offset = ctx.target.offset_ms(ctx.clock.now_ms(), ctx.offset_seed);
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(offset.max(0) as u64)) => {}
        _ = stopped(&mut stop) => return,
        _ = stopped(&mut shutdown) => return,
    }
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last: Option<tokio::time::Instant> = None;
    let mut state = LoopState {
        url: ScrapeUrl::new(&ctx.target.url, ctx.target.timeout),
        body_size_hint: 0,
    };
    loop {
        tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => return,
            _ = stopped(&mut stop) => break,
            _ = ticker.tick() => {}
        }
        let now = tokio::time::Instant::now();
        if let Some(prev) = last {
            ctx.metrics
                .observe_interval(&interval_label, (now - prev).as_secs_f64());
        }
        last = Some(now);
        scrape_and_report(&ctx, &mut state).await;
    }
    if last.is_some() && !disable_end_staleness.load(Ordering::SeqCst) {
        end_of_run_staleness(&ctx, interval, &mut shutdown, &disable_end_staleness).await;
    }
}

/// What a loop carries from one scrape to the next.
pub(crate) struct LoopState {
    url: ScrapeUrl,
    /// Size of the last body, to allocate the next one at once.
    body_size_hint: usize,
}

/// Prometheus's `scrapeAndReport`: one fetch, one appender, one commit.
pub(crate) async fn scrape_and_report(ctx: &LoopContext, state: &mut LoopState) {
    let start_ms = ctx.clock.now_ms();
    let started = tokio::time::Instant::now();
    let forced = ctx.forced_error.lock().clone();
    let fetched = match forced {
        Some(e) => Err(ScrapeError::Target(e)),
        None => {
            ctx.client
                .scrape(&state.url, ctx.target.timeout, state.body_size_hint)
                .await
        }
    };
    if matches!(fetched, Err(ScrapeError::BodySizeLimitExceeded)) {
        inc(&ctx.metrics.exceeded_body_size_limit);
    }
    let body_bytes: i64 = match &fetched {
        Ok(b) => b.body.len() as i64,
        Err(ScrapeError::BodySizeLimitExceeded) => -1,
        Err(_) => 0,
    };
    let (body, content_type, mut scrape_err) = match fetched {
        Ok(b) => (b.body, b.content_type, None),
        Err(e) => (Vec::new(), String::new(), Some(e)),
    };
    let mut cache = ctx.cache.lock();
    let mut app = ctx.appendable.appender();
    let now_ms = ctx.clock.now_ms();
    let (counts, appended) = append_body(
        &ctx.settings,
        &ctx.metrics,
        &mut cache,
        app.as_mut(),
        &body,
        &content_type,
        start_ms,
        now_ms,
    );
    if let Err(e) = appended {
        tracing::debug!(target = %ctx.target.url, err = %e, "append failed");
        let _ = app.rollback();
        app = ctx.appendable.appender();
        // Like a failed fetch: only staleness markers.
        let (_, again) = append_body(
            &ctx.settings,
            &ctx.metrics,
            &mut cache,
            app.as_mut(),
            &[],
            "",
            start_ms,
            now_ms,
        );
        if again.is_err() {
            let _ = app.rollback();
            app = ctx.appendable.appender();
        }
        if scrape_err.is_none() {
            scrape_err = Some(e);
        }
    }
    let duration = started.elapsed().as_secs_f64();
    let up = scrape_err.is_none();
    ctx.target
        .report(start_ms, duration, scrape_err.map(|e| e.to_string()));
    let reported = append_report(
        &ctx.settings,
        &mut cache,
        app.as_mut(),
        start_ms,
        Some(Report {
            up,
            duration_seconds: duration,
            counts,
            body_bytes,
        }),
    );
    finish(app, reported, &ctx.target.url);
    drop(cache);
    if !body.is_empty() {
        state.body_size_hint = body.len();
    }
    ctx.client.recycle(body);
}

fn finish(mut app: Box<dyn Appender>, reported: Result<(), ScrapeError>, url: &str) {
    match reported {
        Ok(()) => {
            if let Err(e) = app.commit() {
                tracing::error!(target = %url, err = %e, "scrape commit failed");
            }
        }
        Err(e) => {
            tracing::warn!(target = %url, err = %e, "appending scrape report failed");
            let _ = app.rollback();
        }
    }
}

async fn end_of_run_staleness(
    ctx: &LoopContext,
    interval: Duration,
    shutdown: &mut watch::Receiver<bool>,
    disabled: &AtomicBool,
) {
    // The marker's timestamp is when the next scrape would have been; it is written
    // only after the scrape after that, so a recreated target wins.
    tokio::select! {
        _ = tokio::time::sleep(interval) => {}
        _ = stopped(shutdown) => return,
    }
    let stale_t = ctx.clock.now_ms();
    tokio::select! {
        _ = tokio::time::sleep(interval + interval / 10) => {}
        _ = stopped(shutdown) => return,
    }
    if disabled.load(Ordering::SeqCst) {
        return;
    }
    let mut cache = ctx.cache.lock();
    let mut app = ctx.appendable.appender();
    let (_, r) = append_body(
        &ctx.settings,
        &ctx.metrics,
        &mut cache,
        app.as_mut(),
        &[],
        "",
        stale_t,
        stale_t,
    );
    if r.is_err() {
        let _ = app.rollback();
        app = ctx.appendable.appender();
    }
    let reported = append_report(&ctx.settings, &mut cache, app.as_mut(), stale_t, None);
    finish(app, reported, &ctx.target.url);
}
