//! Group commit: one thread owns the `Ledger` and is fed append requests through a bounded
//! queue. It takes whatever is queued (up to `MAX_GROUP_EVENTS`), validates each request's
//! batch in turn (each all or nothing, accepted or refused on its own), makes every accepted
//! batch durable with ONE store append and fsync (`Ledger::append_many`), publishes the new
//! records to the read side, and only then answers each request. Many clients appending one
//! event each therefore share fsyncs instead of queueing for one each, and every
//! acknowledgement still means durable.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;

use chrono::Utc;
use tokio::sync::{mpsc, oneshot};

use crate::core::event::Event;
use crate::ledger::{AppendError, Appended, Ledger};
use crate::server::log_view::LogView;
use crate::server::opening::Opening;
use crate::server::verified::Verification;
use crate::storage::{Hash, StoreError};

/// Most events one group commit takes from the queue (a request is never split).
pub const MAX_GROUP_EVENTS: usize = 100_000;

struct Append {
    events: Vec<Event>,
    reply: oneshot::Sender<Result<Appended, AppendError>>,
}

/// A verified copy of the log, taken by the writer between two groups, so it is the log as of
/// one sequence while appends keep queueing.
struct Backup {
    dest: PathBuf,
    reply: oneshot::Sender<Result<(u64, Hash), StoreError>>,
}

enum Job {
    Append(Append),
    Backup(Backup),
}

/// Counters shown to admins (GET /v1/admin/stats).
#[derive(Default)]
pub struct Stats {
    pub commits: AtomicU64,
    pub requests: AtomicU64,
    pub events_appended: AtomicU64,
    pub largest_group: AtomicU64,
}

/// Why an append got no answer from the ledger.
#[derive(Debug)]
pub enum Refused {
    /// The queue is full: the server is saturated.
    QueueFull,
    /// The writer has stopped (shutdown, or it failed).
    Stopped,
    /// The writer was still verifying the store or preparing for appends when the append's
    /// wait ran out: nothing of it was written, nor will be.
    NotReady,
    /// The wait ran out once the writer was ready: the batch may have been written.
    Unknown,
}

#[derive(Clone)]
pub struct WriterHandle {
    tx: mpsc::Sender<Job>,
    store_ok: Arc<AtomicBool>,
    verification: Arc<Verification>,
    /// How long an append waits for a writer not yet ready (within the request's limit, so
    /// that the client is told the outcome rather than that it is unknown).
    ready_wait: std::time::Duration,
}

/// The error every append gets once the store failed: the server must be restarted (which
/// re-verifies the store and recovers a batch sled took but HEAD did not name).
fn unavailable() -> StoreError {
    StoreError::Io(
        "an earlier write or verification failed; this server takes no more appends until it is restarted (a batch whose outcome was unknown may be re-sent then: appends are idempotent)"
            .to_string(),
    )
}

/// When an append that waits for a writer not yet ready gives up: `ready_wait` after its
/// request reached the server, however long it waited for the verification before it was
/// queued (one deadline for both waits, so that the request's own limit never ends it first).
#[derive(Clone, Copy, Debug)]
pub struct AppendDeadline(pub tokio::time::Instant);

impl WriterHandle {
    /// `append_by`, for a request that reaches the writer now (the dashboard's form).
    pub async fn append(
        &self,
        events: Vec<Event>,
    ) -> Result<Result<Appended, AppendError>, Refused> {
        self.append_by(events, self.deadline()).await
    }

    /// The deadline of an append whose request reaches the server now.
    pub fn deadline(&self) -> AppendDeadline {
        AppendDeadline(tokio::time::Instant::now() + self.ready_wait)
    }

    /// Queues a batch and waits for its durable outcome. This is the one gate every append
    /// path passes (the API and the dashboard form alike): once the store failed a write or a
    /// verification, nothing more is queued, so a damaged store is never written over.
    pub async fn append_by(
        &self,
        events: Vec<Event>,
        AppendDeadline(deadline): AppendDeadline,
    ) -> Result<Result<Appended, AppendError>, Refused> {
        if !self.store_ok.load(Ordering::SeqCst) {
            return Ok(Err(AppendError::Store(unavailable())));
        }
        let (reply, mut answer) = oneshot::channel();
        self.send(Job::Append(Append { events, reply }))?;
        if self.verification.takes_appends() {
            return answer.await.map_err(|_| Refused::Stopped);
        }
        match tokio::time::timeout_at(deadline, &mut answer).await {
            Ok(outcome) => outcome.map_err(|_| Refused::Stopped),
            Err(_) => Err(self.give_up(answer)),
        }
    }

    /// Abandons an append whose wait ran out. Closed first, then the writer looked at: it
    /// says it is ready before it gathers a group and drops a closed batch when it does, so
    /// a writer still not ready now (or whose open failed) will never write this one.
    fn give_up(&self, mut answer: oneshot::Receiver<Result<Appended, AppendError>>) -> Refused {
        answer.close();
        match self.verification.takes_appends() {
            true => Refused::Unknown,
            false => Refused::NotReady,
        }
    }

