//! The index mark (see `storage::index`): which log head the persisted tables reflect, and
//! the manifest of the files they are in. Apart from the tables' codec (`index_codec`) so that
//! each stays a size one can read.

use super::index_codec::{CHECKSUM, Damaged, FORMAT, Sum, seal, split_u32, split_u64, unseal};

/// The mark: which log head the persisted tables reflect, and the files they are in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub format: u8,
    pub interval: u64,
    pub seq: u64,
    pub hash: [u8; 32],
    pub manifest: Manifest,
}

/// The checksum of every index file the mark relies on. Files are written without fsync and
/// may survive a crash in any mix of old and new versions; each is served only when it is the
/// very version the mark lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub lines: Option<Sum>,
    /// By line.
    pub heads: Vec<Sum>,
    /// By block number, from 0.
    pub blocks: Vec<Sum>,
    /// (checkpoint sequence, checksum), ascending.
    pub checkpoints: Vec<(u64, Sum)>,
    /// By trail slot (see `index_trail`): how much of each append-only trail file is listed.
    pub trails: Vec<TrailSum>,
}

/// How much of an append-only trail file the mark lists: its first `entries` entries, which
/// take `bytes` bytes and chain to `digest` (see `index_trail`). Bytes after them (a batch
/// whose commit failed) are ignored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrailSum {
    pub entries: u64,
    pub bytes: u64,
    pub digest: [u8; 32],
}

/// The checksum a sealed file ends with.
pub fn sum_of(value: &[u8]) -> Option<Sum> {
    value.last_chunk::<CHECKSUM>().copied()
}

impl Manifest {
    /// Records the checksum of a new version of an indexed file (`slot` grows by one at most:
    /// lines and blocks are numbered densely).
    pub fn set(slots: &mut Vec<Sum>, slot: usize, sum: Sum) {
        assert!(slot <= slots.len(), "index files are numbered densely");
        if slot == slots.len() {
            slots.push(sum);
        } else {
            slots[slot] = sum;
        }
    }
}

pub fn encode_mark(mark: &Mark) -> Vec<u8> {
    let m = &mark.manifest;
    let mut out = vec![mark.format];
    out.extend_from_slice(&mark.interval.to_be_bytes());
    out.extend_from_slice(&mark.seq.to_be_bytes());
    out.extend_from_slice(&mark.hash);
    out.push(u8::from(m.lines.is_some()));
    out.extend_from_slice(&m.lines.unwrap_or_default());
    out.extend_from_slice(&(m.heads.len() as u32).to_be_bytes());
    m.heads.iter().for_each(|s| out.extend_from_slice(s));
    out.extend_from_slice(&(m.blocks.len() as u64).to_be_bytes());
    m.blocks.iter().for_each(|s| out.extend_from_slice(s));
    out.extend_from_slice(&(m.checkpoints.len() as u32).to_be_bytes());
    for (seq, sum) in &m.checkpoints {
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(sum);
    }
    out.extend_from_slice(&(m.trails.len() as u32).to_be_bytes());
    for t in &m.trails {
        out.extend_from_slice(&t.entries.to_be_bytes());
        out.extend_from_slice(&t.bytes.to_be_bytes());
        out.extend_from_slice(&t.digest);
    }
    seal(b"mark", out)
}

pub fn decode_mark(value: &[u8]) -> Result<Mark, Damaged> {
    let payload =
        unseal(b"mark", value).ok_or_else(|| Damaged("index mark fails its checksum".into()))?;
    parse_mark(payload)
}

/// The mark's payload (past its checksum).
#[doc(hidden)]
pub fn parse_mark(payload: &[u8]) -> Result<Mark, Damaged> {
    let bad = || Damaged("index mark is malformed".into());
    let (&format, rest) = payload.split_first().ok_or_else(bad)?;
    if format != FORMAT {
        // Another layout: not decodable here, and the caller rebuilds.
        return Err(Damaged(format!("index format {format}, expected {FORMAT}")));
    }
    let (interval, rest) = split_u64(rest).ok_or_else(bad)?;
    let (seq, rest) = split_u64(rest).ok_or_else(bad)?;
    let (hash, rest) = rest.split_first_chunk::<32>().ok_or_else(bad)?;
    let (&has_lines, rest) = rest.split_first().ok_or_else(bad)?;
    let (lines, rest) = rest.split_first_chunk::<CHECKSUM>().ok_or_else(bad)?;
    let (heads, mut rest) = split_u32(rest).ok_or_else(bad)?;
    let sums = |n: u64, rest: &mut &[u8]| -> Result<Vec<Sum>, Damaged> {
        let len = usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(CHECKSUM))
            .filter(|&len| len <= rest.len())
            .ok_or_else(bad)?;
        let (taken, after) = rest.split_at(len);
        *rest = after;
        Ok(taken
            .chunks_exact(CHECKSUM)
            .map(|c| c.try_into().unwrap_or_default())
            .collect())
    };
    let heads = sums(u64::from(heads), &mut rest)?;
    let (blocks, mut rest) = split_u64(rest).ok_or_else(bad)?;
    let blocks = sums(blocks, &mut rest)?;
    let (count, mut rest) = split_u32(rest).ok_or_else(bad)?;
    let mut checkpoints = Vec::new();
    for _ in 0..count {
        let (cp, after) = split_u64(rest).ok_or_else(bad)?;
        let (sum, after) = after.split_first_chunk::<CHECKSUM>().ok_or_else(bad)?;
        checkpoints.push((cp, *sum));
        rest = after;
    }
    let (count, mut rest) = split_u32(rest).ok_or_else(bad)?;
    let mut trails = Vec::new();
    for _ in 0..count {
        let (entries, after) = split_u64(rest).ok_or_else(bad)?;
        let (bytes, after) = split_u64(after).ok_or_else(bad)?;
        let (digest, after) = after.split_first_chunk::<32>().ok_or_else(bad)?;
        trails.push(TrailSum {
            entries,
            bytes,
            digest: *digest,
        });
        rest = after;
    }
    if !rest.is_empty() || has_lines > 1 {
        return Err(bad());
    }
    Ok(Mark {
        format,
        interval,
        seq,
        hash: *hash,
        manifest: Manifest {
            lines: (has_lines == 1).then_some(*lines),
            heads,
            blocks,
            checkpoints,
            trails,
        },
    })
}
