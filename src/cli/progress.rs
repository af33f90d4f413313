//! Progress bars on stderr for long imports, exports, replays and verifications (indicatif).
//! Part of the shell: drawn only when stderr is a terminal, so pipes, logs and tests see
//! nothing, and stdout always carries only the command's output.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::present::progress_text::{Doing, doing};
use crate::present::vi_format::Lang;

fn visible() -> bool {
    std::io::stderr().is_terminal()
}

/// A bar counting `len` units of work.
pub fn bar(len: u64, message: &str) -> ProgressBar {
    counted(len, message, "{msg} [{bar:40}] {pos}/{len} ({eta})")
}

/// A bar over the bytes of an input.
pub fn bytes(len: u64, message: &str) -> ProgressBar {
    counted(
        len,
        message,
        "{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})",
    )
}

/// A bar of `len` with an indicatif template, drawn on stderr only when it is a terminal.
fn counted(len: u64, message: &str, template: &str) -> ProgressBar {
    if !visible() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
        .with_style(style)
        .with_message(message.to_string())
}

/// A spinner for work that cannot be counted (verifying the chain at open, fsync).
pub fn spinner(message: &str) -> ProgressBar {
    if !visible() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        .with_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// The app's progress, drawn as these bars, worded in the reader's language.
pub struct Bars(pub Lang);

/// A spinner saying `task` in `lang`.
pub fn spinner_for(task: &Doing<'_>, lang: Lang) -> ProgressBar {
    spinner(&doing(task, lang))
}

struct Shown(ProgressBar);

impl crate::app::progress::Task for Shown {
    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

impl crate::app::progress::Progress for Bars {
    fn spinner(&self, what: &Doing<'_>) -> Box<dyn crate::app::progress::Task> {
        Box::new(Shown(spinner(&doing(what, self.0))))
    }
    fn bar(&self, total: u64, what: &Doing<'_>) -> Box<dyn crate::app::progress::Task> {
        Box::new(Shown(bar(total, &doing(what, self.0))))
    }
}
