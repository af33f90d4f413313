//! `reconcile`'s answer for people: which claims of a printed report follow from the ledger,
//! each compared at its printed precision, in Vietnamese (the default) or English.

use chrono::NaiveDate;

use crate::core::reconcile;
use crate::present::messages::{self, say, t};
use crate::present::vi_format::Lang;

/// `reconcile`'s answer for people: the pin, one row per claim, and the count.
pub fn text(
    source: &str,
    verdicts: &[reconcile::Verdict],
    (as_of, plan_year): (NaiveDate, i32),
    (known_at, hash): (u64, &str),
    lang: Lang,
) -> String {
    let mut out = say(
        lang,
        format!(
            "đối chiếu số liệu của {source} với sổ: số liệu đến hết ngày {}, năm kế hoạch {plan_year}, theo sổ đến sự kiện số {known_at} (mã băm {hash})\n\
             mỗi số được so ở đúng độ chính xác đã in, làm tròn nửa lên (xa số 0)\n",
            messages::date(lang, as_of)
        ),
        format!(
            "claims of {source} against the ledger as of {as_of}, plan year {plan_year}, known at sequence {known_at} (hash {hash})\n\
             each claim is compared at the precision it was printed with, rounding half away from zero\n"
        ),
    );
    let rows: Vec<[String; 6]> = verdicts
        .iter()
        .map(|v| {
            [
                match v.ok {
                    true => t(lang, "khớp", "ok"),
                    false => t(lang, "SAI", "FAIL"),
                }
                .to_string(),
                v.claim.id.clone(),
                measure_text(v.claim.measure, lang).to_string(),
                slice_text(&v.claim.slice, lang),
                v.claim.printed.clone(),
                match (&v.note, v.mismatch, lang) {
                    (Some(_), Some("decimal_mark"), Lang::Vi) => {
                        format!("{} (đúng số nhưng in sai dấu thập phân)", v.ledger)
                    }
                    (Some(_), Some("missing"), Lang::Vi) => {
                        format!("{} (sổ không có số liệu này)", v.ledger)
                    }
                    (Some(n), _, _) => format!("{} ({n})", v.ledger),
                    (None, _, _) => v.ledger.clone(),
                },
            ]
        })
        .collect();
    let head = [
        t(lang, "kết quả", "status"),
        t(lang, "số liệu", "claim"),
        t(lang, "chỉ tiêu", "measure"),
        t(lang, "phạm vi", "slice"),
        t(lang, "số đã in", "claimed"),
        t(lang, "theo sổ", "ledger"),
    ]
    .map(String::from);
    crate::present::render::aligned(&mut out, &head, &rows, |i| i == 4 || i == 5);
    let failed: Vec<&str> = verdicts
        .iter()
        .filter(|v| !v.ok)
        .map(|v| v.claim.id.as_str())
        .collect();
    let list = if failed.is_empty() {
        String::new()
    } else {
        format!(": {}", failed.join("; "))
    };
    let (all, bad) = (verdicts.len(), failed.len());
    let good = all - bad;
    out.push_str(&say(
        lang,
        format!("{all} số liệu: {good} số khớp với sổ, {bad} số không khớp{list}\n"),
        format!("{all} claims: {good} follow from the ledger, {bad} do not{list}\n"),
    ));
    out
}

fn measure_text(m: reconcile::Measure, lang: Lang) -> &'static str {
    use reconcile::Measure as M;
    let vi = match m {
        M::Plan => "KH vốn",
        M::Carried => "chuyển nguồn",
        M::InYear => "giao trong năm",
        M::Disbursed => "giải ngân",
        M::Rate => "tỷ lệ GN",
        M::Works => "số công trình",
        M::Indicator => "chỉ tiêu",
        M::Numerator => "tử số",
        M::Denominator => "mẫu số",
        M::Target => "kế hoạch giao",
        M::Met => "tiêu chí đạt",
        M::Criteria => "số tiêu chí",
    };
    t(lang, vi, m.as_str())
}

fn slice_text(s: &reconcile::Slice, lang: Lang) -> String {
    use crate::core::event::Capital;
    use reconcile::Slice;
    let capital = |c: Capital| match c {
        Capital::Recurrent => "sự nghiệp",
        Capital::Investment => "ĐTPT",
    };
    let vi = match s {
        Slice::Total {} => "tổng".to_string(),
        Slice::Capital { capital: c } => capital(c.capital()).to_string(),
        Slice::Program {
            capital: c,
            program,
        } => format!("{} {program}", capital(c.capital())),
        Slice::Line { line } => format!("dòng {line}"),
        Slice::Indicator { indicator, period } => format!("{indicator} năm {period}"),
        Slice::Criteria { program, period } => format!("bộ tiêu chí {program} năm {period}"),
    };
    say(lang, vi, s.describe())
}
