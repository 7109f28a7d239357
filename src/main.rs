//! The `nsgf` binary: the desktop app with no arguments, else the command line; built for the
//! browser (wasm32), the app in the page's canvas `nsgf_canvas`.

#[cfg(not(target_arch = "wasm32"))]
use clap::Parser;

/// The browser's entry point: the app in the page's canvas.
#[cfg(target_arch = "wasm32")]
fn main() {
    nsgf::app::platform::start_web("nsgf_canvas");
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    let runtime_dir = quiet_gpu_drivers();
    let cli = nsgf::cli::Cli::parse();
    let code = match nsgf::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // A closed stdout (`nsgf flow … | head`) ends the command quietly.
        Err(error) if nsgf::cli::is_broken_pipe(&error) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // Every cause once, joined with ": " (an error whose message already ends with
            // its cause's says it once).
            eprintln!("error: {}", nsgf::error_text::joined(error.as_ref()));
            std::process::ExitCode::FAILURE
        }
    };
    if let Some(dir) = runtime_dir {
        // Best effort: the directory only ever held the drivers' sockets, if anything.
        let _ = std::fs::remove_dir_all(dir);
    }
    code
}

/// Mesa's Vulkan drivers print "XDG_RUNTIME_DIR is invalid or not set in the environment" twice
/// on every GPU probe when the variable is missing (headless machines, CI, cron): give the
/// process a private one (mode 0700, removed at exit). Returns the directory it made.
#[allow(unsafe_code)]
#[cfg(not(target_arch = "wasm32"))]
fn quiet_gpu_drivers() -> Option<std::path::PathBuf> {
    let valid =
        std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| std::path::Path::new(&dir).is_dir());
    if valid {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("nsgf-runtime-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).ok()?;
    }
    // SAFETY: this runs first in `main`, before any other thread exists, so nothing reads or
    // writes the environment concurrently.
    unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
    Some(dir)
}
