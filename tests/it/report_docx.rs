//! Issue 16, item 4: the whole report as a Word document the commune can sign, and as
//! Markdown and HTML. The docx is opened by LibreOffice (headless) and read back as PDF and
//! text; the expected figures are the seed report's own (shared/seed), not socai's output.

use crate::common;
// The report as a vi-VN commune gets it: no SOCAI_LANG.
use common::office::{REPORT, convert, ok, report, soffice};
use common::{find_tool, import, lung_phinh_events, socai_default as socai, text};

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Lùng Phình store with its unit (a commune People's Committee under its province).
fn store(dir: &Path) -> PathBuf {
    let db = dir.join("db");
    ok(socai(
        &db,
        &[
            "init",
            "--unit",
            "LUNGPHINH",
            "--name",
            "UBND xã Lùng Phình",
            "--parent",
            "LAOCAI",
        ],
    ));
    import(&db, &lung_phinh_events());
    // Sections I and III: the seed's documents and the programs' results, recorded as events.
    import(&db, &lung_phinh_events().with_file_name("facts.jsonl"));
    db
}

/// Whether LibreOffice's Writer (which opens docx; Calc alone cannot) is installed.
fn writer_installed() -> bool {
    [
        "/usr/lib/libreoffice/program/libswlo.so",
        "/usr/lib64/libreoffice/program/libswlo.so",
        "/opt/libreoffice/program/libswlo.so",
    ]
    .iter()
    .any(|p| Path::new(p).exists())
}

/// Runs of whitespace as one space: how a sentence reads whatever the line breaks.
fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Asserts `needles` occur in `hay` in this order.
fn in_order(hay: &str, needles: &[&str]) {
    let mut from = 0;
    for n in needles {
        match hay[from..].find(n) {
            Some(at) => from += at + n.len(),
            None => panic!("{n:?} not found (in order) in:\n{hay}"),
        }
    }
}

/// The seed's head and section titles, in order (the state form: a UBND's report).
const HEAD_AND_SECTIONS: [&str; 14] = [
    "LAOCAI",
    "UBND XÃ LÙNG PHÌNH",
    "Số:",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Lùng Phình, ngày",
    "BÁO CÁO",
    "Kết quả thực hiện các Chương trình mục tiêu quốc gia năm 2025",
    "I. CÔNG TÁC QUẢN LÝ, ĐIỀU HÀNH THỰC HIỆN CÁC CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA",
    "II. HUY ĐỘNG, QUẢN LÝ, SỬ DỤNG NGUỒN LỰC THỰC HIỆN CÁC CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA NĂM 2025",
    "III. KẾT QUẢ THỰC HIỆN MỤC TIÊU, NHIỆM VỤ, DỰ ÁN THUỘC CÁC CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA NĂM 2025",
    "IV. ĐÁNH GIÁ KẾT QUẢ CHUNG ĐẠT ĐƯỢC VÀ NHỮNG KHÓ KHĂN, HẠN CHẾ, NGUYÊN NHÂN",
    "V. NHIỆM VỤ, GIẢI PHÁP THỰC HIỆN NĂM 2026",
    "VI. KIẾN NGHỊ",
];

/// Section II's sentences with the seed's figures (its 38.996, 21.597/38.996 = 55,38%, the
/// recurrent 13.646/20.336 = 67,11% and investment 7.951/18.660).
const SECTION_TWO: [&str; 6] = [
    "1. Cân đối nguồn lực từ ngân sách nhà nước",
    "Tổng kế hoạch vốn các CT MTQG năm 2025 bao gồm cả vốn kéo dài: 38.996 triệu đồng",
    "+ Vốn sự nghiệp: 20.336 triệu đồng (vốn chuyển nguồn: 4.457 triệu đồng, vốn giao trong năm 2025: 15.878 triệu đồng)",
    "Kết quả giải ngân: 21.597/38.996 triệu đồng, bằng 55,38% KHV",
    "+ Vốn sự nghiệp: 13.646/20.336 triệu đồng (đạt 67,11% KHV)",
    "Chương trình MTQG giảm nghèo bền vững: 7.102/9.001 triệu đồng",
];

/// Section I's documents (the seed's 45/QĐ-ĐU, and plan 44/KH amended by 49/KH) and
/// section III's results with the seed's figures (570 of 2.239 households = 25,46%; 411 =
/// 18,36% with the decimal comma; 8 of the 19 new-rural criteria).
const SECTIONS_ONE_AND_THREE: [&str; 9] = [
    "I. CÔNG TÁC QUẢN LÝ",
    "Quyết định số 45/QĐ-ĐU ngày 16/7/2025",
    "Kế hoạch số 44/KH-UBND ngày 08/9/2025",
    "Kế hoạch số 49/KH-UBND",
    "III. KẾT QUẢ THỰC HIỆN",
    "Số hộ nghèo còn lại 570 hộ/2.239 hộ trên địa bàn, chiếm 25,46%",
    "tỷ lệ nghèo giảm 13,52% (kế hoạch giao: 12,84%)",
    "411 hộ/2.239 hộ chiếm tỷ lệ 18,36%",
    "8/19 tiêu chí",
];

const SIGNATURES: [&str; 3] = ["NGƯỜI LẬP", "KẾ TOÁN TRƯỞNG", "THỦ TRƯỞNG ĐƠN VỊ"];

/// The cells LibreOffice's text export writes one per line: the row starting at `label`
/// (its `n` cells after the label), within the part of `txt` after `after`.
fn row_after(txt: &str, after: &str, label: &str, n: usize) -> Vec<String> {
    let from = txt.find(after).unwrap_or_else(|| panic!("no {after:?}"));
    let lines: Vec<&str> = txt[from..].lines().map(str::trim).collect();
    let at = lines
        .iter()
        .position(|l| *l == label)
        .unwrap_or_else(|| panic!("no row {label:?} after {after:?}"));
    lines[at + 1..=at + n]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn the_docx_opens_in_libreoffice_with_the_seed_layout_figures_and_annex_tables() {
    let Some(soffice) = soffice("the docx report check") else {
        return;
    };
    let Some(pdftotext) = find_tool(&["pdftotext"], "the docx report check") else {
        return;
    };
    if !writer_installed() {
        assert!(
            !common::tools_required(),
            "LibreOffice Writer is required (SOCAI_REQUIRE_TOOLS is set) but only soffice is here"
        );
        eprintln!("note: LibreOffice Writer is not installed; the docx report check is skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let db = store(tmp.path());
    let file = tmp.path().join("bao-cao.docx");
    // The format is what --out's extension names.
    report(&db, &["--out", file.to_str().unwrap()]);
    let dir = tmp.path().to_path_buf();
    let (pdf, txt) = std::thread::scope(|s| {
        let pdf = s.spawn(|| convert(soffice, &dir, &file, None, "pdf"));
        let txt = convert(soffice, &dir, &file, None, "txt:Text (encoded):UTF8");
        (pdf.join().unwrap(), txt)
    });
    let txt = std::fs::read_to_string(txt).unwrap();
    let flat = squeeze(&txt);
    in_order(&flat, &HEAD_AND_SECTIONS);
    in_order(&flat, &SECTION_TWO);
    in_order(&flat, &SECTIONS_ONE_AND_THREE);
    in_order(
        &flat,
        &[
            "Trên đây là báo cáo",
            SIGNATURES[0],
            SIGNATURES[1],
            SIGNATURES[2],
            "Phụ biểu 01",
            "Phụ biểu 02",
        ],
    );
    // Annex 01's total row: carried over, in-year, plan, disbursed, rate (the seed's
    // recurrent funds); annex 02's total: plan 18.660, disbursed 7.951.
    assert_eq!(
        row_after(&txt, "Phụ biểu 01", "Tổng cộng", 5),
        ["4.457", "15.878", "20.336", "13.646", "67,11%"]
    );
    let annex02 = row_after(&txt, "Phụ biểu 02", "Tổng cộng", 12).join(" ");
    assert!(annex02.contains("18.660 7.951"), "{annex02}");
    assert!(txt.contains("Công trình 23 (minh họa)"), "annex 02's rows");
    // The PDF: the same words, the provenance footnote, portrait report, landscape annexes.
    let o = Command::new(pdftotext).arg(&pdf).arg("-").output().unwrap();
    let pdf_text: String = text(&o.stdout).split_whitespace().collect();
    for needle in [
        "BÁOCÁO",
        "38.996",
        "21.597/38.996",
        "55,38%",
        "NGƯỜILẬP",
        "THỦTRƯỞNGĐƠNVỊ",
        "Sốliệulấytừsổcáisocai",
        "--known-at312",
    ] {
        assert!(pdf_text.contains(needle), "{needle} not in the PDF");
    }
    let info = text(
        &Command::new("pdfinfo")
            .args(["-f", "1", "-l", "99"])
            .arg(&pdf)
            .output()
            .unwrap()
            .stdout,
    );
    assert!(
        info.contains("Title:") && info.contains("BÁO CÁO"),
        "{info}"
    );
    let sizes: Vec<(f64, f64)> = info
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains("size:"))
        .filter_map(|l| {
            let dims = l.split("size:").nth(1)?;
            let mut it = dims.split_whitespace();
            let w: f64 = it.next()?.parse().ok()?;
            it.next();
            let h: f64 = it.next()?.parse().ok()?;
            Some((w, h))
        })
        .collect();
    let (first, last) = (sizes.first().unwrap(), sizes.last().unwrap());
    assert!(first.0 < first.1, "the report is portrait: {info}");
    assert!(last.0 > last.1, "the annexes are landscape: {info}");
}

/// A docx part's text.
fn part(docx: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut f = archive.by_name(name).unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

/// The custom property `socai_NAME` of a docx.
fn property(docx: &[u8], name: &str) -> String {
    let custom = part(docx, "docProps/custom.xml");
    let from = custom
        .find(&format!("name=\"socai_{name}\""))
        .unwrap_or_else(|| panic!("no {name}: {custom}"));
    let value = &custom[from..];
    let start = value.find("<vt:lpwstr>").unwrap() + "<vt:lpwstr>".len();
    let end = value.find("</vt:lpwstr>").unwrap();
    value[start..end].replace("&amp;", "&")
}

#[test]
fn the_reproduce_command_writes_the_same_bytes_after_the_ledger_moved_on() {
    let tmp = tempfile::tempdir().unwrap();
    let db = store(tmp.path());
    let file = tmp.path().join("r.docx");
    report(
        &db,
        &["--out", file.to_str().unwrap(), "--number", "12/BC-UBND"],
    );
    let first = std::fs::read(&file).unwrap();
    assert!(first.starts_with(b"PK"), "a docx is a zip");
    // Stdout (not a terminal here) carries the same bytes as --out, and --format docx names
    // the format --out's extension names.
    assert_eq!(
        report(&db, &["--format", "docx", "--number", "12/BC-UBND"]),
        first
    );
    let command = property(&first, "command");
    assert!(
        command.starts_with("socai report ") && command.contains("--known-at 312"),
        "{command}"
    );
    assert_eq!(property(&first, "known_at"), "312");
    assert_eq!(property(&first, "head_hash").len(), 64);
    let core = part(&first, "docProps/core.xml");
    assert!(core.contains("<dc:title>BÁO CÁO"), "{core}");
    // The footnote carries the same command.
    assert!(part(&first, "word/footnotes.xml").contains(&command));
    // The ledger moves on: one more allocation, recorded later.
    let more = tmp.path().join("more.jsonl");
    std::fs::write(
        &more,
        r#"{"id":"7d1c51c8-0f5c-4c55-9a43-3c2b1e0d9f01","type":"allocate","effective_date":"2025-11-10","line":"2025/DTTS/DT/CT01","amount":"1000000000","document":{"number":"99/QĐ-UBND","date":"2025-11-10"}}"#,
    )
    .unwrap();
    import(&db, &more);
    assert_ne!(
        report(&db, &["--format", "docx", "--number", "12/BC-UBND"]),
        first,
        "the figures changed"
    );
    // The reproduce command, exactly as printed, still writes the first document's bytes.
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let again = ok(socai(&db, &args));
    assert!(again == first, "the reproduce command gave other bytes");
}

#[test]
fn whole_markdown_and_html_carry_the_same_report_and_other_formats_refuse_it() {
    let tmp = tempfile::tempdir().unwrap();
    let db = store(tmp.path());
    let md = text(&report(&db, &["--whole", "--format", "md"]));
    let flat = squeeze(&md.replace("**", "").replace('\\', ""));
    in_order(&flat, &HEAD_AND_SECTIONS);
    in_order(&flat, &SECTION_TWO);
    in_order(&flat, &SIGNATURES);
    assert!(md.contains("\n## Phụ biểu 01."), "{md}");
    assert!(
        md.contains("| **Tổng cộng** | 4.457 | 15.878 | 20.336 | 13.646 | 67,11% |"),
        "{md}"
    );
    assert!(md.contains("[^nguon]: Số liệu lấy từ sổ cái socai"), "{md}");
    assert!(
        md.contains("--whole"),
        "the reproduce command keeps --whole"
    );
    let html = text(&report(&db, &["--whole", "--format", "html"]));
    let body: String = html
        .split('<')
        .map(|s| s.split_once('>').map_or(s, |(_, t)| t))
        .collect::<Vec<_>>()
        .join(" ");
    let flat = squeeze(&body);
    in_order(&flat, &HEAD_AND_SECTIONS);
    in_order(&flat, &SECTION_TWO);
    in_order(&flat, &SIGNATURES);
    assert!(
        html.contains("<table id=\"annex_01\">"),
        "annex 01 as a table"
    );
    assert!(
        html.contains("<table id=\"annex_02\">"),
        "annex 02 as a table"
    );
    // The figures report stays what it was: no sections I–VI.
    let figures = text(&report(&db, &["--format", "md"]));
    assert!(!figures.contains("VI. KIẾN NGHỊ"));
    // --whole is a layout of documents: JSON, CSV, text and xlsx refuse it (exit 2).
    for format in ["json", "csv", "text"] {
        let args: Vec<&str> = REPORT
            .iter()
            .copied()
            .chain(["--whole", "--format", format])
            .collect();
        let o = socai(&db, &args);
        assert_eq!(o.status.code(), Some(2), "{format}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains("whole_needs_document_format"),
            "{}",
            text(&o.stderr)
        );
    }
    // A format that contradicts --out's extension is refused before anything is written.
    let out = tmp.path().join("r.docx");
    let args: Vec<&str> = REPORT
        .iter()
        .copied()
        .chain(["--format", "md", "--out", out.to_str().unwrap()])
        .collect();
    let o = socai(&db, &args);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("format_mismatch"));
    assert!(!out.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_v1_report_gives_the_docx_as_a_download_of_the_cli_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let db = store(tmp.path());
    let cli_docx = report(&db, &["--format", "docx"]);
    let cli_md = report(&db, &["--whole", "--format", "md"]);
    let server = common::Server::start(&db, None);
    let client = common::client();
    let base = "/v1/reports/section-ii?as_of=2025-11-20&plan_year=2025";
    let get = |query: String| {
        let request = client.get(server.url(&query));
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let header = |name: &str| {
                r.headers()
                    .get(name)
                    .map_or(String::new(), |v| v.to_str().unwrap().to_string())
            };
            let (ct, cd) = (header("content-type"), header("content-disposition"));
            (status, ct, cd, r.bytes().await.unwrap().to_vec())
        }
    };
    let (s, ct, cd, body) = get(format!("{base}&format=docx")).await;
    assert_eq!(s, 200);
    assert_eq!(
        ct,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(
        cd,
        "attachment; filename=\"socai-report-2025-11-20-2025.docx\""
    );
    assert!(
        body == cli_docx,
        "the server's docx is the CLI's, byte for byte"
    );
    // A second request, after the server has written other documents, gives the same bytes.
    let (_, _, _, again) = get(format!("{base}&format=docx")).await;
    assert!(again == cli_docx);
    let (s, _, _, md) = get(format!("{base}&format=md&whole=true")).await;
    assert_eq!(s, 200);
    assert_eq!(text(&md), text(&cli_md));
    let (s, _, _, refused) = get(format!("{base}&format=json&whole=true")).await;
    assert_eq!(s, 400, "{}", text(&refused));
}
