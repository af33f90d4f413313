//! `socai serve`: the HTTP/JSON API (axum on tokio). One process owns the store; one writer
//! thread owns the `Ledger` and group-commits appends (`writer`); queries read a copy of the
//! acknowledged log (`log_view`). With `cli`, the only module that touches sockets.

pub mod api_error;
mod appends;
pub mod audit;
pub mod auth;
pub mod body;
pub mod config;
pub mod connections;
pub mod csrf;
pub mod dashboard;
pub mod event_pages;
pub mod guard;
pub mod handlers;
mod handlers_pay;
pub mod indexed;
pub mod language;
pub mod log_view;
pub mod opening;
pub mod probes;
pub mod province;
pub mod province_report;
pub mod query;
pub mod routes;
pub mod serve_loop;
pub mod stored;
pub mod verified;
pub mod verify_gate;
pub mod writer;

use crate::app::error::Problem;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio::sync::{Semaphore, watch};

use crate::ledger::Ledger;
use crate::storage::{Store, StoreError};
use config::{Config, Credential, Limits};

/// What every request handler shares.
pub struct AppState {
    pub log: Arc<log_view::LogView>,
    pub writer: writer::WriterHandle,
    /// The store's directory (its index files are read beside the log).
    pub dir: PathBuf,
    /// How far the store is verified; its reader once it is.
    pub verification: Arc<verified::Verification>,
    pub auth: auth::Auth,
    pub credentials: Vec<Credential>,
    pub limits: Limits,
    pub stats: Arc<writer::Stats>,
    /// False once a write or a verification failed: appends are refused, /readyz says so.
    pub store_ok: Arc<AtomicBool>,
    /// Becomes true when a shutdown signal arrives: streams end, /readyz says so.
    pub shutdown: watch::Receiver<bool>,
    pub requests: Arc<Semaphore>,
    pub streams: Arc<Semaphore>,
    /// The store's unit (`GET /v1/unit`), read before the full open, which checks it (a
    /// different one fails the store).
    pub unit: Option<crate::storage::UnitRecord>,
    /// One `/v1/verify` at a time: each holds a copy of the whole log (about 180 MB at 210k
    /// events), so concurrent ones could exhaust memory. Others get 503 `verify_busy`.
    pub verifying: Arc<Semaphore>,
    /// Signs the dashboard forms' CSRF tokens.
    pub csrf: csrf::Csrf,
    /// Cookies are `Secure` (see `Config::behind_tls_proxy`).
    pub tls_proxy: bool,
}

pub struct ServeOptions {
    pub db: PathBuf,
    pub listen: Option<String>,
    pub config: Option<PathBuf>,
}

#[derive(Debug)]
pub enum ServeError {
    /// Bad options or configuration.
    Usage(String),
    /// Bad options or configuration, worded by the catalogue (`present::app_errors`).
    Refused(crate::app::error::Problem),
    Store(StoreError),
    /// The socket or runtime could not be set up.
    Io(String),
}

/// Opens the store, listens, serves until SIGTERM or SIGINT (or until the store fails the
/// verification its writer runs in the background), then stops accepting, finishes
/// the requests in progress, lets the writer drain its queue and closes the store.
/// `on_listening` is told the bound address once the socket accepts connections.
pub fn run(opts: ServeOptions, on_listening: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let config = load_config(opts.config.as_deref())?;
    let addr = listen_addr(opts.listen.as_deref(), &config)?;
    let (shutdown_tx, shutdown) = watch::channel(false);
    let common = Common::new(&config, shutdown);
    let served = open_store(&opts.db, &config, &common, true)?;
    let app = routes::router(served.state.clone());
    let stop = (shutdown_tx, &common);
    let result = serve_app(addr, app, &config.limits, stop, on_listening);
    close(vec![served]).and(result)
}

