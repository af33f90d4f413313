//! The manual: one page per subcommand (`socai-balance(1)`, …) and the overview `socai(1)`,
//! each with EXIT STATUS and ENVIRONMENT, from the CLI definition itself; and the definition
//! as every door of the CLI uses it (`--db` only on the commands that use a store).

use std::io::Write;
use std::path::PathBuf;

use clap::{Arg, CommandFactory};

use crate::cli::args::Cli;
use crate::cli::help_text::{self, Text};
use crate::cli::localize::localize;
use crate::present::messages::say;
use crate::present::vi_format::Lang;

/// Subcommands that use no store: `--db` means nothing to them. It is still accepted there
/// (scripts pass it to every command; the test helpers do), but not shown in their help,
/// their manual page or their completions.
pub const STORELESS: [&str; 8] = [
    "completions",
    "man",
    "gen",
    "recover",
    "replay",
    "token",
    "consolidate",
    "replicate",
];

/// The CLI definition as every door of the CLI uses it (parsing, help, completions): built,
/// with `--db` hidden where it means nothing, worded in `lang` (the help catalogue).
pub fn command(lang: Lang) -> clap::Command {
    localize(definition(), lang)
}

/// The derived definition, with `--db` hidden where it means nothing (not yet built).
fn definition() -> clap::Command {
    let mut cmd = Cli::command();
    for name in STORELESS {
        // A subcommand that has its own (hidden) argument does not receive the global one.
        cmd = cmd.mut_subcommand(name, |mut sc| {
            for id in ["db", "server", "token"] {
                if sc.get_arguments().any(|a| a.get_id() == id) {
                    continue;
                }
                // The value types of the global arguments: clap hands a value given here
                // up to them.
                let arg = Arg::new(id).long(id).hide(true).global(true);
                sc = sc.arg(if id == "db" {
                    arg.value_parser(clap::value_parser!(PathBuf))
                } else {
                    arg.value_parser(clap::value_parser!(String))
                });
            }
            sc
        });
    }
    cmd
}

const fn tx(vi: &'static str, en: &'static str) -> Text {
    Text { vi, en }
}

/// The exit codes every command shares (see `failure`).
const EXIT_STATUS: [(&str, Text); 5] = [
    ("0", tx("Thành công.", "Success.")),
    (
        "1",
        tx(
            "Dữ liệu vào bị từ chối (không phần nào được ghi), số liệu cần kiểm không khớp với sổ (reconcile), hoặc một lần chạy lại (replay) khác kết quả.",
            "The input was rejected (nothing of it was appended), claims do not follow from the ledger (reconcile), or a replay differs.",
        ),
    ),
    (
        "2",
        tx(
            "Dùng sai: đối số, ngày, tệp hoặc mã dòng vốn sai.",
            "Usage error: a wrong argument, date, file or line code.",
        ),
    ),
    (
        "3",
        tx(
            "Hỏng toàn vẹn: dữ liệu đã lưu không phải là những gì đã được xác nhận (thông báo nêu số thứ tự hỏng đầu tiên), hoặc nguồn của một bản sao có lịch sử khác.",
            "Integrity failure: the stored bytes are not what was acknowledged (the message names the first bad sequence), or a replica's source has another history.",
        ),
    ),
    (
        "4",
        tx(
            "Không dùng được kho (không có, đang được tiến trình khác dùng với một lệnh ghi, lỗi vào/ra), hoặc không ghi được đầu ra.",
            "The store could not be used (missing, in use by another process for a command that writes, I/O error), or the output could not be written.",
        ),
    ),
];

/// Environment variables every command reads.
const COMMON_ENV: [(&str, Text); 1] = [(
    "RUST_LOG",
    tx(
        "Bộ lọc nhật ký in ra stderr (mặc định: warn; info với serve).",
        "Log filter for messages on stderr (default: warn; info for serve).",
    ),
)];

/// The section titles of a page: clap_mangen's and ours, and their Vietnamese.
const SECTIONS: [(&str, &str); 10] = [
    ("NAME", "TÊN"),
    ("SYNOPSIS", "\"CÚ PHÁP\""),
    ("DESCRIPTION", "\"MÔ TẢ\""),
    ("OPTIONS", "\"TÙY CHỌN\""),
    ("SUBCOMMANDS", "\"LỆNH CON\""),
    ("Lệnh", "\"LỆNH CON\""),
    ("VERSION", "\"PHIÊN BẢN\""),
    ("AUTHORS", "\"TÁC GIẢ\""),
    ("\"EXIT STATUS\"", "\"TRẠNG THÁI THOÁT\""),
    ("ENVIRONMENT", "\"BIẾN MÔI TRƯỜNG\""),
];

