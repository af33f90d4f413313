//! `socai gen`: a deterministic synthetic workload written as import files and a journal.

use std::io::Write;
use std::path::Path;

use crate::app::error::{AppError, Problem, render};
use crate::app::export::json_line;
use crate::app::workload;
use crate::core::event::{self, Event};
use crate::ledger::MAX_BATCH_EVENTS;
use crate::present::notices::Generated;

/// Writes `socai gen` output: import files of at most `MAX_BATCH_EVENTS` events each (each file
/// imports as one atomic batch) and `journal.ledger`.
pub fn gen_files(events: u64, seed: u64, dir: &Path) -> Result<Generated, AppError> {
    struct Files<'a> {
        dir: &'a Path,
        file: Option<(std::path::PathBuf, std::io::BufWriter<std::fs::File>)>,
        in_file: usize,
        count: usize,
        /// The file that could not be written, and why: the sink's `Err` only stops the
        /// generator, this is what the reader is told.
        failed: Option<AppError>,
    }
    impl Files<'_> {
        fn finish(&mut self) -> Result<(), String> {
            if let Some((path, mut f)) = self.file.take() {
                f.flush().map_err(|cause| self.fail(path, cause))?;
            }
            Ok(())
        }

        fn fail(&mut self, path: std::path::PathBuf, cause: std::io::Error) -> String {
            let detail = format!("{}: {cause}", path.display());
            self.failed = Some(AppError::Output(Problem::CannotWritePath {
                path,
                cause: cause.into(),
            }));
            detail
        }
    }
    impl workload::Sink for Files<'_> {
        fn event(&mut self, event: &Event) -> Result<(), String> {
            if self.file.is_none() || self.in_file == MAX_BATCH_EVENTS {
                self.finish()?;
                self.count += 1;
                let path = self.dir.join(format!("events-{:04}.jsonl", self.count));
                match std::fs::File::create(&path) {
                    Ok(f) => self.file = Some((path, std::io::BufWriter::new(f))),
                    Err(cause) => return Err(self.fail(path, cause)),
                }
                self.in_file = 0;
            }
            self.in_file += 1;
            let line = json_line(&event::to_json(event));
            let Some((path, f)) = self.file.as_mut() else {
                return Err("no output file".to_string());
            };
            match f.write_all(line.as_bytes()) {
                Ok(()) => Ok(()),
                Err(cause) => {
                    let path = path.clone();
                    Err(self.fail(path, cause))
                }
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|cause| {
        AppError::Output(Problem::CannotCreate {
            path: dir.to_path_buf(),
            cause: cause.into(),
        })
    })?;
    let mut files = Files {
        dir,
        file: None,
        in_file: 0,
        count: 0,
        failed: None,
    };
    let (summary, journal) = workload::generate(events, seed, &mut files).map_err(|e| match e {
        workload::GenError::Size(_) => AppError::Usage(Problem::EventsOutside {
            min: workload::MIN_EVENTS,
            max: workload::MAX_EVENTS,
        }),
        workload::GenError::Sink(detail) => files.failed.take().unwrap_or_else(|| render(detail)),
    })?;
    files
        .finish()
        .map_err(|detail| files.failed.take().unwrap_or_else(|| render(detail)))?;
    let path = dir.join("journal.ledger");
    std::fs::write(&path, journal).map_err(|cause| {
        AppError::Output(Problem::CannotWritePath {
            path: path.clone(),
            cause: cause.into(),
        })
    })?;
    Ok(Generated {
        events: summary.events,
        lines: summary.lines,
        backdated: summary.backdated,
        reversed: summary.reversed,
        first_date: summary.first_date,
        last_date: summary.last_date,
        files: files.count,
        per_file: MAX_BATCH_EVENTS,
        dir: dir.to_path_buf(),
    })
}
