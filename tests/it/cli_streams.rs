//! The CLI's output streams: `nsgf flow` writes each step as it is computed, and a reader that
//! quits early (`nsgf flow … | head`) ends the command quietly with exit 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn a_closed_pipe_ends_nsgf_flow_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nsgf"))
        .args([
            "flow",
            "--source",
            "gaussian",
            "--target",
            "moons",
            "--n",
            "300",
            "--steps",
            "400",
            "--backend",
            "cpu",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nsgf starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    // The first step arrives long before 400 steps could be computed: it is streamed.
    let first = lines.next().expect("a line").expect("readable");
    assert!(first.starts_with("0,0,"), "{first}");
    drop(lines);
    let output = child.wait_with_output().expect("nsgf ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn stderr_holds_no_driver_noise_without_xdg_runtime_dir() {
    let output = Command::new(env!("CARGO_BIN_EXE_nsgf"))
        .args([
            "flow", "--source", "gaussian", "--target", "moons", "--n", "20", "--steps", "1",
        ])
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .expect("nsgf runs");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("XDG_RUNTIME_DIR"), "{stderr}");
    assert_eq!(
        stderr
            .lines()
            .filter(|line| !line.trim().is_empty())
            .count(),
        2,
        "only the backend and mode notes: {stderr}"
    );
    assert!(stderr.starts_with("backend: "), "{stderr}");
}

#[test]
fn a_diverging_flow_is_an_error_not_nan_data() {
    let output = super::support::nsgf(&[
        "flow",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--n",
        "50",
        "--steps",
        "3",
        "--eta",
        "1e308",
        "--backend",
        "cpu",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("left the plane at step 0"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("NaN") && !stdout.contains("inf"),
        "no non-finite value goes out as data"
    );
}

/// On a terminal (a pseudo-terminal from util-linux's `script`) `nsgf flow` draws a progress bar
/// with an ETA; into a pipe it prints only its one-line backend note; `--quiet` prints nothing.
#[test]
fn progress_bars_only_on_a_terminal_and_never_with_quiet() {
    let args = [
        "flow",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--n",
        "200",
        "--steps",
        "6",
        "--backend",
        "cpu",
    ];
    let piped = crate::support::nsgf(&args);
    assert!(piped.status.success());
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            "backend: cpu f32",
            "velocity: annealed (GeomLoss-exact), dense kernels"
        ],
        "only the backend and mode notes"
    );
    assert!(
        !stderr.contains("ETA") && !stderr.contains('\r'),
        "{stderr:?}"
    );

    let mut quiet = vec!["--quiet"];
    quiet.extend(args);
    let output = crate::support::nsgf(&quiet);
    assert!(output.status.success());
    assert!(
        output.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.stdout.is_empty(), "the data still goes to stdout");

    let command = format!(
        "{} {} > /dev/null",
        env!("CARGO_BIN_EXE_nsgf"),
        args.join(" ")
    );
    match std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
    {
        Ok(on_terminal) => {
            let shown = String::from_utf8_lossy(&on_terminal.stdout);
            assert!(on_terminal.status.success(), "{shown}");
            assert!(
                shown.contains("Sinkhorn flow steps") && shown.contains("ETA"),
                "{shown:?}"
            );
        }
        Err(error) => crate::support::skip(&format!(
            "the terminal half of the progress test: cannot run script ({error})"
        )),
    }
}
