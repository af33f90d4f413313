//! Shell completions and the manual page come from the CLI definition itself.

use crate::common;

use std::process::Command;

/// `socai ARGS…` in the default language (SOCAI_LANG unset), its stdout.
fn socai(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_socai"))
        .args(args)
        .env_remove("SOCAI_LANG")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// What bash completes for the words typed so far, using the generated script.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("socai.bash");
    std::fs::write(&script, socai(&["completions", "bash"])).unwrap();
    let line = words.join(" ");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT={}; _socai socai '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        line.len(),
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    );
    let o = Command::new("bash")
        .args(["-c", &program])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_subcommands_and_their_options() {
    let mut got = bash_complete(&["socai", "imp"]);
    got.sort();
    assert_eq!(got, ["import", "import-plan"]);
    let got = bash_complete(&["socai", "export", "--format", ""]);
    for f in ["jsonl", "hledger", "beancount", "csv", "parquet"] {
        assert!(got.iter().any(|g| g == f), "{f} not offered: {got:?}");
    }
    let got = bash_complete(&["socai", "chart", "--pl"]);
    assert_eq!(got, ["--plan-year"]);
}

#[test]
fn zsh_and_fish_scripts_name_every_subcommand() {
    let zsh = socai(&["completions", "zsh"]);
    let fish = socai(&["completions", "fish"]);
    assert!(zsh.starts_with("#compdef socai"), "{}", &zsh[..40]);
    for sub in [
        "import",
        "import-plan",
        "balance",
        "trail",
        "summary",
        "export",
        "chart",
        "verify",
        "replay",
        "demo",
        "completions",
        "man",
    ] {
        assert!(zsh.contains(&format!("'{sub}:")), "zsh lacks {sub}");
        assert!(fish.contains(&format!("-a \"{sub}\"")), "fish lacks {sub}");
    }
}

/// The page as `man -l` renders it, or None when the machine has no man.
fn rendered(page: &str) -> Option<String> {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("socai.1");
    std::fs::write(&file, page).unwrap();
    if !common::have_tool("man", "rendering the page with man") {
        return None;
    }
    let o = Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn the_manual_page_is_roff_that_man_can_render() {
    let page = socai(&["man", "--lang", "en"]);
    assert!(page.contains(".TH socai 1"), "{}", &page[..200]);
    assert!(page.contains("import\\-plan"));
    assert!(page.contains("Sổ cái"));
    let Some(text) = rendered(&page) else { return };
    assert!(text.contains("SUBCOMMANDS"), "{text}");
    assert!(text.contains("EXIT STATUS"), "{text}");
    assert!(text.contains("import-plan"), "{text}");
}

#[test]
fn the_manual_page_is_vietnamese_by_default() {
    let page = socai(&["man", "balance"]);
    assert!(page.contains(".TH socai\\-balance 1") || page.contains(".TH socai-balance 1"));
    let Some(text) = rendered(&page) else { return };
    // man justifies lines: compare words, not spacing.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for words in [
        "TÊN",
        "CÚ PHÁP",
        "MÔ TẢ",
        "TÙY CHỌN",
        "TRẠNG THÁI THOÁT",
        "BIẾN MÔI TRƯỜNG",
        "Số dư từng dòng vốn và tổng cộng đến một ngày",
        "Ngày số liệu được tính đến",
        "Thư mục kho dữ liệu [mặc định: ./socai-data]",
        "Thành công.",
        "SOCAI_DB",
    ] {
        assert!(text.contains(words), "{words:?} in {text}");
    }
    for english in [
        "NAME",
        "SYNOPSIS",
        "OPTIONS",
        "EXIT STATUS",
        "ENVIRONMENT",
        "Success.",
    ] {
        assert!(!text.contains(english), "{english:?} in {text}");
    }
}

#[test]
fn completions_follow_the_language_and_still_complete() {
    let vi = socai(&["completions", "fish"]);
    let en = socai(&["--lang", "en", "completions", "fish"]);
    assert!(
        vi.contains("Số dư từng dòng vốn"),
        "fish descriptions in Vietnamese"
    );
    assert!(
        en.contains("Balances per line"),
        "and in English on request"
    );
}
