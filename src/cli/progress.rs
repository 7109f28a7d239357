//! Progress on the terminal: a bar with an ETA (indicatif) while long commands run, drawn only
//! when stderr is a terminal and `--quiet` is not given; informational notes obey `--quiet` too.
//! Errors always reach stderr (from `main`).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by `--quiet`.
static QUIET: AtomicBool = AtomicBool::new(false);

/// Turns notes and progress bars off (`--quiet`) or on.
pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given.
fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Prints an informational line on stderr (the backend chosen, what was written), unless quiet.
pub(crate) fn note(message: impl std::fmt::Display) {
    if !quiet() {
        eprintln!("{message}");
    }
}

/// A progress bar of `total` units labelled `what`: drawn on stderr when it is a terminal and
/// not quiet, hidden (and free) otherwise.
pub(crate) fn bar(total: u64, what: &str) -> ProgressBar {
    if quiet() || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::default_bar()
        .template("{prefix} [{bar:32}] {pos}/{len} {msg} (ETA {eta})")
        .map_or_else(
            |_| ProgressStyle::default_bar(),
            |style| style.progress_chars("=> "),
        );
    let bar =
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(style);
    bar.set_prefix(what.to_string());
    bar
}
