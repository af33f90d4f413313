//! `socai verify`: what was checked and what agreed, as text or JSON (`--json`), for a store
//! this process opened (log, journal, index) or one another process holds (the journal's
//! chain up to HEAD only; see `read_source`).

use serde_json::{Value, json};

use crate::cli::AfterRun;
use crate::cli::failure::Failure;
use crate::cli::read_source::{ReadSource, open_for_verifying};
use crate::core::rejection::Rejection;
use crate::ledger::Ledger;
use crate::present::messages::t;
use crate::present::vi_format::Lang;
use crate::storage::index_proof::Proof;
use crate::storage::{Hash, UnitRecord};

/// What `verify` found.
struct Verified {
    head: u64,
    hash: Option<Hash>,
    expected: Option<(u64, Hash)>,
    /// `None`: the log was not read (another process holds the store).
    copies: Option<Copies>,
    unit: Option<UnitRecord>,
    replica_of: Option<String>,
    legacy: Vec<(u64, Rejection)>,
}

/// The checks beyond the log: the journal agrees with it and the index holds what it yields.
struct Copies {
    /// Segment files of the journal, `None` for a read-only store without one.
    journal: Option<usize>,
    index: Proof,
}

pub fn verify(
    db: &std::path::Path,
    expect_head: Option<&(u64, Hash)>,
    json: bool,
    (after, lang): (AfterRun, Lang),
    out: &mut dyn std::io::Write,
) -> Result<(), Failure> {
    let verified = match open_for_verifying(db, lang)? {
        ReadSource::Ledger(ledger) => verify_ledger(ledger, expect_head, after)?,
        ReadSource::Snapshot(s) => {
            if let Some((seq, hash)) = expect_head {
                s.check_expected_head(*seq, hash)?;
            }
            Verified {
                head: s.head_seq(),
                hash: s.hash_of(s.head_seq()),
                expected: expect_head.copied(),
                copies: None,
                unit: s.unit().cloned(),
                replica_of: None,
                legacy: s.state().legacy_refusals().to_vec(),
            }
        }
    };
    let text = if json {
        let mut text = serde_json::to_string_pretty(&verified.json()).unwrap_or_default();
        text.push('\n');
        text
    } else {
        verified.text(lang)
    };
    out.write_all(text.as_bytes())
        .map_err(crate::cli::failure::output)
}

fn verify_ledger(
    ledger: Ledger,
    expect_head: Option<&(u64, Hash)>,
    after: AfterRun,
) -> Result<Verified, Failure> {
    if let Some((seq, hash)) = expect_head {
        ledger.check_expected_head(*seq, hash)?;
    }
    let copies = Copies {
        journal: ledger.verify_journal()?,
        index: ledger.prove_index()?,
    };
    let head = ledger.head_seq();
    let verified = Verified {
        head,
        hash: ledger.hash_of(head),
        expected: expect_head.copied(),
        copies: Some(copies),
        unit: ledger.store().unit().cloned(),
        replica_of: ledger.store().replica_of().map(str::to_string),
        legacy: ledger.state().legacy_refusals().to_vec(),
    };
    // See `Ledger::leave_to_exit` and `close_for_exit`.
    match after {
        AfterRun::ProcessEnds => ledger.leave_to_exit(),
        AfterRun::Continues => ledger.close_for_exit(),
    }
    Ok(verified)
}

impl Verified {
    fn hash_text(&self) -> String {
        self.hash.map_or("-".to_string(), hex::encode)
    }

