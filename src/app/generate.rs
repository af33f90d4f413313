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
        file: Option<std::io::BufWriter<std::fs::File>>,
        in_file: usize,
        count: usize,
    }
    impl Files<'_> {
        fn finish(&mut self) -> Result<(), String> {
            if let Some(mut f) = self.file.take() {
                f.flush().map_err(|e| format!("cannot write: {e}"))?;
            }
            Ok(())
        }
    }
    impl workload::Sink for Files<'_> {
        fn event(&mut self, event: &Event) -> Result<(), String> {
            if self.file.is_none() || self.in_file == MAX_BATCH_EVENTS {
                self.finish()?;
                self.count += 1;
                let path = self.dir.join(format!("events-{:04}.jsonl", self.count));
                let f = std::fs::File::create(&path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                self.file = Some(std::io::BufWriter::new(f));
                self.in_file = 0;
            }
            self.in_file += 1;
            let line = json_line(&event::to_json(event));
            match self.file.as_mut() {
                Some(f) => f
                    .write_all(line.as_bytes())
                    .map_err(|e| format!("cannot write: {e}")),
                None => Err("no output file".to_string()),
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
    };
    let (summary, journal) = workload::generate(events, seed, &mut files).map_err(|e| match e {
        workload::GenError::Size(_) => AppError::Usage(Problem::EventsOutside {
            min: workload::MIN_EVENTS,
            max: workload::MAX_EVENTS,
        }),
        workload::GenError::Sink(detail) => render(detail),
    })?;
    files.finish().map_err(render)?;
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
