//! The promlite server: opens the TSDB, starts scraping, rule evaluation, notification
//! and remote write, serves the HTTP API, and handles reloads and shutdown.

mod process;
mod reload;
mod self_metrics;
mod settings;
mod sources;
mod web;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use promlite_http::{
    router, ApiState, LenientListener, PromqlEngine, Readiness, ReadyState, RuntimeInfo,
    SharedValue,
};
use promlite_model::Labels;
use promlite_remote::{Fanout, RemoteWriteManager};
use promlite_rules::{EngineQuerier, Notifier, NotifierOptions, RuleManager, RuleManagerDeps};
use promlite_scrape::{ScrapeManager, ScrapeManagerOptions};
use promlite_storage::{Appendable, Queryable, StorageAdmin};

use crate::cli::ServerFlags;
use reload::{Reloader, SelfScrape, ServerLifecycle};
use self_metrics::{ReloadStatus, SelfMetrics};

/// Runs the server until SIGINT/SIGTERM or `/-/quit`; returns the exit code.
pub fn run(flags: ServerFlags) -> anyhow::Result<i32> {
    crate::logging::init(&flags.log_level, &flags.log_format)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("promlite")
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(flags))
}

async fn serve(flags: ServerFlags) -> anyhow::Result<i32> {
    let clock = settings::system_clock();
    let start_ms = clock.now_ms();
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "Starting promlite");

    if let Some(file) = &flags.web_config_file {
        anyhow::bail!(
            "--web.config.file={file}: TLS and authentication are not supported by promlite; \
             serve it behind a reverse proxy that provides them"
        );
    }
    let host = hostname();
    let web = web::web_settings(&flags, &host)?;
    let cors_origin = web::cors_origin(&flags.web_cors_origin)?;
    let flush_deadline = settings::remote_flush_deadline(&flags)?;
    let self_scrape = SelfScrape {
        address: settings::self_scrape_address(&flags.web_listen_address),
        metrics_path: match web.route_prefix.as_str() {
            "/" => "/metrics".to_string(),
            prefix => format!("{prefix}/metrics"),
        },
    };
    let features = settings::features(&flags);
    let bootstrap = Reloader::load_config(
        flags.config_file.as_deref(),
        &self_scrape,
        features.extra_scrape_metrics,
    )
    .map_err(|e| anyhow::anyhow!(e))?;

    let tsdb_opts = settings::tsdb_options(&flags, &bootstrap, clock.clone())?;
    let retention_text = describe_retention(&tsdb_opts);
    let data_dir = PathBuf::from(&flags.storage_tsdb_path);
    tracing::info!(path = %data_dir.display(), "Opening storage");
    let db = tokio::task::spawn_blocking({
        let dir = data_dir.clone();
        move || promlite_tsdb::Db::open(&dir, tsdb_opts)
    })
    .await
    .context("opening storage")?
    .with_context(|| format!("opening storage at {}", data_dir.display()))?;
    tracing::info!("TSDB started");

    let handle = tokio::runtime::Handle::current();
    let engine_options = settings::engine_options(&flags, &bootstrap, &features)?;
    let lookback_delta_ms = engine_options.lookback_delta_ms;
    let engine = promlite_promql::Engine::new(engine_options);
    let queryable: Arc<dyn Queryable> = Arc::new(db.clone());
    let remote = Arc::new(RemoteWriteManager::new(handle.clone(), clock.clone()));
    let appendable: Arc<dyn Appendable> = Arc::new(Fanout::new(db.clone(), remote.clone()));

    let scrape = Arc::new(ScrapeManager::new(
        appendable.clone(),
        clock.clone(),
        ScrapeManagerOptions {
            offset_seed: bootstrap.global.external_labels.stable_hash(),
        },
    ));
    let notifier = Arc::new(Notifier::new(NotifierOptions {
        queue_capacity: flags.alertmanager_notification_queue_capacity,
        ..NotifierOptions::default()
    }));
    tokio::spawn({
        let notifier = notifier.clone();
        async move { notifier.run().await }
    });
    let rules = Arc::new(RuleManager::new(
        settings::rule_options(&flags, &web.external_url, &features)?,
        RuleManagerDeps {
            clock: clock.clone(),
            querier: Arc::new(
                EngineQuerier::new(engine.clone(), queryable.clone())
                    .with_parse_options(features.parse),
            ),
            appendable: appendable.clone(),
            queryable: queryable.clone(),
            sender: Some(notifier.clone()),
        },
    ));

    let (shutdown_tx, mut shutdown_rx) = tokio::sync::watch::channel(false);
    let reload_status = Arc::new(ReloadStatus::default());
    let config_yaml = SharedValue::new(String::new());
    let external_labels = SharedValue::new(Labels::empty());
    let reloader = Arc::new(Reloader {
        config_file: flags.config_file.as_ref().map(PathBuf::from),
        self_scrape,
        extra_scrape_metrics_default: features.extra_scrape_metrics,
        scrape: scrape.clone(),
        rules: rules.clone(),
        notifier: notifier.clone(),
        remote: remote.clone(),
        config_yaml: config_yaml.clone(),
        external_labels: external_labels.clone(),
        status: reload_status.clone(),
        clock: clock.clone(),
        engine: engine.clone(),
        in_progress: std::sync::Mutex::new(()),
    });
    reloader
        .apply(&bootstrap)
        .map_err(|e| anyhow::anyhow!("applying configuration: {e}"))?;
    reload_status
        .last_success
        .store(1, std::sync::atomic::Ordering::Relaxed);
    reload_status
        .last_success_time_ms
        .store(clock.now_ms(), std::sync::atomic::Ordering::Relaxed);
    rules.start(&handle);

    let readiness = Readiness::new(ReadyState::NotReady);
    let runtime_info = RuntimeInfo {
        start_time_ms: start_ms,
        cwd: std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        hostname: host,
        gomaxprocs: std::thread::available_parallelism()
            .map(|n| n.get() as i64)
            .unwrap_or(1),
        storage_retention: retention_text,
        ..RuntimeInfo::default()
    };
    let admin: Arc<dyn StorageAdmin> = Arc::new(db.clone());
    let scrape_source = Arc::new(sources::ScrapeSource {
        manager: scrape.clone(),
        listen_address: flags.web_listen_address.clone(),
        external_url: web.external_url.clone(),
    });
    let builder = ApiState::builder(queryable.clone())
        .engine(Arc::new(
            PromqlEngine::new(engine.clone(), queryable.clone()).with_parse_options(features.parse),
        ))
        .clock(clock.clone())
        .targets(scrape_source.clone())
        .metadata(scrape_source)
        .rules(Arc::new(sources::RulesSource(rules.clone())))
        .alertmanagers(Arc::new(sources::AlertmanagersSource(notifier.clone())))
        .lifecycle(Arc::new(ServerLifecycle {
            reloader: reloader.clone(),
            shutdown: shutdown_tx.clone(),
        }))
        .metrics(Arc::new(SelfMetrics {
            tsdb: Arc::new(db.clone()),
            scrape: scrape.clone(),
            notifier: notifier.clone(),
            rules: rules.clone(),
            remote: remote.clone(),
            reload: reload_status.clone(),
            start_time_s: start_ms as f64 / 1000.0,
        }))
        .runtime_info(Arc::new(sources::ServerRuntimeInfo {
            fixed: runtime_info,
            reload: reload_status.clone(),
        }))
        .health(Arc::new(sources::TsdbHealth(Arc::new(db.clone()))))
        .config_yaml(config_yaml)
        .external_labels(external_labels)
        .flags(flags.as_pairs().into_iter().collect())
        .readiness(readiness.clone())
        .enable_lifecycle(flags.web_enable_lifecycle)
        .cors_origin(cors_origin)
        .max_concurrent_queries(
            usize::try_from(flags.query_max_concurrency)
                .unwrap_or(1)
                .max(1),
        )
        .lookback_delta_ms(lookback_delta_ms);
    // The admin handle also serves /api/v1/status/tsdb; the flag only gates the
    // delete and tombstone endpoints.
    let builder = builder
        .admin(admin)
        .enable_admin_api(flags.web_enable_admin_api);
    let mut app = router(builder.build());
    if flags.web_enable_remote_write_receiver {
        app = app.merge(remote_write_route(appendable.clone(), clock.clone()));
    }
    let app = web::under_route_prefix(app, &web.route_prefix);

    let listener = tokio::net::TcpListener::bind(&flags.web_listen_address)
        .await
        .with_context(|| format!("listening on {}", flags.web_listen_address))?;
    tracing::info!(address = %flags.web_listen_address, "Listening on");
    readiness.set(ReadyState::Ready);
    tracing::info!("Server is ready to receive web requests.");

    tokio::spawn(handle_signals(reloader.clone(), shutdown_tx.clone()));
    let serve =
        axum::serve(LenientListener::new(listener), app).with_graceful_shutdown(async move {
            while !*shutdown_rx.borrow() {
                if shutdown_rx.changed().await.is_err() {
                    break;
                }
            }
        });
    serve.await.context("serving HTTP")?;

    tracing::info!("Stopping scrape manager, rule manager and notifier");
    readiness.set(ReadyState::Stopping);
    scrape.stop().await;
    rules.stop();
    notifier.shutdown().await;
    remote.shutdown(flush_deadline).await;
    tokio::task::spawn_blocking(move || db.close())
        .await
        .context("closing storage")?
        .context("closing storage")?;
    tracing::info!("See you next time!");
    Ok(0)
}