    /// Queues a backup into `dest` (a new or empty directory) and waits for its outcome: the
    /// head the copy holds, after the copy was reopened and fully verified.
    pub async fn backup(&self, dest: PathBuf) -> Result<Result<(u64, Hash), StoreError>, Refused> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Backup(Backup { dest, reply }))?;
        answer.await.map_err(|_| Refused::Stopped)
    }

    fn send(&self, job: Job) -> Result<(), Refused> {
        self.tx.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => Refused::QueueFull,
            mpsc::error::TrySendError::Closed(_) => Refused::Stopped,
        })
    }
}

/// Starts the writer thread. It ends when every handle is dropped, after answering what was
/// queued; it returns the ledger so that the caller decides when the store is closed.
/// The thread first opens and verifies the store (`Opening`): appends wait in the queue
/// meanwhile; it returns the open's error when that failed.
pub fn start(
    opening: Opening,
    log: Arc<LogView>,
    (stats, store_ok): (Arc<Stats>, Arc<AtomicBool>),
    (queue, ready_wait): (usize, std::time::Duration),
) -> std::io::Result<(WriterHandle, JoinHandle<Result<Ledger, StoreError>>)> {
    let (tx, rx) = mpsc::channel(queue);
    let handle = WriterHandle {
        tx,
        store_ok: store_ok.clone(),
        verification: opening.verification.clone(),
        ready_wait,
    };
    let thread = std::thread::Builder::new()
        .name("socai-writer".into())
        .spawn(move || {
            // Should the thread ever die, the server must say so (/readyz) rather than keep
            // answering that it is ready while every append waits for nobody.
            let _failed_if_unwinding = MarkFailedOnPanic(&store_ok);
            let prepare = opening.prepare_appends;
            let verification = opening.verification.clone();
            let mut ledger = opening.open(&log, &store_ok)?;
            if prepare {
                prepare_appends(&mut ledger, &log, &verification);
            }
            Ok(run(ledger, rx, (&log, &stats, &store_ok), &verification))
        })?;
    Ok((handle, thread))
}

struct MarkFailedOnPanic<'a>(&'a AtomicBool);

impl Drop for MarkFailedOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(false, Ordering::SeqCst);
        }
    }
}

/// Makes what appends need (the index writer's state), once, and says so.
fn prepare_appends(ledger: &mut Ledger, log: &LogView, verification: &Verification) {
    if !verification.takes_appends() {
        index_from_view(ledger, log);
        verification.appends_ready();
    }
}

fn run(
    mut ledger: Ledger,
    mut rx: mpsc::Receiver<Job>,
    (log, stats, store_ok): (&LogView, &Stats, &AtomicBool),
    verification: &Verification,
) -> Ledger {
    // A backup that arrived while a group was being gathered runs right after that group.
    let mut pending: Option<Job> = None;
    while let Some(first) = pending.take().or_else(|| rx.blocking_recv()) {
        let first = match first {
            Job::Backup(b) => {
                let outcome = match inside_store(ledger.dir(), &b.dest) {
                    Some(e) => Err(e),
                    None => ledger.backup(&b.dest),
                };
                if let Err(e) = &outcome {
                    tracing::warn!(dest = %b.dest.display(), "backup failed: {e}");
                }
                let _ = b.reply.send(outcome);
                continue;
            }
            Job::Append(a) => a,
        };
        // Before the group is gathered, so that a client that gave up meanwhile (this can
        // outlast a request's time limit on a large log) gets nothing written.
        prepare_appends(&mut ledger, log, verification);
        let mut events = first.events.len();
        let mut jobs = vec![first];
        while events < MAX_GROUP_EVENTS {
            match rx.try_recv() {
                Ok(Job::Append(job)) => {
                    events += job.events.len();
                    jobs.push(job);
                }
                Ok(backup) => {
                    pending = Some(backup);
                    break;
                }
                Err(_) => break,
            }
        }
        // A client that gave up (timeout, disconnect) before its batch was written gets
        // nothing written: it was told the outcome is unknown and may re-send (idempotent).
        jobs.retain(|j| !j.reply.is_closed());
        if jobs.is_empty() {
            continue;
        }
        if !store_ok.load(Ordering::SeqCst) {
            // A verification failed while these were queued: write nothing more.
            for job in jobs {
                let _ = job.reply.send(Err(AppendError::Store(unavailable())));
            }
            continue;
        }
        let before = ledger.head_seq();
        let (batches, replies): (Vec<_>, Vec<_>) =
            jobs.into_iter().map(|j| (j.events, j.reply)).unzip();
        let mut results = ledger.append_many(batches, Utc::now());
        let after = publish(&mut ledger, log, before, &mut results);
        if results
            .iter()
            .any(|r| matches!(r, Err(AppendError::Store(_))))
        {
            store_ok.store(false, Ordering::SeqCst);
            tracing::error!(
                "the store refused a write; no further appends will be accepted until a restart"
            );
        }
        stats.commits.fetch_add(1, Ordering::Relaxed);
        stats
            .requests
            .fetch_add(replies.len() as u64, Ordering::Relaxed);
        stats
            .events_appended
            .fetch_add(after - before, Ordering::Relaxed);
        stats
            .largest_group
            .fetch_max(replies.len() as u64, Ordering::Relaxed);
        tracing::debug!(
            requests = replies.len(),
            events = after - before,
            head = after,
            "group committed"
        );
        for (reply, result) in replies.into_iter().zip(results) {
            // The client may have gone meanwhile; its events are durable all the same.
            let _ = reply.send(result);
        }
    }
    ledger
}

