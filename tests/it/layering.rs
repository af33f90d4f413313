//! The layout's rules, checked on the source text (ARCHITECTURE.md describes the layers):
//!
//! - `src/core/` is pure: it names no crate that does I/O, logs or knows a door (sled,
//!   bincode, tokio, axum, clap, indicatif, tracing), no `std::fs`, `std::env`, `std::thread`,
//!   `std::io`, `std::net`, `std::process`, `std::sync`, `std::time`, no clock (`SystemTime`,
//!   `Instant`, `Utc::now`, `Local::now`), and no `crate::` module outside `crate::core`.
//! - Only `src/storage/` uses sled and bincode (and the benchmark binary in `src/bin/`, whose
//!   baseline is raw sled).
//! - Only `src/cli/` uses `crate::cli`.
//! - No file under `src/` is over 700 lines, and no function over 120.
//!
//! A small lexer blanks comments and the contents of string and char literals first, so a
//! comment that says "no sled here" or a message that names `std::fs` does not count, and a
//! brace inside a string does not end a function. Each failure names the file and line.

use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 700;
const MAX_FN_LINES: usize = 120;

/// Crates `src/core/` must not name (as a path segment anywhere in its code).
const IMPURE_CRATES: &[&str] = &[
    "sled",
    "bincode",
    "tokio",
    "axum",
    "clap",
    "indicatif",
    "tracing",
];
/// `std` modules `src/core/` must not use.
const IMPURE_STD: &[&str] = &[
    "fs", "env", "thread", "io", "net", "process", "sync", "time",
];
/// Crates only `src/storage/` may use.
const STORAGE_CRATES: &[&str] = &["sled", "bincode"];
/// Clock types and calls `src/core/` must not name.
const CLOCK_NAMES: &[&str] = &["SystemTime", "Instant"];
const CLOCK_CALLS: &[(&str, &str)] = &[("Utc", "now"), ("Local", "now")];

// --- the lexer ----------------------------------------------------------------------------

