//! The HEAD record: `socai-head 1`, the last acknowledged sequence and its hash, rewritten
//! atomically (fsynced) after every durable append, and the `SEQ:HASH` form users give.

use std::fs::{self, File};
use std::io::Write;

use super::fsync::sync_dir;
use super::{GENESIS, HEAD_FILE, HEAD_MAGIC, Hash, Store, StoreError, io};

impl Store {
    pub(super) fn write_head(&self) -> Result<(), StoreError> {
        let seq = self.head_seq();
        let hash = self.hash_of(seq).unwrap_or(GENESIS);
        let body = format!("{HEAD_MAGIC}\n{seq}\n{}\n", hex::encode(hash));
        // A checksum line tells a damaged HEAD from one that names another log (earlier
        // versions wrote none and ignore it).
        let text = format!("{body}sum {}\n", head_sum(&body));
        let tmp = self.dir.join("HEAD.tmp");
        let path = self.dir.join(HEAD_FILE);
        let mut file = File::create(&tmp).map_err(|e| io("cannot write", &tmp, e))?;
        file.write_all(text.as_bytes())
            .map_err(|e| io("cannot write", &tmp, e))?;
        file.sync_all().map_err(|e| io("cannot fsync", &tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| io("cannot replace", &path, e))?;
        sync_dir(&self.dir)
    }
}

/// Parses a head written as `SEQ:HASH` (64 hex digits), as `verify --expect-head` takes it.
pub fn parse_head_arg(text: &str) -> Result<(u64, Hash), String> {
    let (seq, hash) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not SEQ:HASH"))?;
    let seq: u64 = seq
        .trim()
        .parse()
        .map_err(|_| format!("{seq:?} is not a sequence number"))?;
    let bytes = hex::decode(hash.trim()).map_err(|_| format!("{hash:?} is not hexadecimal"))?;
    let hash: Hash = bytes
        .try_into()
        .map_err(|_| "the hash must be 64 hexadecimal digits".to_string())?;
    Ok((seq, hash))
}

pub(crate) fn parse_head(text: &str) -> Result<(u64, Hash), StoreError> {
    let bad = |why: &str| StoreError::Integrity {
        seq: None,
        message: format!("the HEAD record is unreadable: {why}"),
    };
    let mut lines = text.lines();
    if lines.next() != Some(HEAD_MAGIC) {
        return Err(bad("unknown header"));
    }
    let seq: u64 = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| bad("no sequence"))?;
    let bytes = lines
        .next()
        .and_then(|l| hex::decode(l).ok())
        .ok_or_else(|| bad("no hash"))?;
    let hash: Hash = bytes.try_into().map_err(|_| bad("hash is not 32 bytes"))?;
    if let Some(line) = lines.next() {
        let body = format!("{HEAD_MAGIC}\n{seq}\n{}\n", hex::encode(hash));
        if line.strip_prefix("sum ") != Some(head_sum(&body).as_str()) || !text.starts_with(&body) {
            return Err(bad("its checksum does not match (the file was damaged)"));
        }
    }
    if lines.next().is_some() {
        return Err(bad("unexpected lines after the checksum"));
    }
    Ok((seq, hash))
}

/// The checksum line of a HEAD record: 16 hex digits of SHA-256 over the lines before it.
fn head_sum(body: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(body.as_bytes())[..8])
}

/// HEAD names `seq` with `head`, but the log's chain hash of `seq` is `log`.
pub(super) fn head_hash_differs(seq: u64, head: &Hash, log: &Hash) -> StoreError {
    StoreError::Integrity {
        seq: Some(seq),
        message: format!(
            "HEAD records hash {} for sequence {seq} but the log has {}",
            hex::encode(head),
            hex::encode(log)
        ),
    }
}
