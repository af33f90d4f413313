//! The warning every door gives after an append that recorded a likely duplicate voucher
//! (`core::duplicates`): `import` on stderr, `POST /v1/events` in its `warnings` array, the
//! dashboard in its notice. The append itself is not refused.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::core::chain::Chain;
use crate::core::duplicates;
use crate::core::revision;
use crate::core::rules::Recorded;
use crate::present::vi_format;

/// The stable code of the warning (the API's `warnings[].code`).
pub const CODE: &str = "likely_duplicate";

/// One just-appended event that repeats a voucher still counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub seq: u64,
    pub id: Uuid,
    pub document: String,
    pub document_date: chrono::NaiveDate,
    pub lines: Vec<String>,
    pub amount: rust_decimal::Decimal,
    pub first_seq: u64,
    pub first_id: Uuid,
}

/// The warnings for the sequences an append just recorded (empty when none repeats), from
/// the whole log.
pub fn after_append(chain: Chain<'_>, seqs: &[u64]) -> Vec<Warning> {
    duplicates::repeats(chain.records(), seqs)
        .into_iter()
        .filter_map(|d| Warning::of(d.record, d.first))
        .collect()
}

/// The warnings for pairs (a just-appended record, the first counted one it repeats), as a
/// voucher lookup finds them (`Ledger::repeats`, the server's `Log::repeats`).
pub fn of_pairs(pairs: &[(Recorded, Recorded)]) -> Vec<Warning> {
    pairs
        .iter()
        .filter_map(|(record, first)| Warning::of(record, first))
        .collect()
}

impl Warning {
    /// The warning that `record` repeats the voucher of `first`.
    fn of(record: &Recorded, first: &Recorded) -> Option<Warning> {
        let e = &record.event;
        let doc = e.document.as_ref()?;
        Some(Warning {
            seq: record.seq,
            id: e.id,
            document: doc.number.clone(),
            document_date: doc.date,
            lines: e.lines().into_iter().map(str::to_string).collect(),
            amount: revision::event_amount(&e.kind)?,
            first_seq: first.seq,
            first_id: first.event.id,
        })
    }

    /// In English, as the CLI's other import messages are (one line, no trailing newline).
    pub fn text_en(&self) -> String {
        format!("warning: {CODE}: {}", self.message_en())
    }

    fn message_en(&self) -> String {
        format!(
            "sequence {} (id {}) repeats document {} of {}, line {}, {} đồng, \
             already counted at sequence {} (id {}); recorded anyway: reverse one if it was keyed twice",
            self.seq,
            self.id,
            self.document,
            self.document_date,
            self.lines.join(" → "),
            vi_format::dong(self.amount),
            self.first_seq,
            self.first_id
        )
    }

    /// In the reader's language, for the dashboard.
    pub fn text(&self, lang: vi_format::Lang) -> String {
        match lang {
            vi_format::Lang::Vi => self.text_vi(),
            vi_format::Lang::En => self.text_en(),
        }
    }

    /// In Vietnamese, for the dashboard and the import's stderr.
    pub fn text_vi(&self) -> String {
        format!(
            "Cảnh báo: có thể trùng chứng từ. Thứ tự {} lặp lại chứng từ {} ngày {}, dòng {}, {} đồng \
             đã ghi ở thứ tự {}. Đã ghi; nếu nhập trùng, hãy hủy một bút toán.",
            self.seq,
            self.document,
            self.document_date.format("%d/%m/%Y"),
            self.lines.join(" → "),
            vi_format::dong(self.amount),
            self.first_seq
        )
    }

    /// The API's `warnings[]` entry.
    pub fn to_json(&self) -> Value {
        json!({
            "code": CODE,
            "message": self.message_en(),
            "seq": self.seq,
            "id": self.id.to_string(),
            "document": {"number": self.document, "date": self.document_date.to_string()},
            "lines": self.lines,
            "amount": self.amount.to_string(),
            "duplicate_of": {"seq": self.first_seq, "id": self.first_id.to_string()},
        })
    }
}
