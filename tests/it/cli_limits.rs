//! Sizes beyond their limits are one-line errors naming the option, the value, the limit and
//! the memory they would need, never an allocation failure (exit 134) or a hang.

use std::process::Command;

fn nsgf_fails(args: &[&str], needles: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_nsgf"))
        .args(args)
        .output()
        .expect("nsgf runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: '{stderr}' lacks '{needle}'"
        );
    }
}

#[test]
fn huge_sizes_are_refused_before_any_allocation() {
    nsgf_fails(
        &["data", "moons", "--n", "20000000000"],
        &["--n = 20000000000", "limit of 16777216", "1.3 TB of memory"],
    );
    nsgf_fails(
        &[
            "flow", "--source", "gaussian", "--target", "moons", "--steps", "5000000",
        ],
        &["--steps = 5000000", "limit of 1000000"],
    );
    nsgf_fails(
        &[
            "train",
            "--source",
            "gaussian",
            "--target",
            "moons",
            "--width",
            "100000",
            "--out",
            "unused.json",
        ],
        &["hidden_width = 100000", "limit of 4096", "GB of memory"],
    );
    nsgf_fails(
        &[
            "train",
            "--source",
            "gaussian",
            "--target",
            "moons",
            "--pool",
            "100000000",
            "--out",
            "unused.json",
        ],
        &["pool_flows × particles × steps", "limit of"],
    );
}
