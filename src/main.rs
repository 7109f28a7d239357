//! The `nsgf` binary: the desktop app with no arguments, else the command line.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = nsgf::cli::Cli::parse();
    match nsgf::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // A closed stdout (`nsgf flow … | head`) ends the command quietly.
        Err(error) if nsgf::cli::is_broken_pipe(&error) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
