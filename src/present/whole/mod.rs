//! The whole report (issue 16) in the seed report's layout: the official head, the title,
//! sections I–VI, the closing sentence, the signatures, the annexes and the provenance. One
//! model (`Whole`), built once from the figures and the prose sections; Markdown and HTML
//! (`markup`) and Word (`docx`) only draw it.

mod docx;
mod docx_props;
mod markup;

pub use docx::docx;
pub use markup::{html, markdown};

use crate::core::annex::Figures;
use crate::present::messages::{self, t};
use crate::present::prose::{Block, Prose};
use crate::present::render::official::{self, Head, Signature};
use crate::present::render::section_two::{self, Item};
use crate::present::render::{Provenance, Style, Table, provenance_pairs, tables};
use crate::present::vi_format::Lang;

/// One roman-numbered section: its title and body, or a hint where the unit writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub numeral: &'static str,
    pub title: String,
    pub body: Prose,
    /// Set when the body is empty: what to write there (a headed blank).
    pub blank: Option<String>,
}

/// The whole report, ready to draw.
#[derive(Clone, Debug)]
pub struct Whole {
    pub lang: Lang,
    pub head: Head,
    /// "BÁO CÁO".
    pub title: String,
    pub subtitle: String,
    /// The date the figures stand at and their unit; the provenance note hangs on it.
    pub as_of_line: String,
    pub intro: String,
    pub sections: Vec<Section>,
    pub closing: String,
    pub signatures: [Signature; 3],
    pub annexes: Vec<Table>,
    /// "Đơn vị tính: triệu đồng", printed with the annexes.
    pub annex_unit: String,
    /// The provenance as (label, value) pairs, and as one sentence (footnote, final note).
    pub provenance: Vec<(&'static str, String)>,
    pub note: String,
    /// The document's properties: title, subject, language tag, the moment its figures were
    /// known (RFC 3339, never the clock), and the machine-readable provenance fields.
    pub properties: Properties,
}

/// What a document format stores about itself (docx core and custom properties).
#[derive(Clone, Debug)]
pub struct Properties {
    pub title: String,
    pub subject: String,
    pub language: &'static str,
    pub known_moment: String,
    pub fields: Vec<(&'static str, String)>,
}

/// The prose sections the ledger fills (I: documents; III: results), as `app::sections` gives
/// them.
pub struct Filled {
    pub one: Prose,
    pub three: Prose,
}

/// Builds the whole report from the figures, their provenance and sections I and III.
pub fn build(figures: &Figures, prov: &Provenance, style: Style, filled: Filled) -> Whole {
    let lang = style.lang;
    let year = figures.plan_year;
    let as_of = messages::date(lang, prov.as_of);
    let unit_name = prov.unit.as_ref().map(|u| u.name.clone());
    let subtitle = match lang {
        Lang::Vi => format!(
            "Kết quả thực hiện các Chương trình mục tiêu quốc gia năm {year}, nhiệm vụ, giải pháp năm {}",
            year + 1
        ),
        Lang::En => format!(
            "Results of the National Target Programs in {year}; tasks and solutions for {}",
            year + 1
        ),
    };
    let (figures_at, amounts_in) = match lang {
        Lang::Vi => ("Số liệu đến hết ngày", "đơn vị tính:"),
        Lang::En => ("Figures as of the end of", "amounts in"),
    };
    let as_of_line = format!(
        "({figures_at} {as_of}; {amounts_in} {})",
        style.unit.label(lang)
    );
    let intro = match (lang, &unit_name) {
        (Lang::Vi, Some(u)) => format!(
            "{u} báo cáo kết quả thực hiện các Chương trình mục tiêu quốc gia năm {year} như sau:"
        ),
        (Lang::Vi, None) => format!(
            "Đơn vị báo cáo kết quả thực hiện các Chương trình mục tiêu quốc gia năm {year} như sau:"
        ),
        (Lang::En, Some(u)) => {
            format!("{u} reports on the National Target Programs in {year} as follows:")
        }
        (Lang::En, None) => {
            format!("The unit reports on the National Target Programs in {year} as follows:")
        }
    };
    let closing = match (lang, &unit_name) {
        (Lang::Vi, Some(u)) => format!(
            "Trên đây là báo cáo kết quả thực hiện các Chương trình mục tiêu quốc gia năm {year} của {u}./."
        ),
        (Lang::Vi, None) => format!(
            "Trên đây là báo cáo kết quả thực hiện các Chương trình mục tiêu quốc gia năm {year}./."
        ),
        (Lang::En, _) => {
            format!("This concludes the report on the National Target Programs in {year}.")
        }
    };
    let title = t(lang, "BÁO CÁO", "REPORT").to_string();
    let properties = Properties {
        title: format!("{title}: {subtitle}"),
        subject: as_of_line
            .trim_matches(|c| c == '(' || c == ')')
            .to_string(),
        language: t(lang, "vi-VN", "en-GB"),
        known_moment: known_moment(prov),
        fields: prov
            .fields()
            .into_iter()
            .chain(prov.unit.as_ref().map(|u| ("unit", u.code.clone())))
            .collect(),
    };
    Whole {
        lang,
        head: official::head(prov, lang),
        title,
        subtitle,
        as_of_line,
        intro,
        sections: sections(figures, style, &as_of, filled),
        closing,
        signatures: official::signatures(lang),
        annexes: annexes(figures, style),
        annex_unit: format!(
            "{} {}",
            t(lang, "Đơn vị tính:", "Amounts in"),
            style.unit.label(lang)
        ),
        provenance: provenance_pairs(prov, lang),
        note: note(prov, lang),
        properties,
    }
}

/// When the figures were known: the recording time of the event at the knowledge point, or
/// (nothing recorded) the start of the as-of day. A document written again from the same
/// knowledge point carries the same moment.
fn known_moment(prov: &Provenance) -> String {
    match prov.recorded_at {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => format!("{}T00:00:00Z", prov.as_of),
    }
}

/// The provenance in one sentence: what the figures are, and the command that writes this
/// document again.
fn note(prov: &Provenance, lang: Lang) -> String {
    match lang {
        Lang::Vi => format!(
            "Số liệu lấy từ sổ cái socai: đến hết ngày {}, theo sổ đến sự kiện số {} (mã băm {}, ghi lúc {}). Lập lại đúng văn bản này bằng lệnh: {}",
            messages::date(lang, prov.as_of),
            prov.known_at,
            prov.hash_text(),
            prov.recorded_text(),
            prov.command
        ),
        Lang::En => format!(
            "Figures from the socai ledger: as of the end of {}, as known at event {} (hash {}, recorded at {}). This document is written again by: {}",
            prov.as_of,
            prov.known_at,
            prov.hash_text(),
            prov.recorded_text(),
            prov.command
        ),
    }
}

/// Sections I–VI: I and III as the ledger gives them, II from the figures, IV–VI blank.
fn sections(figures: &Figures, style: Style, as_of: &str, filled: Filled) -> Vec<Section> {
    let lang = style.lang;
    let year = figures.plan_year;
    let from_ledger = |what_vi: &str, what_en: &str| match lang {
        Lang::Vi => format!(
            "(Đến hết ngày {as_of} sổ chưa ghi {what_vi} nào cho phần này; đơn vị viết nội dung vào đây.)"
        ),
        Lang::En => format!(
            "(Up to {as_of} the ledger records no {what_en} for this part; the unit writes it here.)"
        ),
    };
    let by_hand = t(
        lang,
        "(Đơn vị viết nội dung phần này.)",
        "(To be written by the unit.)",
    );
    let section = |numeral, title: String, body: Prose, blank: String| Section {
        numeral,
        title,
        blank: body.is_empty().then_some(blank),
        body,
    };
    let titled = |vi: String, en: String| match lang {
        Lang::Vi => vi,
        Lang::En => en,
    };
    vec![
        section(
            "I",
            t(
                lang,
                "CÔNG TÁC QUẢN LÝ, ĐIỀU HÀNH THỰC HIỆN CÁC CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA",
                "MANAGEMENT AND DIRECTION OF THE NATIONAL TARGET PROGRAMS",
            )
            .to_string(),
            filled.one,
            from_ledger("văn bản", "document"),
        ),
        section(
            "II",
            titled(
                format!(
                    "HUY ĐỘNG, QUẢN LÝ, SỬ DỤNG NGUỒN LỰC THỰC HIỆN CÁC CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA NĂM {year}"
                ),
                format!(
                    "RESOURCES OF THE NATIONAL TARGET PROGRAMS IN {year}: MOBILISATION, MANAGEMENT AND USE"
                ),
            ),
            section_two_prose(figures, style),
            by_hand.to_string(),
        ),
        section(
            "III",
            titled(
                format!(
                    "KẾT QUẢ THỰC HIỆN MỤC TIÊU, NHIỆM VỤ, DỰ ÁN THUỘC CÁC CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA NĂM {year}"
                ),
                format!(
                    "RESULTS OF THE NATIONAL TARGET PROGRAMS' OBJECTIVES, TASKS AND PROJECTS IN {year}"
                ),
            ),
            filled.three,
            from_ledger("chỉ tiêu", "indicator"),
        ),
        section(
            "IV",
            t(
                lang,
                "ĐÁNH GIÁ KẾT QUẢ CHUNG ĐẠT ĐƯỢC VÀ NHỮNG KHÓ KHĂN, HẠN CHẾ, NGUYÊN NHÂN",
                "OVERALL ASSESSMENT, DIFFICULTIES, SHORTCOMINGS AND THEIR CAUSES",
            )
            .to_string(),
            Prose::default(),
            by_hand.to_string(),
        ),
        section(
            "V",
            titled(
                format!("NHIỆM VỤ, GIẢI PHÁP THỰC HIỆN NĂM {}", year + 1),
                format!("TASKS AND SOLUTIONS FOR {}", year + 1),
            ),
            Prose::default(),
            by_hand.to_string(),
        ),
        section(
            "VI",
            t(lang, "KIẾN NGHỊ", "RECOMMENDATIONS").to_string(),
            Prose::default(),
            by_hand.to_string(),
        ),
    ]
}

/// Section II under the seed's two headings: the plan, then its disbursement, each capital
/// type followed by its programs and (disbursement) the annex that details it.
fn section_two_prose(figures: &Figures, style: Style) -> Prose {
    let lang = style.lang;
    let year = figures.plan_year;
    let s = section_two::parts(figures, style);
    let mut blocks = Vec::new();
    let items = |blocks: &mut Vec<Block>, items: &[Item], details: bool| {
        for item in items {
            blocks.push(Block::Paragraph(format!("+ {}", item.line)));
            for (i, p) in item.programs.iter().enumerate() {
                blocks.push(Block::Paragraph(format!("({}) {p}", i + 1)));
            }
            if details {
                let note = section_two::details_note(lang, item.capital);
                blocks.push(Block::Paragraph(note.to_string()));
            }
        }
    };
    blocks.push(Block::Heading {
        level: 1,
        text: t(
            lang,
            "1. Cân đối nguồn lực từ ngân sách nhà nước",
            "1. Resources from the state budget",
        )
        .to_string(),
    });
    blocks.push(Block::Paragraph(s.plan));
    items(&mut blocks, &s.plan_items, false);
    blocks.push(Block::Heading {
        level: 1,
        text: match lang {
            Lang::Vi => format!("2. Kết quả giải ngân kế hoạch vốn năm {year}"),
            Lang::En => format!("2. Disbursement of the {year} capital plan"),
        },
    });
    blocks.push(Block::Paragraph(s.disbursed));
    items(&mut blocks, &s.disbursed_items, true);
    Prose { blocks }
}

/// The annexes: 01 and 02 always (the seed's), the advances to recover when there are any.
fn annexes(figures: &Figures, style: Style) -> Vec<Table> {
    tables(figures, style)
        .into_iter()
        .filter(|t| match t.key {
            "annex_01" | "annex_02" => true,
            "advances" => t.rows.len() > 1,
            _ => false,
        })
        .collect()
}

#[cfg(test)]
mod tests;
