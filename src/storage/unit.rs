//! The `UNIT` record: which budget unit a store belongs to, bound into the hash chain.
//!
//! `UNIT` is a small text file beside the log (`socai-unit 1`, then `code`, `name`, `parent`
//! and `since` lines, tab-separated). It is declared once, when the log held `since` events
//! (0 for a store created for a unit), and its SHA-256 digest is mixed into the link that
//! chains sequence `since + 1`: `prev' = SHA-256(prev ‖ digest)`. Swapping, editing or removing
//! the file therefore breaks the chain at `since + 1` (every full open and `verify` refuse
//! it), and every head hash after `since` speaks for the unit as well as for the events. A
//! store without `UNIT` chains exactly as before (format-v1 stores keep their hashes).
//! Until an event follows the declaration, the digest (printed by `init` and `verify`) is
//! the only witness of the unit.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::fsync::replace_durably;
use super::{Hash, StoreError, io};
use crate::core::unit::Unit;

pub(super) const UNIT_FILE: &str = "UNIT";
const UNIT_MAGIC: &str = "socai-unit 1";
/// A UNIT file is a few hundred bytes; anything larger is not one.
const MAX_UNIT_BYTES: u64 = 4096;

/// A store's unit and the sequence after which it was declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitRecord {
    pub unit: Unit,
    pub since: u64,
}

impl UnitRecord {
    /// The exact bytes of the `UNIT` file (what the digest covers).
    pub fn to_bytes(&self) -> Vec<u8> {
        format!(
            "{UNIT_MAGIC}\ncode\t{}\nname\t{}\nparent\t{}\nsince\t{}\n",
            self.unit.code,
            self.unit.name,
            self.unit.parent.as_deref().unwrap_or(""),
            self.since
        )
        .into_bytes()
    }

    pub fn digest(&self) -> Hash {
        let digest = Sha256::digest(self.to_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(&digest);
        out
    }

    /// Reads a `UNIT` file's bytes; anything but the exact form `to_bytes` writes is refused.
    pub fn parse(bytes: &[u8]) -> Result<UnitRecord, String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8".to_string())?;
        let mut lines = text.split('\n');
        if lines.next() != Some(UNIT_MAGIC) {
            return Err("unknown header".to_string());
        }
        let mut field = |name: &str| -> Result<String, String> {
            let line = lines.next().unwrap_or_default();
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('\t'))
                .map(str::to_string)
                .ok_or_else(|| format!("no {name} line"))
        };
        let code = field("code")?;
        let name = field("name")?;
        let parent = field("parent")?;
        let since: u64 = field("since")?
            .parse()
            .map_err(|_| "since is not a sequence".to_string())?;
        let parent = (!parent.is_empty()).then_some(parent.as_str());
        let unit = Unit::new(&code, &name, parent)?;
        let record = UnitRecord { unit, since };
        if record.to_bytes() != bytes {
            return Err("it is not in its canonical form".to_string());
        }
        Ok(record)
    }
}

/// The binding of a unit into the chain: the link into `since + 1` mixes in `digest`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Binding {
    pub(super) since: u64,
    pub(super) digest: Hash,
}

/// The previous hash that sequence `seq` chains from, given the store's unit binding.
pub(super) fn link_prev(binding: Option<Binding>, seq: u64, prev: Hash) -> Hash {
    match binding {
        Some(b) if b.since + 1 == seq => {
            let mut hasher = Sha256::new();
            hasher.update(prev);
            hasher.update(b.digest);
            let mut out = [0u8; 32];
            out.copy_from_slice(&hasher.finalize());
            out
        }
        _ => prev,
    }
}

/// Reads the store's `UNIT` file: `None` when there is none; a file that does not parse is an
/// integrity failure (it was written whole, atomically, by this program).
pub(super) fn read_unit(dir: &Path) -> Result<Option<UnitRecord>, StoreError> {
    let path = dir.join(UNIT_FILE);
    let file = match super::plain::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("cannot read", &path, e)),
    };
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_UNIT_BYTES), &mut bytes)
        .map_err(|e| io("cannot read", &path, e))?;
    UnitRecord::parse(&bytes).map(Some).map_err(|why| {
        super::integrity(
            None,
            super::Fault::UnitUnreadable {
                path: path.clone(),
                why: why.to_string(),
            },
        )
    })
}

/// Writes the `UNIT` file atomically and durably (temp file, fsync, rename, directory fsync).
pub(super) fn write_unit(dir: &Path, record: &UnitRecord) -> Result<(), StoreError> {
    replace_durably(dir, UNIT_FILE, &record.to_bytes()).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link left under the temporary name is refused, and what it points to untouched.
    #[test]
    fn a_link_under_the_temporary_name_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"not socai's").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("UNIT.tmp")).unwrap();
        let record = UnitRecord {
            unit: Unit::new("X1", "L\u{f9}ng Ph\u{ec}nh", Some("P")).expect("valid"),
            since: 7,
        };
        assert!(write_unit(dir.path(), &record).is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"not socai's");
        assert!(!dir.path().join(UNIT_FILE).exists());
    }

    #[test]
    fn a_unit_record_reads_back_and_only_its_exact_form_is_accepted() {
        let record = UnitRecord {
            unit: Unit::new("X1", "Lùng Phình", Some("P")).expect("valid"),
            since: 7,
        };
        let bytes = record.to_bytes();
        assert_eq!(UnitRecord::parse(&bytes), Ok(record.clone()));
        let mut extra = bytes.clone();
        extra.extend_from_slice(b"x");
        assert!(UnitRecord::parse(&extra).is_err());
        let other = String::from_utf8(bytes).expect("utf8").replace("X1", "X2");
        assert_ne!(
            UnitRecord::parse(other.as_bytes()).expect("valid").digest(),
            record.digest()
        );
    }
}
