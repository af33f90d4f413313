//! The whole report as a Word document (docx-rs): A4 portrait for the report itself in the
//! layout of a state document (Nghị định 30/2020/NĐ-CP: Times New Roman 13 pt, margins 2 / 2 /
//! 3 / 1.5 cm), then a landscape section for the wide annex tables and the provenance.
//!
//! The same report gives the same bytes: docx-rs's ZIP entries carry the fixed 1980 date, the
//! core properties carry the moment the figures were known (never the clock), the custom
//! properties are written in a fixed order, and paragraph ids are numbered from 1 on a thread
//! of the document's own (docx-rs counts them per thread).

use docx_rs::{
    AlignmentType, Docx, Footnote, LineSpacing, PageMargin, PageOrientationType, PageSize,
    Paragraph, Run, RunFonts, Section as DocxSection, SpecialIndentType, Table, TableCell,
    TableLayoutType, TableRow, WidthType,
};

use super::{Section, Whole, docx_props};
use crate::present::prose::Block;
use crate::present::render::{self, Style};

/// A4 in twentieths of a point.
const A4_SHORT: u32 = 11906;
const A4_LONG: u32 = 16838;
/// 2 cm, 3 cm, 1.5 cm in twentieths of a point.
const CM2: i32 = 1134;
const CM3: i32 = 1701;
const CM1_5: i32 = 850;
/// Text width of the portrait pages and of the landscape pages.
const PORTRAIT_WIDTH: usize = (A4_SHORT as usize) - (CM3 as usize) - (CM1_5 as usize);
const LANDSCAPE_WIDTH: usize = (A4_LONG as usize) - 2 * (CM2 as usize);
/// Font sizes in half-points: the text (13 pt), the head (12 pt) and the annex tables (9 pt).
const TEXT_SIZE: usize = 26;
const HEAD_SIZE: usize = 24;
const TABLE_SIZE: usize = 18;
/// The first-line indent of body paragraphs (1 cm).
const FIRST_LINE: i32 = 567;
/// The narrowest label column of an annex table, and the widest figure column.
const LABEL_WIDTH: usize = 3600;
const FIGURE_WIDTH: usize = 1100;

/// The whole report as docx bytes.
pub fn docx(w: &Whole, style: Style) -> Result<Vec<u8>, String> {
    // docx-rs numbers paragraphs (w14:paraId) with a per-thread counter that nothing resets
    // between documents: each document is built on a thread of its own, so a server that has
    // written others gives the same bytes as a fresh process.
    std::thread::scope(|s| s.spawn(|| write(w, style)).join())
        .map_err(|_| "the docx writer failed".to_string())?
}

fn write(w: &Whole, style: Style) -> Result<Vec<u8>, String> {
    let portrait = report_pages(w);
    let mut doc = Docx::new()
        .default_fonts(
            RunFonts::new()
                .ascii("Times New Roman")
                .hi_ansi("Times New Roman")
                .cs("Times New Roman")
                .east_asia("Times New Roman"),
        )
        .default_size(TEXT_SIZE)
        .add_section(portrait)
        .page_size(A4_LONG, A4_SHORT)
        .page_orient(PageOrientationType::Landscape)
        .page_margin(margin(CM2, CM2));
    doc = doc
        .add_paragraph(centred(vec![bold(&w.annex_unit).italic()]).line_spacing(spacing(0, 120)));
    for table in &w.annexes {
        doc = doc
            .add_paragraph(centred(vec![bold(&table.title)]).line_spacing(spacing(240, 120)))
            .add_table(annex_table(table, style));
    }
    doc = doc.add_paragraph(
        plain(vec![bold(provenance_title(w))])
            .line_spacing(spacing(360, 120))
            .keep_next(true),
    );
    for (k, v) in &w.provenance {
        doc = doc.add_paragraph(plain(vec![text(&format!("{k}: ")).italic(), text(v)]));
    }
    let mut xml = doc.build();
    xml.doc_props.core = docx_props::core(&w.properties, &w.note).into_bytes();
    xml.doc_props.custom = docx_props::custom(&w.properties.fields).into_bytes();
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out).map_err(|e| format!("docx: {e}"))?;
    Ok(out.into_inner())
}

