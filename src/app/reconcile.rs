//! `socai reconcile`: printed figures (a claims file) checked against the ledger, each at the
//! precision it was printed with.

use std::path::Path;

use chrono::NaiveDate;

use crate::app::error::AppError;
use crate::app::export::json_line;
use crate::app::query;
use crate::app::source::Chain;
use crate::core::known_at::KnownAt;
use crate::core::reconcile;
use crate::io::files;
use crate::present::messages::{self, Lang};

/// The verdicts as text (or JSON lines), how many claims failed, and how many there were.
pub struct Reconciled {
    pub text: String,
    pub failed: usize,
    pub total: usize,
}

/// Reads a claims file, refusing one over the size limit.
pub fn read_claims(path: &Path) -> Result<String, AppError> {
    files::read_text_file(path, reconcile::MAX_CLAIMS_BYTES).map_err(AppError::File)
}

/// Checks a claims file's text (named `source` in messages) against the ledger.
pub fn reconcile_claims(
    chain: Chain<'_>,
    source: &str,
    text: &str,
    as_of: NaiveDate,
    known_at: Option<KnownAt>,
    plan_year: i32,
    (json, lang): (bool, Lang),
) -> Result<Reconciled, AppError> {
    let file =
        reconcile::parse_claims(text).map_err(|e| AppError::Usage(format!("{source}: {e}")))?;
    let (pin, lines) = query::balances(chain, as_of, known_at, Some(plan_year))?;
    let view = pin.view;
    let known = crate::core::facts_view::indicators(chain.records(), view);
    let verdicts = reconcile::check(&file.claims, &lines, &known);
    let failed = verdicts.iter().filter(|v| !v.ok).count();
    let total = verdicts.len();
    let hash = pin.hash.map_or("-".to_string(), hex::encode);
    let out = if json {
        let mut out = String::new();
        for v in &verdicts {
            let mut obj = reconcile::verdict_json(v);
            if let serde_json::Value::Object(m) = &mut obj {
                m.insert("as_of".into(), as_of.to_string().into());
                m.insert("plan_year".into(), plan_year.into());
                m.insert("known_at".into(), view.known_at.into());
                m.insert("head_hash".into(), hash.clone().into());
            }
            out.push_str(&json_line(&obj));
        }
        out
    } else {
        let pin = (view.known_at, hash.as_str());
        reconcile_text(source, &verdicts, (as_of, plan_year), pin, lang)
    };
    Ok(Reconciled {
        text: out,
        failed,
        total,
    })
}

fn reconcile_text(
    source: &str,
    verdicts: &[reconcile::Verdict],
    (as_of, plan_year): (NaiveDate, i32),
    (known_at, hash): (u64, &str),
    lang: Lang,
) -> String {
    use std::fmt::Write as _;
    let mut out = match lang {
        Lang::Vi => format!(
            "đối chiếu số liệu của {source} với sổ: số liệu đến hết ngày {}, năm kế hoạch {plan_year}, theo sổ đến sự kiện số {known_at} (mã băm {hash})\n\
             mỗi số được so ở đúng độ chính xác đã in, làm tròn nửa lên (xa số 0)\n",
            messages::date(lang, as_of)
        ),
        Lang::En => format!(
            "claims of {source} against the ledger as of {as_of}, plan year {plan_year}, known at sequence {known_at} (hash {hash})\n\
             each claim is compared at the precision it was printed with, rounding half away from zero\n"
        ),
    };
    let rows: Vec<[String; 6]> = verdicts
        .iter()
        .map(|v| {
            [
                match (v.ok, lang) {
                    (true, Lang::Vi) => "khớp",
                    (false, Lang::Vi) => "SAI",
                    (true, Lang::En) => "ok",
                    (false, Lang::En) => "FAIL",
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
    let head = match lang {
        Lang::Vi => [
            "kết quả",
            "số liệu",
            "chỉ tiêu",
            "phạm vi",
            "số đã in",
            "theo sổ",
        ],
        Lang::En => ["status", "claim", "measure", "slice", "claimed", "ledger"],
    }
    .map(String::from);
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            rows.iter()
                .chain(std::iter::once(&head))
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in std::iter::once(&head).chain(rows.iter()) {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            let pad = " ".repeat(widths[i] - cell.chars().count());
            if i == 4 || i == 5 {
                let _ = write!(line, "{pad}{cell}  ");
            } else {
                let _ = write!(line, "{cell}{pad}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
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
    let _ = match lang {
        Lang::Vi => writeln!(
            out,
            "{all} số liệu: {good} số khớp với sổ, {bad} số không khớp{list}"
        ),
        Lang::En => writeln!(
            out,
            "{all} claims: {good} follow from the ledger, {bad} do not{list}"
        ),
    };
    out
}

fn measure_text(m: reconcile::Measure, lang: Lang) -> &'static str {
    use reconcile::Measure as M;
    match lang {
        Lang::En => m.as_str(),
        Lang::Vi => match m {
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
        },
    }
}

fn slice_text(s: &reconcile::Slice, lang: Lang) -> String {
    use crate::core::event::Capital;
    use reconcile::Slice;
    let capital = |c: Capital| match c {
        Capital::Recurrent => "sự nghiệp",
        Capital::Investment => "ĐTPT",
    };
    match (s, lang) {
        (_, Lang::En) => s.describe(),
        (Slice::Total {}, Lang::Vi) => "tổng".to_string(),
        (Slice::Capital { capital: c }, Lang::Vi) => capital(c.capital()).to_string(),
        (
            Slice::Program {
                capital: c,
                program,
            },
            Lang::Vi,
        ) => {
            format!("{} {program}", capital(c.capital()))
        }
        (Slice::Line { line }, Lang::Vi) => format!("dòng {line}"),
        (Slice::Indicator { indicator, period }, Lang::Vi) => format!("{indicator} năm {period}"),
        (Slice::Criteria { program, period }, Lang::Vi) => {
            format!("bộ tiêu chí {program} năm {period}")
        }
    }
}
