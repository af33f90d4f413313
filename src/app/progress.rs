//! How a long use case shows that it is working, without knowing the terminal: the CLI
//! passes progress bars, the server and tests pass `Quiet`.

/// Something that takes a while, shown until it is dropped.
pub trait Task {
    /// `n` more units of the task's total are done.
    fn inc(&self, n: u64);
}

pub use crate::present::progress_text::Doing;

/// Starts tasks.
pub trait Progress {
    /// A task of unknown length (a spinner).
    fn spinner(&self, what: &Doing<'_>) -> Box<dyn Task>;
    /// A task of `total` units (a bar).
    fn bar(&self, total: u64, what: &Doing<'_>) -> Box<dyn Task>;
}

/// Shows nothing.
pub struct Quiet;

impl Task for Quiet {
    fn inc(&self, _: u64) {}
}

impl Progress for Quiet {
    fn spinner(&self, _: &Doing<'_>) -> Box<dyn Task> {
        Box::new(Quiet)
    }
    fn bar(&self, _: u64, _: &Doing<'_>) -> Box<dyn Task> {
        Box::new(Quiet)
    }
}