fn provenance_title(w: &Whole) -> &'static str {
    match w.lang {
        crate::present::vi_format::Lang::Vi => "Nguồn gốc số liệu",
        crate::present::vi_format::Lang::En => "Provenance",
    }
}

/// The portrait section: head, title, sections I–VI, closing, signatures.
fn report_pages(w: &Whole) -> DocxSection {
    let mut s = DocxSection::new()
        .page_size(PageSize::new().size(A4_SHORT, A4_LONG))
        .page_margin(margin(CM3, CM1_5))
        .add_table(head_table(w))
        .add_paragraph(centred(vec![bold(&w.title).size(28)]).line_spacing(spacing(360, 0)))
        .add_paragraph(centred(vec![bold(&w.subtitle)]))
        .add_paragraph(centred(vec![
            text(&w.as_of_line).italic(),
            Run::new().add_footnote_reference(Footnote {
                // An id of our own: docx-rs's counter is global to the process.
                id: 1,
                content: vec![Paragraph::new().add_run(text(&w.note).size(20))],
            }),
        ]))
        .add_paragraph(body(&w.intro).line_spacing(spacing(240, 120)));
    for section in &w.sections {
        for p in section_paragraphs(section) {
            s = s.add_paragraph(p);
        }
    }
    s.add_paragraph(body(&w.closing).keep_next(true))
        .add_table(signature_table(w))
}

fn margin(top_bottom: i32, left: i32) -> PageMargin {
    PageMargin {
        top: top_bottom,
        bottom: top_bottom,
        left,
        right: if left == CM3 { CM1_5 } else { top_bottom },
        header: 720,
        footer: 720,
        gutter: 0,
    }
}

fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new().before(before).after(after)
}

fn text(s: &str) -> Run {
    Run::new().add_text(docx_props::clean(s))
}

fn bold(s: &str) -> Run {
    text(s).bold()
}

fn plain(runs: Vec<Run>) -> Paragraph {
    runs.into_iter()
        .fold(Paragraph::new(), |p, r| p.add_run(r))
        .line_spacing(spacing(0, 60))
}

fn centred(runs: Vec<Run>) -> Paragraph {
    plain(runs).align(AlignmentType::Center)
}

/// A body paragraph: justified, first line indented.
fn body_with(runs: Vec<Run>) -> Paragraph {
    plain(runs).align(AlignmentType::Both).indent(
        None,
        Some(SpecialIndentType::FirstLine(FIRST_LINE)),
        None,
        None,
    )
}

fn body(s: &str) -> Paragraph {
    body_with(vec![text(s)])
}

/// A section: its bold roman-numbered title, then its blocks, or its hint and room to write.
fn section_paragraphs(s: &Section) -> Vec<Paragraph> {
    let mut out = vec![
        plain(vec![bold(&format!("{}. {}", s.numeral, s.title))])
            .line_spacing(spacing(240, 120))
            .keep_next(true),
    ];
    for block in &s.body.blocks {
        out.push(match block {
            Block::Heading { text: h, .. } => body_with(vec![bold(h)])
                .keep_next(true)
                .line_spacing(spacing(120, 60)),
            Block::Paragraph(p) => body(p),
            Block::Bullet(b) => body(&format!("- {b}")),
        });
    }
    if let Some(hint) = &s.blank {
        out.push(plain(vec![text(hint).italic()]).indent(Some(FIRST_LINE), None, None, None));
        out.push(plain(vec![]));
        out.push(plain(vec![]));
    }
    out
}

/// A cell of a borderless layout table: its lines, centred.
fn layout_cell(width: usize, lines: Vec<Paragraph>) -> TableCell {
    lines
        .into_iter()
        .fold(TableCell::new(), |c, p| c.add_paragraph(p))
        .width(width, WidthType::Dxa)
}