/// SIGHUP reloads; SIGINT and SIGTERM start a clean shutdown.
async fn handle_signals(reloader: Arc<Reloader>, shutdown: tokio::sync::watch::Sender<bool>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut hup), Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::hangup()),
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    loop {
        tokio::select! {
            _ = hup.recv() => {
                let r = reloader.clone();
                let _ = tokio::task::spawn_blocking(move || r.reload()).await;
            }
            _ = term.recv() => { tracing::warn!("Received SIGTERM, exiting gracefully..."); break; }
            _ = int.recv() => { tracing::warn!("Received SIGINT, exiting gracefully..."); break; }
        }
    }
    let _ = shutdown.send(true);
}

/// `POST /api/v1/write` (with `--web.enable-remote-write-receiver`).
fn remote_write_route(
    appendable: Arc<dyn Appendable>,
    clock: promlite_model::SharedClock,
) -> axum::Router {
    use axum::http::{HeaderMap, StatusCode};
    let receiver = Arc::new(promlite_remote::RemoteWriteReceiver::new(appendable, clock));
    axum::Router::new().route(
        "/api/v1/write",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let receiver = receiver.clone();
            async move {
                let resp =
                    tokio::task::spawn_blocking(move || receiver.handle(&headers, &body)).await;
                match resp {
                    Ok(r) => (r.status, r.body),
                    Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
                }
            }
        }),
    )
}

fn describe_retention(o: &promlite_tsdb::Options) -> String {
    let mut parts = Vec::new();
    if o.retention_time_ms > 0 {
        parts.push(promlite_config::format_duration(Duration::from_millis(
            o.retention_time_ms as u64,
        )));
    }
    if o.retention_size_bytes > 0 {
        parts.push(promlite_config::format_base2_bytes(o.retention_size_bytes));
    }
    parts.join(" or ")
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}