/// The source with comments and literal contents replaced by spaces (newlines kept, so line
/// numbers stay right). Quotes stay, so `"…"` remains a token boundary.
fn blank(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let keep_newlines = |s: &[char]| -> String {
        s.iter()
            .map(|&c| if c == '\n' { '\n' } else { ' ' })
            .collect()
    };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let prev_is_ident = i > 0 && is_ident_char(b[i - 1]);
        if c == '/' && next == Some('/') {
            let end = b[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(b.len(), |p| i + p);
            out.push_str(&keep_newlines(&b[i..end]));
            i = end;
        } else if c == '/' && next == Some('*') {
            let end = block_comment_end(&b, i);
            out.push_str(&keep_newlines(&b[i..end]));
            i = end;
        } else if let Some(hashes) = raw_string_start(&b, i, prev_is_ident) {
            // r"…", r#"…"#, br"…": ends at a quote followed by the same number of hashes.
            let open = b[i..]
                .iter()
                .position(|&c| c == '"')
                .map_or(b.len(), |p| i + p);
            let close: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let j = (open + 1..b.len())
                .find(|&j| b[j..].starts_with(&close))
                .unwrap_or(b.len());
            let end = (j + close.len()).min(b.len());
            out.extend(b[i..=open].iter());
            out.push_str(&keep_newlines(&b[open + 1..j]));
            out.extend(b[j..end].iter());
            i = end;
        } else if c == '"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != '"' {
                j += if b[j] == '\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(b.len());
            out.push('"');
            out.push_str(&keep_newlines(&b[i + 1..j.min(b.len())]));
            if j < b.len() {
                out.push('"');
            }
            i = end;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}', '{') or a lifetime/label ('a, 'static).
            let len = char_literal_len(&b, i);
            if len > 0 {
                out.push('\'');
                out.push_str(&" ".repeat(len - 2));
                out.push('\'');
                i += len;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Block comments nest in Rust.
fn block_comment_end(b: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < b.len() {
        if b[i] == '/' && b.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// At `r"`, `r#…#"`, `br"`, `br#"`: the number of hashes.
fn raw_string_start(b: &[char], i: usize, prev_is_ident: bool) -> Option<usize> {
    if prev_is_ident {
        return None;
    }
    let mut j = i;
    if b[j] == 'b' {
        j += 1;
    }
    if b.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = b[j..].iter().take_while(|&&c| c == '#').count();
    (b.get(j + hashes) == Some(&'"')).then_some(hashes)
}

/// The length of the char literal starting at `i`, or 0 for a lifetime or label.
fn char_literal_len(b: &[char], i: usize) -> usize {
    match (b.get(i + 1), b.get(i + 2)) {
        // After the backslash comes at least one escaped char, then the closing quote.
        (Some('\\'), _) => b
            .get(i + 3..)
            .and_then(|rest| rest.iter().position(|&c| c == '\''))
            .map_or(0, |p| p + 4),
        (Some(_), Some('\'')) => 3,
        _ => 0,
    }
}

/// Identifiers and punctuation of blanked code, each with its line (1-based).
fn tokens(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut line = 1;
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if is_ident_char(c) {
            let start = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            out.push((line, chars[start..i].iter().collect()));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push((line, "::".to_string()));
            i += 2;
        } else {
            out.push((line, c.to_string()));
            i += 1;
        }
    }
    out
}

/// Every path `FIRST::SECOND` in the code, with `FIRST::{A, B::C}` groups expanded to
/// `FIRST::A`, `FIRST::B` (one level, which is what `use` lists need here).
fn paths(toks: &[(usize, String)]) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for i in 0..toks.len().saturating_sub(2) {
        if toks[i + 1].1 != "::" {
            continue;
        }
        let (line, first) = (&toks[i].0, &toks[i].1);
        let second = &toks[i + 2].1;
        if second == "{" {
            let mut depth = 0;
            let mut expect_name = true;
            for (l, t) in &toks[i + 2..] {
                match t.as_str() {
                    "{" => {
                        depth += 1;
                        expect_name = depth == 1;
                    }
                    "}" => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    "," if depth == 1 => expect_name = true,
                    name if expect_name && depth == 1 => {
                        out.push((*l, first.clone(), name.to_string()));
                        expect_name = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.push((*line, first.clone(), second.clone()));
        }
    }
    out
}

/// Each function with a body: its name, the line of `fn` and of its closing brace.
fn functions(toks: &[(usize, String)]) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for i in 0..toks.len() {
        if toks[i].1 != "fn" {
            continue;
        }
        let Some((_, name)) = toks.get(i + 1) else {
            continue;
        };
        if !name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        {
            continue; // `fn(u8) -> u8`, a function pointer type
        }
        // The body opens at the first `{` outside parentheses, brackets and angle brackets
        // of the signature; a `;` first means a declaration without a body.
        let mut depth = 0i32;
        let mut open = None;
        for (j, (_, t)) in toks.iter().enumerate().skip(i + 2) {
            match t.as_str() {
                "(" | "[" => depth += 1,
                ")" | "]" => depth -= 1,
                ";" if depth == 0 => break,
                "{" if depth == 0 => {
                    open = Some(j);
                    break;
                }
                _ => {}
            }
        }
        let Some(open) = open else { continue };
        let mut braces = 0;
        for (line, t) in &toks[open..] {
            match t.as_str() {
                "{" => braces += 1,
                "}" => {
                    braces -= 1;
                    if braces == 0 {
                        out.push((name.clone(), toks[i].0, *line));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

// --- the rules ----------------------------------------------------------------------------

/// What is wrong with one file of `src/core/` (empty when it is pure).
fn core_violations(code: &str) -> Vec<String> {
    let toks = tokens(&blank(code));
    let mut found = Vec::new();
    for (line, t) in &toks {
        if IMPURE_CRATES.contains(&t.as_str()) {
            found.push(format!("{line}: names the crate `{t}`"));
        }
        if CLOCK_NAMES.contains(&t.as_str()) {
            found.push(format!("{line}: names the clock `{t}`"));
        }
    }
    for (line, first, second) in paths(&toks) {
        if first == "std" && IMPURE_STD.contains(&second.as_str()) {
            found.push(format!("{line}: uses `std::{second}`"));
        }
        if CLOCK_CALLS.contains(&(first.as_str(), second.as_str())) {
            found.push(format!("{line}: reads the clock `{first}::{second}`"));
        }
        if first == "crate" && second != "core" {
            found.push(format!(
                "{line}: uses `crate::{second}` (outside crate::core)"
            ));
        }
    }
    found
}

/// Where a file outside `src/storage/` uses sled or bincode.
fn storage_uses(code: &str) -> Vec<String> {
    paths(&tokens(&blank(code)))
        .into_iter()
        .filter(|(_, first, _)| STORAGE_CRATES.contains(&first.as_str()))
        .map(|(line, first, second)| format!("{line}: uses `{first}::{second}`"))
        .collect()
}

/// Where a file outside `src/cli/` uses `crate::cli`.
fn cli_uses(code: &str) -> Vec<String> {
    paths(&tokens(&blank(code)))
        .into_iter()
        .filter(|(_, first, second)| first == "crate" && second == "cli")
        .map(|(line, _, _)| format!("{line}: uses `crate::cli`"))
        .collect()
}

fn long_functions(code: &str) -> Vec<String> {
    functions(&tokens(&blank(code)))
        .into_iter()
        .filter(|(_, from, to)| to - from + 1 > MAX_FN_LINES)
        .map(|(name, from, to)| {
            format!(
                "{from}: fn {name} is {} lines (limit {MAX_FN_LINES})",
                to - from + 1
            )
        })
        .collect()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Applies `check` to each file under `src/` that `which` selects; panics listing every
/// violation as `path:line: what`.
fn check_files(rule: &str, which: impl Fn(&Path) -> bool, check: impl Fn(&str) -> Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<PathBuf> = rust_files(&src())
        .into_iter()
        .filter(|p| which(p.strip_prefix(root).unwrap()))
        .collect();
    assert!(!files.is_empty(), "{rule}: no files to check");
    let mut all = Vec::new();
    for path in files {
        let code = std::fs::read_to_string(&path).unwrap();
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        all.extend(check(&code).into_iter().map(|v| format!("{rel}:{v}")));
    }
    assert!(all.is_empty(), "{rule}:\n  {}", all.join("\n  "));
}

#[test]
fn core_names_no_io_clock_door_or_outer_module() {
    check_files(
        "src/core/ must stay pure",
        |p| p.starts_with("src/core"),
        core_violations,
    );
}

#[test]
fn only_src_storage_uses_sled_and_bincode() {
    check_files(
        "sled and bincode belong to src/storage/",
        |p| !p.starts_with("src/storage") && !p.starts_with("src/bin"),
        storage_uses,
    );
}

#[test]
fn nothing_outside_src_cli_uses_crate_cli() {
    check_files(
        "only src/cli/ may use crate::cli",
        |p| !p.starts_with("src/cli"),
        cli_uses,
    );
}

#[test]
fn no_file_under_src_is_over_700_lines() {
    check_files(
        "files over 700 lines",
        |_| true,
        |code| {
            let n = code.lines().count();
            if n > MAX_FILE_LINES {
                vec![format!("1: {n} lines (limit {MAX_FILE_LINES})")]
            } else {
                vec![]
            }
        },
    );
}

#[test]
fn no_function_under_src_is_over_120_lines() {
    check_files("functions over 120 lines", |_| true, long_functions);
}

// --- the scanner itself -------------------------------------------------------------------

#[test]
fn comments_strings_and_chars_do_not_count_as_code() {
    let code = r####"
//! The core never touches sled or std::fs.
/* a block /* nested: tokio */ still comment: crate::cli */
fn f() -> &'static str {
    let _c = '"'; let _d = '{'; let _e = '\'';
    let _b = b"std::env";
    let _r = r#"crate::storage "quoted" }"#;
    "Utc::now() and clap and {"
}
"####;
    assert_eq!(core_violations(code), Vec::<String>::new());
    assert_eq!(cli_uses(code), Vec::<String>::new());
    assert_eq!(functions(&tokens(&blank(code))), vec![("f".into(), 4, 9)]);
}

#[test]
fn each_forbidden_name_in_code_is_found_with_its_line() {
    let code = "use sled::Db;\nuse std::{collections::BTreeMap, fs, env::var};\n\
                fn now() -> i64 { chrono::Utc::now().timestamp() }\n\
                use crate::{core::money, storage::Hash};\nuse std::time::Instant;\n\
                #[derive(clap::ValueEnum)] enum E { A }\nfn t() { std::thread::sleep(d) }\n";
    assert_eq!(
        core_violations(code),
        vec![
            "1: names the crate `sled`",
            "5: names the clock `Instant`",
            "6: names the crate `clap`",
            "2: uses `std::fs`",
            "2: uses `std::env`",
            "3: reads the clock `Utc::now`",
            "4: uses `crate::storage` (outside crate::core)",
            "5: uses `std::time`",
            "7: uses `std::thread`",
        ]
    );
    assert_eq!(
        cli_uses("use crate::cli::Failure;\nuse crate::{app, cli::progress};\n"),
        vec!["1: uses `crate::cli`", "2: uses `crate::cli`"]
    );
    // A module's own `cli` name, or `socai::cli` from the binary, is not `crate::cli`.
    assert!(cli_uses("use super::cli; use socai::cli::run;").is_empty());
    assert_eq!(
        storage_uses("use sled::Db;\n// sled::Tree in a comment\nlet x = bincode::encode(v);\n"),
        vec!["1: uses `sled::Db`", "3: uses `bincode::encode`"]
    );
}

#[test]
fn a_function_over_the_limit_is_found_and_one_at_it_is_not() {
    let body = |n: usize| "    x += 1;\n".repeat(n);
    // `fn` line + body + closing brace: 120 lines exactly, then 121.
    let at = format!("fn at(x: &mut u8) {{\n{}}}\n", body(118));
    let over = format!(
        "impl T {{\n    pub fn over<F: Fn(u8) -> u8>(f: F) -> Box<dyn Fn()> where F: Copy {{\n{}    }}\n}}\n",
        body(119)
    );
    assert!(long_functions(&at).is_empty());
    assert_eq!(
        long_functions(&over),
        vec!["2: fn over is 121 lines (limit 120)"]
    );
    // Declarations without a body and function pointer types are not functions.
    let decls = "trait T { fn a(&self); fn b(f: fn(u8) -> u8) -> u8; }";
    assert!(functions(&tokens(&blank(decls))).is_empty());
}