/// Reads and validates the config file (defaults without one).
pub(crate) fn load_config(path: Option<&Path>) -> Result<Config, ServeError> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let path = path.to_path_buf();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let cause = e.into();
        ServeError::Refused(Problem::ConfigUnreadable {
            path: path.clone(),
            cause,
        })
    })?;
    Config::parse(&text).map_err(|defect| {
        ServeError::Refused(Problem::ConfigInvalid {
            path: Some(path),
            defect,
        })
    })
}

/// The address to listen on; without credentials, only a loopback one.
pub(crate) fn listen_addr(listen: Option<&str>, config: &Config) -> Result<SocketAddr, ServeError> {
    let listen = listen
        .or(config.listen.as_deref())
        .unwrap_or(config::DEFAULT_LISTEN);
    let addr = config::parse_listen(listen)
        .map_err(|defect| ServeError::Refused(Problem::ConfigInvalid { path: None, defect }))?;
    if config.credentials.is_empty() && !addr.ip().is_loopback() {
        return Err(ServeError::Refused(Problem::OpenListen { addr }));
    }
    if config.credentials.is_empty() {
        tracing::warn!("no credentials configured: every local client has full access");
    }
    Ok(addr)
}

/// What every store a server serves shares: the request, stream and verification bounds hold
/// for the server as a whole, however many stores it serves.
pub(crate) struct Common {
    requests: Arc<Semaphore>,
    streams: Arc<Semaphore>,
    verifying: Arc<Semaphore>,
    shutdown: watch::Receiver<bool>,
    /// Told by a writer whose store failed its verification: the server stops.
    failed: Arc<tokio::sync::Notify>,
}

impl Common {
    pub(crate) fn new(config: &Config, shutdown: watch::Receiver<bool>) -> Common {
        Common {
            requests: Arc::new(Semaphore::new(config.limits.max_concurrent_requests)),
            streams: Arc::new(Semaphore::new(config.limits.max_streams)),
            verifying: Arc::new(Semaphore::new(1)),
            shutdown,
            failed: Arc::new(tokio::sync::Notify::new()),
        }
    }

    pub(crate) fn requests(&self) -> &Arc<Semaphore> {
        &self.requests
    }
}

/// One store opened for serving: what its handlers share, and the writer thread that owns
/// its ledger (joined at the end, when it has drained its queue).
pub(crate) struct Served {
    pub state: Arc<AppState>,
    /// The source of a replica (it takes no appends of its own).
    pub replica_of: Option<String>,
    writer: std::thread::JoinHandle<Result<Ledger, StoreError>>,
}

/// Opens (or creates) a store and starts its writer, which verifies it in the background
/// (`opening`, `verified`): the server listens at once. `prepare_appends`: see `Opening`.
pub(crate) fn open_store(
    db: &Path,
    config: &Config,
    common: &Common,
    prepare_appends: bool,
) -> Result<Served, ServeError> {
    // Read without verifying (a credential's scope, a province's route); the full open
    // compares them with the verified store's and fails it if they differ.
    let unit = Store::read_unit(db).map_err(ServeError::Store)?;
    let replica_of = Store::read_replica_of(db).map_err(ServeError::Store)?;
    let log = Arc::new(
        log_view::LogView::new(Vec::new(), Vec::new())
            .with_unit(unit.as_ref().map(|r| r.unit.clone())),
    );
    let verification = Arc::new(verified::Verification::default());
    let opening = opening::Opening {
        dir: db.to_path_buf(),
        options: crate::ledger::Options {
            // Queries read the records in the view and the index files, so sled's pages
            // serve only the appends (the tail of the tree), the stored envelopes of
            // `?stored=true` pages and `/v1/verify`. sled's default (1 GiB) kept the pages of
            // the whole verifying scan: about 280 MB at 1M events.
            sled_cache: Some(crate::ledger::SMALL_SLED_CACHE),
            ..crate::app::settings::ledger_options()
        },
        unit: unit.clone(),
        replica_of: replica_of.clone(),
        verification: verification.clone(),
        stop: common.failed.clone(),
        prepare_appends,
    };
    let scope = auth::Scope::Store(unit.as_ref().map(|u| u.unit.code.clone()));
    let stats = Arc::new(writer::Stats::default());
    let store_ok = Arc::new(AtomicBool::new(true));
    // An append waiting for a writer not yet ready gives up a tenth before the request's
    // limit, so its client is told that nothing was written rather than that it may have been.
    let limit = config.limits.request_timeout_ms;
    let ready_wait = std::time::Duration::from_millis(limit - limit / 10);
    let (writer, writer_thread) = writer::start(
        opening,
        log.clone(),
        (stats.clone(), store_ok.clone()),
        (config.limits.append_queue, ready_wait),
    )
    .map_err(|e| ServeError::Io(format!("cannot start the writer: {e}")))?;
    let state = Arc::new(AppState {
        log,
        writer,
        dir: db.to_path_buf(),
        verification,
        auth: auth::Auth::new(&config.credentials, scope),
        credentials: config.credentials.clone(),
        requests: common.requests.clone(),
        streams: common.streams.clone(),
        verifying: common.verifying.clone(),
        csrf: csrf::Csrf::new(),
        tls_proxy: config.behind_tls_proxy,
        limits: config.limits.clone(),
        stats,
        store_ok,
        shutdown: common.shutdown.clone(),
        unit,
    });
    Ok(Served {
        state,
        replica_of,
        writer: writer_thread,
    })
}

