//! Storage-floor baselines for `bench/run`, on the same payloads as `socai import`:
//!
//! - `socai-bench append DB FILE…`: encodes the files' events into the exact stored envelopes
//!   (untimed), then appends them to a fresh sled tree in batches of 1,000, each followed by
//!   sled's flush and an fsync of every file of the database (timed);
//! - `socai-bench iterate DB`: opens that database cold and iterates and decodes every
//!   envelope (timed).
//!
//! - `socai-bench drop-index STORE`: removes a socai store's persisted index (derived data),
//!   so that the next query answers from the full log and rebuilds it.
//!
//! Prints `seconds=<s> events=<n>` on stdout. No hashing, no validation, no HEAD: the floor.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use chrono::Utc;
use socai::core::rules::Recorded;
use socai::storage::envelope;

const BATCH: usize = 1_000;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("append") if args.len() >= 3 => append(Path::new(&args[1]), &args[2..]),
        Some("iterate") if args.len() == 2 => iterate(Path::new(&args[1])),
        Some("drop-index") if args.len() == 2 => {
            socai::storage::raw::drop_index(Path::new(&args[1]))
        }
        _ => Err("usage: socai-bench append DB FILE… | iterate DB | drop-index STORE".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn append(db: &Path, files: &[String]) -> Result<(), String> {
    let now = Utc::now();
    let mut values = Vec::new();
    for file in files {
        let f = File::open(file).map_err(|e| format!("{file}: {e}"))?;
        for line in BufReader::new(f).lines() {
            let line = line.map_err(|e| format!("{file}: {e}"))?;
            if line.trim().is_empty() {
                continue;
            }
            let event =
                socai::core::event::parse_line(&line).map_err(|e| format!("{file}: {e}"))?;
            let seq = values.len() as u64 + 1;
            // The version the ledger records this kind under (money: 3).
            let rules = socai::core::rule_data::recorded_version(&event.kind);
            let bytes = envelope::encode(&Recorded {
                seq,
                recorded_at: now,
                event,
                rules,
            })?;
            // Same size as a stored value: a 32-byte chain hash slot, then the envelope.
            let mut value = vec![0u8; 32];
            value.extend_from_slice(&bytes);
            values.push(value);
        }
    }
    let sled_db = sled::Config::new()
        .path(db)
        .open()
        .map_err(|e| e.to_string())?;
    let tree = sled_db.open_tree("events").map_err(|e| e.to_string())?;
    let start = Instant::now();
    for (b, chunk) in values.chunks(BATCH).enumerate() {
        let mut batch = sled::Batch::default();
        for (i, value) in chunk.iter().enumerate() {
            let seq = (b * BATCH + i + 1) as u64;
            batch.insert(&seq.to_be_bytes(), value.as_slice());
        }
        tree.apply_batch(batch).map_err(|e| e.to_string())?;
        sled_db.flush().map_err(|e| e.to_string())?;
        fsync_tree(db)?;
    }
    let seconds = start.elapsed().as_secs_f64();
    println!("seconds={seconds:.3} events={}", values.len());
    Ok(())
}

fn iterate(db: &Path) -> Result<(), String> {
    let start = Instant::now();
    let sled_db = sled::Config::new()
        .path(db)
        .open()
        .map_err(|e| e.to_string())?;
    let tree = sled_db.open_tree("events").map_err(|e| e.to_string())?;
    let mut n = 0u64;
    for item in tree.iter() {
        let (_, value) = item.map_err(|e| e.to_string())?;
        let record = envelope::decode(value.get(32..).unwrap_or_default())?;
        std::hint::black_box(&record);
        n += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    println!("seconds={seconds:.3} events={n}");
    Ok(())
}

fn fsync_tree(dir: &Path) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        if kind.is_dir() {
            fsync_tree(&path)?;
        } else if kind.is_file() {
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("{}: {e}", dir.display()))
}
