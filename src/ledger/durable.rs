//! Making staged records durable, with the persisted index beside them: both copies of the
//! log written (`storage::commit`), the index's files written on a worker meanwhile, and the
//! mark that lets a reader trust those files written last, once the records are durable.

use super::{IndexWriter, Ledger};
use crate::storage::{StoreError, index, index_codec};

/// Whether a durable part leaves the index trusted once written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Marking {
    /// The mark is written: every commit of a request, the last part of an import's chunk.
    Mark,
    /// A bulk import's part that another follows in the same chunk: its blocks, trails and
    /// checkpoints are written, but not the head tables (every line's whole table, rewritten
    /// by each part, was most of what an import wrote) nor the mark, so no reader trusts the
    /// index until the chunk's last part writes both. A crash in between leaves the index
    /// unmarked, and the next open that needs it rebuilds it from the log.
    Defer,
}

impl Ledger {
    /// Makes the records after `start` up to `end` (already in the state) durable, and extends the
    /// persisted index with them. The index files are written on this thread while another
    /// makes the batch durable (both take about as long on a large import): they are derived,
    /// the mark is made unreadable before they change, and the mark that lets a reader trust
    /// them is written only once the batch is durable (and only if `marking` says so). The
    /// index never fails an append: a failure there is logged and the index rebuilt by the
    /// next writer or reader.
    pub(super) fn make_durable(
        &mut self,
        start: u64,
        end: u64,
        marking: Marking,
    ) -> Result<(), StoreError> {
        let Ledger {
            store,
            state,
            index: kept,
            ..
        } = self;
        // Records after `start` are never released before they are durable.
        let held = usize::try_from(start + 1 - state.first_held()).unwrap_or(usize::MAX);
        let until = usize::try_from(end + 1 - state.first_held()).unwrap_or(usize::MAX);
        let new = &state.records()[held..until];
        if new.is_empty() {
            return Ok(());
        }
        let prepared = store.prepare(new)?;
        let hashes = prepared.hashes().to_vec();
        let dir = store.dir().to_path_buf();
        let mut writer = kept.take().filter(|w| w.builder.head() == start);
        // The index is extended here and its files written on a worker while the commit
        // writes both copies.
        let committing = store.begin_commit(prepared)?;
        let files = writer.as_mut().map(|w| {
            w.builder.defer_heads_for_now(marking == Marking::Defer);
            let changes = w.builder.extend(state, new, &hashes, true);
            if !w.builder.sound() {
                return Err(StoreError::Io(
                    "a reversal's target could not be read back for the index".to_string(),
                ));
            }
            Ok(store.write_index_beside(changes, std::mem::take(&mut w.manifest)))
        });
        let committed = store.finish_commit(committing);
        let files = files.map(|writing| {
            writing?.wait().unwrap_or_else(|| {
                Err(StoreError::Io(
                    "the index files' writer stopped".to_string(),
                ))
            })
        });
        let head = match committed {
            Ok(head) => head,
            Err(e) => {
                // The files may now describe a batch that is not in the log: make sure no one
                // trusts them (the mark is already unreadable unless the index was not touched).
                if files.is_some() {
                    index::withdraw(&dir);
                }
                return Err(e);
            }
        };
        match (writer, files) {
            (Some(w), Some(Ok(manifest))) if marking == Marking::Defer => {
                *kept = Some(IndexWriter {
                    builder: w.builder,
                    manifest,
                });
            }
            (Some(w), Some(Ok(manifest))) => {
                crate::storage::raw::fault("index:files-written");
                let mark = index_codec::Mark {
                    format: index_codec::FORMAT,
                    interval: w.builder.interval(),
                    seq: w.builder.head(),
                    hash: head,
                    manifest,
                };
                match index::write_mark(&dir, &mark) {
                    Ok(()) => {
                        *kept = Some(IndexWriter {
                            builder: w.builder,
                            manifest: mark.manifest,
                        })
                    }
                    Err(e) => tracing::warn!("index not updated, it will be rebuilt: {e}"),
                }
            }
            (_, Some(Err(e))) => tracing::warn!("index not updated, it will be rebuilt: {e}"),
            _ => {}
        }
        Ok(())
    }
}