/// Listens on `addr` and serves `app` until SIGTERM or SIGINT; then stops accepting and
/// finishes the requests in progress.
pub(crate) fn serve_app(
    addr: SocketAddr,
    app: axum::Router,
    limits: &Limits,
    (shutdown_tx, common): (watch::Sender<bool>, &Common),
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let failed = common.failed.clone();
    let max_connections = serve_loop::fit_connections(limits.max_connections);
    let header_read_timeout = std::time::Duration::from_millis(limits.header_read_timeout_ms);
    let request_timeout = std::time::Duration::from_millis(limits.request_timeout_ms);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError::Io(format!("cannot start the runtime: {e}")))?;
    let served = runtime.block_on(async move {
        // Handlers are in place before anyone is told the address: a SIGTERM right after it
        // must stop the server gracefully, not kill it.
        let signals = Signals::install()
            .map_err(|e| ServeError::Io(format!("cannot listen for signals: {e}")))?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| ServeError::Io(format!("cannot listen on {addr}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| ServeError::Io(e.to_string()))?;
        tracing::info!(%bound, "listening");
        on_listening(bound);
        // A client that reads nothing of an answer for as long as a request may take loses
        // its connection.
        let listener =
            connections::LimitedListener::new(listener, max_connections, request_timeout);
        serve_loop::serve(listener, app, header_read_timeout, async move {
            tokio::select! {
                _ = signals.recv() => {}
                _ = failed.notified() => tracing::error!("a store failed its verification: stopping"),
            }
            tracing::info!("shutting down: no new connections; finishing requests in progress");
            shutdown_tx.send_replace(true);
        })
        .await;
        Ok::<(), ServeError>(())
    });
    // Every request has been answered; drop whatever tasks remain (and their writer handles)
    // so the writers see their queues closed, drain them and hand the ledgers back.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    served
}

/// Waits for each store's writer to drain its queue, and closes the stores.
pub(crate) fn close(served: Vec<Served>) -> Result<(), ServeError> {
    let mut result = Ok(());
    for Served { state, writer, .. } in served {
        // The writer's queue closes when the last handle (in the state) is gone.
        drop(state);
        match writer.join() {
            Ok(Ok(ledger)) => drop(ledger),
            Ok(Err(e)) => result = Err(ServeError::Store(e)),
            Err(_) => result = Err(ServeError::Io("a writer thread panicked".to_string())),
        }
    }
    tracing::info!("store closed");
    result
}

struct Signals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    async fn recv(mut self) {
        tokio::select! {
            _ = self.terminate.recv() => tracing::info!("SIGTERM received"),
            _ = self.interrupt.recv() => tracing::info!("SIGINT received"),
        }
    }
}
