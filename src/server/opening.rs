//! The served store's full open, run by its writer thread while the server already listens
//! (`verified`): every check of `Ledger::open` (chain, HEAD, every record against the rules
//! that accepted it), the unit and replica marker the server read unverified to start with
//! compared with the verified ones, the records handed to the read view, and the persisted
//! index proven against the verified log before it answers as verified. A failure stops the
//! server with the fault, as a start-up on that store did before it listened.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

use crate::ledger::{Ledger, Options};
use crate::server::log_view::{Archived, LogView};
use crate::server::verified::Verification;
use crate::storage::index_proof::Proof;
use crate::storage::{OpenMode, StoreError, UnitRecord};

/// What the writer thread needs to open its store.
pub struct Opening {
    pub dir: PathBuf,
    pub options: Options,
    /// The unit and replica source read (unverified) before listening.
    pub unit: Option<UnitRecord>,
    pub replica_of: Option<String>,
    pub verification: Arc<Verification>,
    /// Told when the open failed: the server stops.
    pub stop: Arc<Notify>,
    /// Whether the writer makes what appends need right after the verification (a server of
    /// one store, there to take appends: its first append must not wait for it beyond its
    /// time limit) rather than before its first group (a province's units, most of which take
    /// none, and whose index writer states would all be held at once).
    pub prepare_appends: bool,
}

impl Opening {
    /// Opens and verifies the store, hands its records to `log` and proves the index; on
    /// failure, marks the store failed (nothing more is served) and stops the server.
    pub fn open(self, log: &Arc<LogView>, store_ok: &AtomicBool) -> Result<Ledger, StoreError> {
        match self.open_verified(log) {
            Ok(ledger) => Ok(ledger),
            Err(e) => {
                tracing::error!(store = %self.dir.display(), "the store failed its verification: {e}");
                store_ok.store(false, Ordering::SeqCst);
                self.verification.failed();
                self.stop.notify_one();
                Err(e)
            }
        }
    }

    fn open_verified(&self, log: &Arc<LogView>) -> Result<Ledger, StoreError> {
        // One store at a time: a province server opens hundreds, and each open holds its
        // log's records while it verifies them.
        static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let started = std::time::Instant::now();
        let mut ledger = Ledger::open_with(&self.dir, OpenMode::CreateIfMissing, self.options)?;
        let opened = started.elapsed();
        let store = ledger.store();
        if store.unit() != self.unit.as_ref() || store.replica_of() != self.replica_of.as_deref() {
            return Err(StoreError::Io(format!(
                "the unit or replica marker of {} changed while the server started",
                self.dir.display()
            )));
        }
        // The records and their chain hashes move to the view: the one copy the queries and
        // the writer's rules read (the writer reads a hash back from the store if it needs one).
        let Some(hashes) = ledger.share_hashes() else {
            return Err(StoreError::Io(format!(
                "the ledger of {} did not hold its chain hashes",
                self.dir.display()
            )));
        };
        let records = ledger.share_records(Box::new(Archived(log.clone())));
        log.extend(records, hashes);
        let shared = started.elapsed();
        let index_proven = prove_index(&ledger)?;
        tracing::info!(
            store = %self.dir.display(),
            events = ledger.head_seq(),
            open_verify_replay_ms = opened.as_millis() as u64,
            hand_over_ms = (shared - opened).as_millis() as u64,
            index_proof_ms = (started.elapsed() - shared).as_millis() as u64,
            index_proven,
            total_ms = started.elapsed().as_millis() as u64,
            "store verified"
        );
        self.verification.verified(ledger.reader(), index_proven);
        give_back_freed_memory();
        Ok(ledger)
    }
}

/// Hands back to the system the memory the open freed (the index proof's tables, the pages
/// read to verify the log, the hashes released by the writer's ledger): mimalloc keeps freed
/// pages for reuse for a while, and a server's next allocations are small ones. Once per
/// open, on the thread that did it.
fn give_back_freed_memory() {
    // SAFETY: `mi_collect` takes no pointer and may be called from any thread at any time;
    // with another global allocator it only visits mimalloc's own (empty) heaps.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

/// Whether the index files hold what the verified log yields: only then do they answer as
/// verified. An index that is absent or stale answers nothing (the log view does, and the
/// writer rebuilds the index before its first group); one that would be served but differs
/// is withdrawn by the proof and logged: the log is sound, only a derived file is not.
fn prove_index(ledger: &Ledger) -> Result<bool, StoreError> {
    match ledger.prove_index() {
        Ok(Proof::Proven { .. }) => Ok(true),
        Ok(Proof::NotServed(why)) => {
            tracing::info!("the index answers nothing until it is rebuilt: {why}");
            Ok(false)
        }
        Err(e @ StoreError::Integrity { .. }) => {
            tracing::error!("the index does not hold what the verified log yields; withdrawn: {e}");
            Ok(false)
        }
        Err(e) => Err(e),
    }
}