/// The head: the unit and the number on the left, the motto and place/date on the right.
fn head_table(w: &Whole) -> Table {
    let left_width = PORTRAIT_WIDTH * 3 / 8;
    let right_width = PORTRAIT_WIDTH - left_width;
    let h = &w.head;
    let line = |r: Run| centred(vec![r.size(HEAD_SIZE)]);
    let mut left = Vec::new();
    if let Some(upper) = &h.upper {
        left.push(line(text(upper)));
    }
    left.push(line(bold(&h.unit)));
    left.push(line(text("———")));
    left.push(line(text(&h.number)));
    let right = vec![
        line(bold(h.motto[0])),
        line(bold(h.motto[1]).underline("single")),
        centred(vec![]),
        line(text(&h.place_date).italic()),
    ];
    Table::without_borders(vec![TableRow::new(vec![
        layout_cell(left_width, left),
        layout_cell(right_width, right),
    ])])
    .set_grid(vec![left_width, right_width])
    .layout(TableLayoutType::Fixed)
    .width(PORTRAIT_WIDTH, WidthType::Dxa)
}

/// The signatures side by side, with room to sign below each.
fn signature_table(w: &Whole) -> Table {
    let width = PORTRAIT_WIDTH / 3;
    let cells = w
        .signatures
        .iter()
        .map(|s| {
            layout_cell(
                width,
                vec![
                    centred(vec![bold(s.role).size(HEAD_SIZE)])
                        .line_spacing(spacing(360, 0))
                        .keep_next(true),
                    centred(vec![text(s.hint).italic().size(HEAD_SIZE)]).keep_next(true),
                    centred(vec![]),
                    centred(vec![]),
                    centred(vec![]),
                ],
            )
        })
        .collect();
    // One row that never breaks across pages: the signers sign on one page.
    Table::without_borders(vec![TableRow::new(cells).cant_split()])
        .set_grid(vec![width; 3])
        .layout(TableLayoutType::Fixed)
        .width(PORTRAIT_WIDTH, WidthType::Dxa)
}

/// An annex as a Word table: a bold header row, then one row per table row (labels indented
/// by level, the top two levels bold, figures right-aligned), on the landscape pages.
fn annex_table(table: &render::Table, style: Style) -> Table {
    let heads = render::columns(style, table);
    let figures = heads.len().saturating_sub(1).max(1);
    let figure_width = (LANDSCAPE_WIDTH.saturating_sub(LABEL_WIDTH) / figures).min(FIGURE_WIDTH);
    let label_width = LANDSCAPE_WIDTH - figure_width * figures;
    let widths: Vec<usize> = std::iter::once(label_width)
        .chain(std::iter::repeat_n(figure_width, figures))
        .collect();
    let cell = |i: usize, p: Paragraph| {
        TableCell::new()
            .add_paragraph(p.line_spacing(spacing(0, 0)))
            .width(
                widths.get(i).copied().unwrap_or(figure_width),
                WidthType::Dxa,
            )
    };
    let small = |r: Run| r.size(TABLE_SIZE);
    let head = TableRow::new(
        heads
            .iter()
            .enumerate()
            .map(|(i, h)| cell(i, centred(vec![small(bold(h))])))
            .collect(),
    );
    let rows = table.rows.iter().map(|r| {
        let strong = r.level <= 1;
        let cells = render::cells(style, r, table);
        TableRow::new(
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let run = small(if strong { bold(c) } else { text(c) });
                    let p = if i == 0 {
                        plain(vec![run]).indent(Some(i32::from(r.level) * 170), None, None, None)
                    } else {
                        plain(vec![run]).align(AlignmentType::Right)
                    };
                    cell(i, p)
                })
                .collect(),
        )
    });
    Table::new(std::iter::once(head).chain(rows).collect())
        .set_grid(widths)
        .layout(TableLayoutType::Fixed)
}
