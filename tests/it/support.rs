//! What several test modules share.

use std::process::{Command, Output};

/// Runs the built `nsgf` binary with `args` and returns what it printed.
pub fn nsgf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nsgf"))
        .args(args)
        .output()
        .expect("nsgf runs")
}
