//! What an office does with socai's files: the seed's report as a vi-VN user asks for it, and
//! LibreOffice (headless) converting what socai wrote (tests/sheets.rs, tests/report_docx.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{find_tool, socai_default, text};

/// `report` as of the seed's date for its plan year.
pub const REPORT: [&str; 5] = ["report", "--as-of", "2025-11-20", "--plan-year", "2025"];

/// What a command printed, after checking it succeeded.
pub fn ok(o: Output) -> Vec<u8> {
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    o.stdout
}

/// `REPORT` with `extra` arguments, in the default language (Vietnamese).
pub fn report(db: &Path, extra: &[&str]) -> Vec<u8> {
    let args: Vec<&str> = REPORT.iter().chain(extra).copied().collect();
    ok(socai_default(db, &args))
}

/// LibreOffice's binary, or None (the test is skipped unless SOCAI_REQUIRE_TOOLS).
pub fn soffice(what: &str) -> Option<&'static str> {
    find_tool(&["soffice", "libreoffice"], what)
}

/// Converts `file` with headless LibreOffice (its own profile in `dir` per target, so tests
/// may run it side by side) to `to` (`pdf`, `xlsx`, `txt:Text (encoded):UTF8` …) and returns
/// the converted file.
pub fn convert(
    soffice: &str,
    dir: &Path,
    file: &Path,
    infilter: Option<&str>,
    to: &str,
) -> PathBuf {
    let ext = to.split(':').next().unwrap_or(to);
    let profile = dir.join(format!("lo-profile-{ext}"));
    let mut c = Command::new(soffice);
    c.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.display()
    ))
    .args(["--headless", "--norestore", "--nologo"]);
    if let Some(f) = infilter {
        c.arg(format!("--infilter={f}"));
    }
    let out_dir = dir.join(format!("converted-{ext}"));
    let o = c
        .args(["--convert-to", to, "--outdir"])
        .arg(&out_dir)
        .arg(file)
        .output()
        .unwrap();
    assert!(o.status.success(), "soffice: {}", text(&o.stderr));
    let stem = file.file_stem().unwrap().to_str().unwrap();
    let converted = out_dir.join(format!("{stem}.{ext}"));
    assert!(
        converted.exists(),
        "soffice wrote no {}: {} {}",
        converted.display(),
        text(&o.stdout),
        text(&o.stderr)
    );
    converted
}