    fn text(&self, lang: Lang) -> String {
        let (head, hash) = (self.head, self.hash_text());
        let extra = self.expected.map_or(String::new(), |(seq, h)| {
            let words = t(
                lang,
                "có chứa đầu chuỗi mong đợi",
                "contains the expected head",
            );
            format!("; {words} {seq}:{}", hex::encode(h))
        });
        let legacy = crate::present::settlement::legacy_text(&self.legacy, lang);
        let mut identity = self.unit.as_ref().map_or(String::new(), |u| {
            crate::cli::unit_commands::unit_line(u, lang)
        });
        if let Some(source) = &self.replica_of {
            let words = t(lang, "bản sao của", "replica of");
            identity.push_str(&format!("{words} {source}\n"));
        }
        let head_line = t(lang, "đầu chuỗi", "head");
        let first = match (&self.copies, lang) {
            (Some(copies), Lang::Vi) => format!(
                "đúng: {head} sự kiện, chuỗi mã băm và bản ghi đầu chuỗi khớp nhau; mã băm đầu chuỗi {hash}{extra}\n{}",
                copies.text(lang)
            ),
            (Some(copies), Lang::En) => format!(
                "ok: {head} events, hash chain and HEAD record agree; head hash {hash}{extra}\n{}",
                copies.text(lang)
            ),
            (None, Lang::Vi) => format!(
                "đúng: {head} sự kiện, chuỗi mã băm của nhật ký và bản ghi đầu chuỗi khớp nhau; mã băm đầu chuỗi {hash}{extra}\nsổ: chưa đọc (kho đang được một tiến trình khác dùng); dừng tiến trình đó rồi chạy lại verify để kiểm tra cả sổ và chỉ mục\n"
            ),
            (None, Lang::En) => format!(
                "ok: {head} events, journal hash chain and HEAD record agree; head hash {hash}{extra}\nlog: not read (the store is in use by another process); stop it and run verify again to check the log and the index too\n"
            ),
        };
        format!("{first}{head_line} {head}:{hash}\n{legacy}{identity}")
    }

    fn json(&self) -> Value {
        let (journal, index) = match &self.copies {
            Some(c) => c.json(),
            None => (json!({"status": "not_read"}), json!({"status": "not_read"})),
        };
        json!({
            "ok": true,
            "head_seq": self.head,
            "head_hash": self.hash.map(hex::encode),
            "expect_head": format!("{}:{}", self.head, self.hash_text()),
            "expected_head": self.expected.map(|(s, h)| format!("{s}:{}", hex::encode(h))),
            "log": if self.copies.is_some() { "verified" } else { "not_read" },
            "journal": journal,
            "index": index,
            "unit": self.unit.as_ref().map(|r| json!({
                "code": r.unit.code, "name": r.unit.name, "parent": r.unit.parent,
                "since": r.since, "digest": hex::encode(r.digest()),
            })),
            "replica_of": self.replica_of,
            "legacy_refusals": self.legacy.iter().map(|(seq, r)| json!({
                "seq": seq, "code": r.code.as_str(), "message": r.message,
            })).collect::<Vec<_>>(),
        })
    }
}

impl Copies {
    fn text(&self, lang: Lang) -> String {
        let journal = match (self.journal, lang) {
            (Some(n), Lang::Vi) => format!("nhật ký: khớp với sổ ({n} tệp phân đoạn)\n"),
            (Some(n), Lang::En) => format!("journal: agrees with the log ({n} segment files)\n"),
            (None, _) => t(
                lang,
                "nhật ký: chưa có (kho chỉ đọc; lần ghi sau sẽ tạo)\n",
                "journal: none yet (read-only store; the next writer creates it)\n",
            )
            .to_string(),
        };
        let index = match (&self.index, lang) {
            (Proof::Proven { files }, Lang::Vi) => format!(
                "chỉ mục: đã chứng minh cho đầu chuỗi này ({files} tệp tính lại từ sổ, giống hệt)\n"
            ),
            (Proof::Proven { files }, Lang::En) => format!(
                "index: proven for this head ({files} files recomputed from the log and identical)\n"
            ),
            (Proof::NotServed(why), Lang::Vi) => {
                format!("chỉ mục: không dùng ({why}); truy vấn đọc toàn bộ sổ\n")
            }
            (Proof::NotServed(why), Lang::En) => {
                format!("index: not served ({why}); cold reads use the full log\n")
            }
        };
        journal + &index
    }

    fn json(&self) -> (Value, Value) {
        let journal = match self.journal {
            Some(n) => json!({"status": "agrees", "segments": n}),
            None => json!({"status": "none"}),
        };
        let index = match &self.index {
            Proof::Proven { files } => json!({"status": "proven", "files": files}),
            Proof::NotServed(why) => json!({"status": "not_served", "why": why}),
        };
        (journal, index)
    }
}
