//! A thread kept for the life of a writable store that runs one step of every commit (the
//! journal's write, HEAD's fdatasync, the index files) beside sled's write.
//!
//! Why kept rather than started per commit: on the 2-core machine of BENCHMARKS.md a thread
//! started for a step ran about 100 µs later (clone, its stack mapped and guarded, then
//! unmapped at its end), a kept one woken for it 35–80 µs later. A job owns what it works on
//! and hands it back with its result.

use std::sync::mpsc;
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// One thread and its queue of jobs: a commit gives each worker at most one job and waits for
/// it before the next commit, so the queue holds at most one.
pub(super) struct Worker {
    jobs: Option<mpsc::SyncSender<Job>>,
    thread: Option<JoinHandle<()>>,
}

/// A job handed to a worker; `wait` gives its result.
#[must_use = "a commit step must be waited for"]
pub struct Running<T>(mpsc::Receiver<T>);

impl<T> Running<T> {
    /// The job's result, or `None` if the worker stopped before giving one (the job panicked,
    /// or the worker could not be started).
    pub fn wait(self) -> Option<T> {
        self.0.recv().ok()
    }

    /// A job already done on the caller's thread.
    pub(super) fn done(result: T) -> Running<T> {
        let (sender, running) = mpsc::sync_channel(1);
        let _ = sender.send(result);
        Running(running)
    }
}

impl Worker {
    pub(super) fn start(name: &str) -> std::io::Result<Worker> {
        let (jobs, queue) = mpsc::sync_channel::<Job>(1);
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                for job in queue {
                    job();
                }
            })?;
        Ok(Worker {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Runs `job` on this worker's thread.
    pub(super) fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Running<T> {
        let (result, running) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            let _ = result.send(job());
        });
        if let Some(jobs) = &self.jobs {
            // A worker whose thread has stopped drops the job, and with it `result`: `wait`
            // then returns `None`.
            let _ = jobs.send(job);
        }
        Running(running)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the queue ends the thread's loop once its job (if any) is done.
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The workers of a writable store's commits, started at its first commit. sled's copy is
/// written on the committing thread itself.
pub(super) struct CommitWorkers {
    pub(super) journal: Worker,
    pub(super) head: Worker,
    pub(super) index: Worker,
}

impl CommitWorkers {
    pub(super) fn start() -> std::io::Result<CommitWorkers> {
        Ok(CommitWorkers {
            journal: Worker::start("socai-journal")?,
            head: Worker::start("socai-head")?,
            index: Worker::start("socai-index")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_hands_back_what_it_was_given_and_the_worker_serves_the_next() {
        let worker = Worker::start("test").expect("a thread");
        let first = worker.run(|| vec![1, 2, 3]).wait();
        assert_eq!(first, Some(vec![1, 2, 3]));
        let owned = String::from("journal");
        let second = worker.run(move || (owned, 7)).wait();
        assert_eq!(second, Some(("journal".to_string(), 7)));
    }

    #[test]
    fn a_job_that_panics_gives_no_result_and_later_jobs_none_either() {
        let worker = Worker::start("test").expect("a thread");
        // Its message is printed: the global panic hook is not this test's to change.
        let failed = worker
            .run(|| -> u8 { panic!("a step failed (expected by this test)") })
            .wait();
        assert_eq!(failed, None);
        assert_eq!(worker.run(|| 1).wait(), None);
    }
}