/// Makes the persisted index's writer state from the view's records, once: right after the
/// verification for a server of one store (`Opening::prepare_appends`), else before the
/// first group (a server that takes no appends, most units of a province server, never holds
/// it: about as large as the records at 20,000 events); never from the store.
/// Queries answer meanwhile from the index files (or from the view while they are rebuilt).
/// The index is derived: failing here is logged, and the first group rebuilds it.
fn index_from_view(ledger: &mut Ledger, log: &LogView) {
    // One store at a time (a province server starts hundreds of writers at once): each
    // copies a part of its records while it reads them, and that copy is held once, not once
    // per store.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let started = std::time::Instant::now();
    let made = ledger.ensure_index_from(|after, upto| {
        let range = usize::try_from(after).unwrap_or(usize::MAX)
            ..usize::try_from(upto).unwrap_or(usize::MAX);
        log.read()
            .records
            .get(range)
            .map(<[_]>::to_vec)
            .unwrap_or_default()
    });
    match made {
        Ok(()) => tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "index writer ready"
        ),
        Err(e) => tracing::warn!("index not available, it will be rebuilt: {e}"),
    }
}

/// Refuses a backup destination inside the store's own folder: the copy would be written
/// among the files the store needs (a folder named `HEAD.tmp` blocks every HEAD write) and
/// would be lost with the store. Symbolic links are resolved through the deepest existing
/// ancestor, so a link into the store does not get past.
fn inside_store(store: &std::path::Path, dest: &std::path::Path) -> Option<StoreError> {
    if dest
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Some(StoreError::Io(format!(
            "{} contains `..`; name the backup folder without it",
            dest.display()
        )));
    }
    let store = std::fs::canonicalize(store).unwrap_or_else(|_| store.to_path_buf());
    let mut existing = dest.to_path_buf();
    let mut rest = Vec::new();
    let resolved = loop {
        if let Ok(real) = std::fs::canonicalize(&existing) {
            break rest.iter().rev().fold(real, |p: PathBuf, c| p.join(c));
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break dest.to_path_buf(),
        }
    };
    let clash = resolved.starts_with(&store) || store.starts_with(&resolved);
    clash.then(|| {
        StoreError::Io(format!(
            "{} is inside the store {} (or holds it); a backup goes to a folder of its own, preferably on another disk",
            dest.display(),
            store.display()
        ))
    })
}

/// Publishes a group's records to the read side once they are durable (moving them out of
/// the ledger: the view holds the only copy) and returns the new acknowledged head. Nothing is
/// published when the store failed (the records may be in sled without HEAD naming them: they
/// are not acknowledged, and the ledger rolled them back), nor when the ledger's records and
/// hashes disagree; the latter turns every result of the group into a store error (and the
/// writer takes no more appends: the records it did not publish cannot be read back).
fn publish(
    ledger: &mut Ledger,
    log: &LogView,
    before: u64,
    results: &mut [Result<Appended, AppendError>],
) -> u64 {
    let records = ledger.take_durable();
    if results
        .iter()
        .any(|r| matches!(r, Err(AppendError::Store(_))))
    {
        return before;
    }
    let after = before + records.len() as u64;
    // One read of the group's hashes (the ledger handed its own over to the view at open).
    let hashes: Vec<Hash> = ledger.hashes_in(before, after).unwrap_or_else(|e| {
        tracing::error!("the group's chain hashes cannot be read back: {e}");
        Vec::new()
    });
    if hashes.len() != records.len() || ledger.head_seq() != after {
        let e = StoreError::Io(format!(
            "the log holds {} sequences but the records reach {after}; the batch was not acknowledged",
            ledger.head_seq()
        ));
        for r in results.iter_mut().filter(|r| r.is_ok()) {
            *r = Err(AppendError::Store(e.clone()));
        }
        return before;
    }
    if after > before {
        log.extend(records, hashes);
    }
    after
}
