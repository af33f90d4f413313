//! The accept loop: hyper's HTTP/1 connection driver with its header-read timeout, instead of
//! `axum::serve`, which sets no timer (so a connection that never finishes its headers was held
//! for ever, and 1,024 of them stopped all service). A connection must deliver each request's
//! headers within `header_read_timeout_ms` of being opened or of its previous answer; that one
//! timer also closes idle keep-alive connections. Bodies and handlers are bounded by
//! `request_timeout_ms` (`routes::limit`).

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use axum::serve::Listener;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::watch;

use crate::server::connections::LimitedListener;

/// Serves `app` on `listener` until `stop` completes, then stops accepting, lets every
/// connection finish the request it is serving (idle ones are closed) and returns.
pub async fn serve(
    mut listener: LimitedListener,
    app: Router,
    header_read_timeout: Duration,
    stop: impl Future<Output = ()>,
) {
    // Every connection task holds a clone of `open`; `all_closed` resolves when none is left.
    let (all_closed, open) = watch::channel(());
    let (stopping_tx, stopping) = watch::channel(false);
    let mut stop = pin!(stop);
    loop {
        let (io, _peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let mut stopping = stopping.clone();
        let open = open.clone();
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            let mut conn = pin!(builder.serve_connection(TokioIo::new(io), service));
            let stop = async move {
                // An error means the loop is gone: stop as well.
                let _ = stopping.wait_for(|s| *s).await.map(|_| ());
            };
            let ended = tokio::select! {
                result = conn.as_mut() => Some(result),
                () = stop => None,
            };
            let result = match ended {
                Some(result) => result,
                None => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                tracing::debug!("connection ended: {e}");
            }
            drop(open);
        });
    }
    drop(listener);
    stopping_tx.send_replace(true);
    drop(open);
    all_closed.closed().await;
}

/// Raises this process's open-file limit (soft, up to the hard limit) so that
/// `max_connections` sockets fit beside the store's files, as Go's runtime does at start; and
/// returns how many connections fit (`wanted`, or fewer if the hard limit is lower).
pub fn fit_connections(wanted: usize) -> usize {
    /// Descriptors kept for the store (sled, index files, HEAD), logs and backups.
    const RESERVE: u64 = 256;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return wanted;
    }
    let needed = wanted as u64 + RESERVE;
    if limit.rlim_cur < needed && limit.rlim_max > limit.rlim_cur {
        let raised = libc::rlimit {
            rlim_cur: needed.min(limit.rlim_max),
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit reads one rlimit struct we own.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit.rlim_cur = raised.rlim_cur;
        }
    }
    let fit = usize::try_from(limit.rlim_cur.saturating_sub(RESERVE)).unwrap_or(wanted);
    if fit < wanted {
        tracing::warn!(
            wanted,
            fit,
            "the open-file limit (ulimit -n {}) leaves room for only {fit} connections",
            limit.rlim_cur
        );
    }
    wanted.min(fit.max(1))
}