/// A section title in `lang` (`.SH NAME` → `.SH TÊN`).
fn section_line(line: &str, lang: Lang) -> String {
    let Some(title) = line.strip_prefix(".SH ") else {
        return line.to_string();
    };
    match (lang, SECTIONS.iter().find(|(en, _)| *en == title)) {
        (Lang::Vi, Some((_, vi))) => format!(".SH {vi}"),
        _ => line.to_string(),
    }
}

/// Escapes text for roff: backslashes, hyphens (so they are not hyphenation points), and a
/// leading dot or quote (which would start a request).
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// The EXIT STATUS and ENVIRONMENT sections of the page of the subcommand at `path`.
fn extra_sections(cmd: &clap::Command, path: &str, lang: Lang) -> String {
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_STATUS {
        let meaning = roff_text(meaning.get(lang));
        roff.push_str(&format!(".TP\n\\fB{code}\\fR\n{meaning}\n"));
    }
    roff.push_str(".SH ENVIRONMENT\n");
    let mut env: Vec<(String, String)> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| {
            let name = a.get_env()?.to_str()?.to_string();
            let help = help_text::arg(path, a.get_id().as_str()).map_or("", |t| t.get(lang));
            Some((
                name,
                format!("{help} (--{})", a.get_long().unwrap_or_default()),
            ))
        })
        .collect();
    env.extend(
        COMMON_ENV
            .iter()
            .map(|(n, h)| (n.to_string(), h.get(lang).to_string())),
    );
    for (name, help) in env {
        roff.push_str(&format!(".TP\n\\fB{name}\\fR\n{}\n", roff_text(&help)));
    }
    roff
}

/// One page: clap_mangen's, with EXIT STATUS and ENVIRONMENT before its VERSION section,
/// the section titles in `lang`.
fn page(cmd: clap::Command, path: &str, lang: Lang, out: &mut dyn Write) -> std::io::Result<()> {
    let extra = extra_sections(&cmd, path, lang);
    let mut rendered = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut rendered)?;
    let text = String::from_utf8_lossy(&rendered);
    let at = text.find(".SH VERSION").unwrap_or(text.len());
    let whole = format!("{}{extra}{}", &text[..at], &text[at..]);
    for line in whole.lines() {
        writeln!(out, "{}", section_line(line, lang))?;
    }
    Ok(())
}

/// The built definition (global arguments propagated, names like `socai-balance`).
fn built(lang: Lang) -> clap::Command {
    localize(definition().disable_help_subcommand(true), lang)
}

/// `socai man [SUBCOMMAND]`: the overview page, or one subcommand's page.
pub fn render(subcommand: Option<&str>, lang: Lang, out: &mut dyn Write) -> Result<(), String> {
    let root = built(lang);
    let cmd = match subcommand {
        None => root,
        Some(name) => root.find_subcommand(name).cloned().ok_or_else(|| {
            say(
                lang,
                format!("không có lệnh con {name:?}; `socai --help` liệt kê các lệnh"),
                format!("no subcommand {name:?}; `socai --help` lists them"),
            )
        })?,
    };
    let path = subcommand.unwrap_or_default();
    page(cmd, path, lang, out).map_err(|e| {
        say(
            lang,
            format!("không ghi được trang hướng dẫn: {e}"),
            format!("cannot write the manual: {e}"),
        )
    })
}

/// `socai man --dir DIR`: every page as DIR/socai.1, DIR/socai-SUBCOMMAND.1 (and for
/// nested subcommands, DIR/socai-token-new.1). Returns the files written.
pub fn write_all(dir: &std::path::Path, lang: Lang) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| {
        let dir = dir.display();
        say(
            lang,
            format!("không tạo được {dir}: {e}"),
            format!("cannot create {dir}: {e}"),
        )
    })?;
    let mut written = Vec::new();
    let mut stack = vec![(String::new(), built(lang))];
    while let Some((sub, cmd)) = stack.pop() {
        for sc in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let below = format!("{sub} {}", sc.get_name()).trim().to_string();
            stack.push((below, sc.clone()));
        }
        let name = cmd.get_display_name().unwrap_or(cmd.get_name()).to_string();
        let path = dir.join(format!("{name}.1"));
        let mut bytes = Vec::new();
        page(cmd, &sub, lang, &mut bytes).map_err(|e| {
            say(
                lang,
                format!("không dựng được {name}: {e}"),
                format!("cannot render {name}: {e}"),
            )
        })?;
        crate::io::files::write_atomically(&path, &bytes).map_err(|e| e.to_string())?;
        written.push(path);
    }
    Ok(written)
}
