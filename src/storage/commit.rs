//! Committing a prepared batch (`Store::prepare`): both copies durable in one fsync round on
//! the store's commit workers, then the batch named in HEAD.
//!
//! A commit is begun and finished in two calls so that its caller can work beside the fsync
//! round (the ledger extends the index then, and hands its files to `write_index_beside`):
//! `begin_commit` hands the journal's copy to its worker, `finish_commit` writes sled's and
//! waits for the rest. A begun commit must be finished: until then the store is poisoned and
//! its journal and HEAD file are with the workers.

use super::head::{HeadFile, sync_head};
use super::journal::{self, Journal};
use super::worker::{CommitWorkers, Running};
use super::{GENESIS, Hash, Prepared, Store, StoreError, from_sled, index, index_codec, raw};

/// A commit whose copies are being written (`Store::begin_commit`).
#[must_use = "a begun commit must be finished (`Store::finish_commit`)"]
pub struct Committing {
    head: Hash,
    hashes: Vec<Hash>,
    /// Written by `finish_commit` (see `OWN_THREAD_FROM`).
    sled: sled::Batch,
    journal: Running<(Journal, Result<(), StoreError>)>,
    /// The previous commit's in-place HEAD, fdatasynced beside the copies.
    head_sync: Option<Running<(HeadFile, Result<(), StoreError>)>>,
}

/// The previous commit's in-place HEAD handed to its worker for its fdatasync, if it still
/// needs one.
fn sync_head_beside(
    head_file: &mut Option<HeadFile>,
    workers: &CommitWorkers,
    dir: &std::path::Path,
) -> Option<Running<(HeadFile, Result<(), StoreError>)>> {
    let pending = head_file.take_if(|h| h.pending().is_some())?;
    let dir = dir.to_path_buf();
    Some(workers.head.run(move || {
        let synced = sync_head(pending.pending(), &dir);
        (pending, synced)
    }))
}

/// The batch size from which sled's copy is written on a thread started for it, not on the
/// committing thread. A small batch (a server's group) gains 100 µs of latency from not
/// starting one. A large one (a bulk import's part of 2,048) flushes megabytes that mimalloc
/// keeps in the writing thread's heap: on the importing thread a 1M import peaked at 533 MB,
/// against 452-482 MB when a thread that ends wrote them (its pages are given back).
const OWN_THREAD_FROM: usize = 256;

/// sled's copy: the batch applied, flushed, and its changed files fsynced.
fn write_sled(
    events: &sled::Tree,
    db: &sled::Db,
    files: &mut super::fsync::SledFiles,
    batch: sled::Batch,
) -> Result<(), StoreError> {
    events
        .apply_batch(batch)
        .and_then(|()| db.flush().map(|_| ()))
        .map_err(from_sled)
        .and_then(|()| files.sync())
}

fn stopped() -> StoreError {
    StoreError::Io("a commit's writer stopped unexpectedly; the batch was not acknowledged".into())
}

impl Store {
    /// Makes a prepared batch durable in one fsync round, then names it in HEAD. Returns the
    /// new head hash.
    ///
    /// Why each step's order is safe (a crash at any point; `raw::fault` names the steps):
    /// 1. The two copies are written at the same time: sled's on the committing thread (one
    ///    atomic batch, flushed, its changed files fsynced: `SledFiles`; see
    ///    `OWN_THREAD_FROM`), the journal's on its worker (one write, one fdatasync); the
    ///    previous commit's in-place HEAD is fdatasynced beside them on another. A crash now leaves the batch in neither, one or both copies, never in part
    ///    (sled batches are atomic; a torn journal frame fails its chain hash). Nothing was
    ///    acknowledged and HEAD does not name it: the open keeps it if sled holds it (it is
    ///    complete and chained; the journal is completed from sled), else cuts the journal's
    ///    copy.
    /// 2. Only once both copies are durable is HEAD written, in place and not fsynced here
    ///    (see `head`): a crash after the acknowledgement may leave HEAD one batch behind,
    ///    which the open brings forward, since both copies hold the batch.
    /// 3. The acknowledgement follows; the index is extended by the caller after (derived,
    ///    its mark unreadable while its files change).
    pub fn commit(&mut self, prepared: Prepared) -> Result<Hash, StoreError> {
        let committing = self.begin_commit(prepared)?;
        self.finish_commit(committing)
    }

