use std::io::Read as _;

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::core::annex;
use crate::present::render::official::Official;
use crate::present::vi_format::Unit;

fn prov(name: &str) -> Provenance {
    Provenance {
        as_of: NaiveDate::from_ymd_opt(2025, 11, 20).unwrap(),
        plan_year: 2025,
        known_at: 277,
        recorded_at: Some(Utc.with_ymd_and_hms(2025, 11, 20, 10, 0, 0).unwrap()),
        head_hash: Some([0xab; 32]),
        command: "socai report --as-of 2025-11-20 --known-at 277 --plan-year 2025 --format docx"
            .to_string(),
        unit: Some(crate::core::unit::Unit {
            code: "X1".to_string(),
            name: name.to_string(),
            parent: Some("P1".to_string()),
        }),
        official: Official::default(),
    }
}

const STYLE: Style = Style {
    lang: Lang::Vi,
    unit: Unit::Trieu,
};

fn whole(name: &str, filled: Filled) -> Whole {
    build(&annex::build(2025, &[]), &prov(name), STYLE, filled)
}

fn empty() -> Filled {
    Filled {
        one: Prose::default(),
        three: Prose::default(),
    }
}

/// Every part of a docx: (name, last-modified year, bytes).
fn parts(bytes: &[u8]) -> Vec<(String, u16, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let year = f.last_modified().map_or(0, |d| d.year());
            let mut body = Vec::new();
            f.read_to_end(&mut body).unwrap();
            (f.name().unwrap().to_string(), year, body)
        })
        .collect()
}

fn part(bytes: &[u8], name: &str) -> String {
    let found = parts(bytes).into_iter().find(|(n, ..)| n == name);
    String::from_utf8(found.unwrap_or_else(|| panic!("no {name}")).2).unwrap()
}

#[test]
fn the_same_report_gives_the_same_bytes_whatever_was_written_before() {
    let w = whole("UBND xã Lùng Phình", empty());
    let first = docx(&w, STYLE).unwrap();
    // Another document on this thread, then the same one again here and on another thread:
    // docx-rs's paragraph counter must not leak from one document into the next.
    let other = whole("UBND xã Khác", empty());
    assert_ne!(docx(&other, STYLE).unwrap(), first);
    assert_eq!(docx(&w, STYLE).unwrap(), first);
    let elsewhere = std::thread::spawn(move || docx(&w, STYLE).unwrap());
    assert_eq!(elsewhere.join().unwrap(), first);
}

#[test]
fn the_dates_in_the_file_are_the_known_moment_never_the_clock() {
    let bytes = docx(&whole("UBND xã Lùng Phình", empty()), STYLE).unwrap();
    for (name, year, _) in parts(&bytes) {
        assert_eq!(year, 1980, "{name}: the ZIP's fixed date");
    }
    let core = part(&bytes, "docProps/core.xml");
    assert!(
        core.contains(">2025-11-20T10:00:00Z</dcterms:created>")
            && core.contains(">2025-11-20T10:00:00Z</dcterms:modified>"),
        "{core}"
    );
    assert!(core.contains("<dc:language>vi-VN</dc:language>"), "{core}");
    let custom = part(&bytes, "docProps/custom.xml");
    let names: Vec<&str> = custom
        .split("name=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(
        names,
        [
            "socai_as_of",
            "socai_plan_year",
            "socai_known_at",
            "socai_recorded_at",
            "socai_head_hash",
            "socai_command",
            "socai_unit"
        ]
    );
    assert!(custom.contains(&"ab".repeat(32)), "{custom}");
}

/// Reads an XML part to its end; a malformed part fails.
fn well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("malformed XML: {e}\n{xml}"),
        }
    }
}

#[test]
fn hostile_names_are_text_in_every_part() {
    let hostile = "A & <w:p>\"B\" \u{7}</Properties>";
    let bytes = docx(&whole(hostile, empty()), STYLE).unwrap();
    for (name, _, body) in parts(&bytes) {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            well_formed(&String::from_utf8(body).unwrap());
        }
    }
    let document = part(&bytes, "word/document.xml");
    assert!(
        document.contains("A &amp; &lt;W:P&gt;"),
        "the head's capitals"
    );
    assert!(!document.contains('\u{7}'));
    let html = html(&whole(hostile, empty()), STYLE);
    assert!(!html.contains("<w:p>") && html.contains("&lt;w:p&gt;"));
}

#[test]
fn empty_sections_are_headed_blanks_and_filled_ones_are_drawn() {
    let one = Prose {
        blocks: vec![
            Block::Heading {
                level: 1,
                text: "1. Văn bản chỉ đạo".to_string(),
            },
            Block::Paragraph("Quyết định số 45/QĐ-ĐU ngày 16/07/2025".to_string()),
            Block::Bullet("Kế hoạch số 49/KH-UBND sửa đổi 44/KH-UBND".to_string()),
        ],
    };
    let w = whole(
        "UBND xã Lùng Phình",
        Filled {
            one,
            three: Prose::default(),
        },
    );
    let numerals: Vec<&str> = w.sections.iter().map(|s| s.numeral).collect();
    assert_eq!(numerals, ["I", "II", "III", "IV", "V", "VI"]);
    let blank: Vec<bool> = w.sections.iter().map(|s| s.blank.is_some()).collect();
    assert_eq!(blank, [false, false, true, true, true, true]);
    let md = markdown(&w, STYLE);
    assert!(md.contains("\n### 1. Văn bản chỉ đạo\n"), "{md}");
    assert!(md.contains("\n- Kế hoạch số 49/KH-UBND"), "{md}");
    assert!(md.contains("sổ chưa ghi chỉ tiêu nào"), "{md}");
    let page = html(&w, STYLE);
    assert!(page.contains("<ul>\n<li>Kế hoạch số 49/KH-UBND sửa đổi 44/KH-UBND</li>\n</ul>"));
    let document = part(&docx(&w, STYLE).unwrap(), "word/document.xml");
    for text in [
        "I. CÔNG TÁC QUẢN LÝ",
        "Quyết định số 45/QĐ-ĐU ngày 16/07/2025",
        "- Kế hoạch số 49/KH-UBND",
        "VI. KIẾN NGHỊ",
        "(Đơn vị viết nội dung phần này.)",
    ] {
        assert!(document.contains(text), "{text}");
    }
}

#[test]
fn the_head_is_the_state_form_with_the_unit_above_and_the_place_of_the_unit() {
    let w = whole("UBND xã Lùng Phình", empty());
    assert_eq!(w.head.upper.as_deref(), Some("P1"));
    assert_eq!(w.head.unit, "UBND XÃ LÙNG PHÌNH");
    assert_eq!(w.head.motto[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    assert!(w.head.place_date.starts_with("Lùng Phình, ngày "));
}
