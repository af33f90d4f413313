//! A ledger whose durable records live with a reader (the server's read view) instead of in
//! its own state: one copy of the log in the process. The state keeps its compact facts
//! (ids, balances per day, reversals, contracts) and reads a record back through the archive
//! the reader supplies when a rule needs one (an id sent again, a reversal's target), as a
//! bounded import ledger reads it back from the store (`core::held`).

use super::Ledger;
use crate::core::held::Archive;
use crate::core::rules::Recorded;

impl Ledger {
    /// Hands every record over to the caller, who keeps them readable through `archive`
    /// from now on. The persisted index's writer state is made first, while the records are
    /// still here (from them when the index mark names the head, else by rebuilding the
    /// index): a later writer without the records would have to read the log back.
    pub fn share_records(&mut self, archive: Box<dyn Archive>) -> Vec<Recorded> {
        self.ensure_index_logged();
        self.state.set_archive(archive);
        self.state.hand_over(self.head_seq())
    }

    /// The records made durable since the last hand-over (a group commit's), moved out of
    /// the state: the caller publishes them where the archive reads them before the next
    /// group is checked. Records not yet durable are never handed over.
    pub fn take_durable(&mut self) -> Vec<Recorded> {
        assert!(
            self.state.has_archive(),
            "records are handed over only to a reader that archives them"
        );
        self.state.hand_over(self.store.head_seq())
    }
}