    /// Step 1 of `commit` begun: the journal's copy (and HEAD's fdatasync) handed to their
    /// workers.
    pub fn begin_commit(&mut self, prepared: Prepared) -> Result<Committing, StoreError> {
        if self.poisoned {
            return Err(StoreError::Io(
                "an earlier write failed in this process; reopen the store".to_string(),
            ));
        }
        assert_eq!(
            prepared.after,
            self.head_seq(),
            "a batch is prepared on the head"
        );
        if self.workers.is_none() && self.journal.is_some() {
            let started = CommitWorkers::start().map_err(|e| {
                StoreError::Io(format!("cannot start the threads a commit writes on: {e}"))
            })?;
            self.workers = Some(started);
        }
        let (Some(workers), Some(mut journal)) = (self.workers.as_ref(), self.journal.take())
        else {
            return Err(StoreError::Io(format!(
                "{} is read-only: nothing can be appended",
                self.dir.display()
            )));
        };
        let head = match prepared.hashes.last() {
            Some(&hash) => hash,
            None => self.hash_of(self.head_seq()).unwrap_or(GENESIS),
        };
        // From here on a failure may leave sled holding the batch in memory: poison.
        self.poisoned = true;
        let head_sync = sync_head_beside(&mut self.head_file, workers, &self.dir);
        let Prepared {
            batch,
            hashes,
            journal: frames,
            after,
        } = prepared;
        let framed = hashes.clone();
        let journaled = workers.journal.run(move || {
            let bytes = journal::encode(after + 1, &framed, &frames);
            let written = journal.append(after + 1, framed.len() as u64, &bytes);
            if written.is_ok() {
                raw::fault("commit:journal-durable");
            }
            (journal, written)
        });
        Ok(Committing {
            head,
            hashes,
            sled: batch,
            journal: journaled,
            head_sync,
        })
    }

    /// Steps 1 (sled's copy written here, the others waited for) to 3 of `commit`: the copies
    /// durable, then HEAD.
    pub fn finish_commit(&mut self, committing: Committing) -> Result<Hash, StoreError> {
        let Committing {
            head,
            hashes,
            sled,
            journal,
            head_sync,
        } = committing;
        // `begin_commit` refused a store read from its journal already (it has none to write).
        let log = super::SledLog::of(&self.sled, &self.dir)?;
        let logged = if hashes.len() < OWN_THREAD_FROM {
            write_sled(&log.events, &log.db, &mut self.sled_files, sled)
        } else {
            let (events, db, files) = (&log.events, &log.db, &mut self.sled_files);
            std::thread::scope(|scope| {
                let written = scope.spawn(move || write_sled(events, db, files, sled));
                written.join().unwrap_or_else(|_| Err(stopped()))
            })
        };
        if logged.is_ok() {
            raw::fault("commit:sled-durable");
        }
        let journaled = journal.wait().map_or_else(
            || Err(stopped()),
            |(journal, written)| {
                self.journal = Some(journal);
                written
            },
        );
        let head_synced = head_sync.map_or(Ok(()), |running| {
            running.wait().map_or_else(
                || Err(stopped()),
                |(file, synced)| {
                    self.head_file = Some(file);
                    synced
                },
            )
        });
        logged?;
        journaled?;
        head_synced?;
        raw::fault("commit:copies-durable");
        self.head_synced();
        self.hashes.extend(&hashes);
        self.write_head_in_place()?;
        raw::fault("commit:head-written");
        self.poisoned = false;
        Ok(head)
    }

    /// Writes a batch's index files (`index::write_files`, after making the mark unreadable)
    /// on the index worker, beside a begun commit.
    pub fn write_index_beside(
        &self,
        changes: index_codec::Changes,
        base: index_codec::Manifest,
    ) -> Running<Result<index_codec::Manifest, StoreError>> {
        let dir = self.dir.clone();
        let job = move || {
            index::invalidate_mark(&dir)?;
            index::write_files(&dir, changes, base)
        };
        match self.workers.as_ref() {
            Some(workers) => workers.index.run(job),
            None => Running::done(job()),
        }
    }
}
