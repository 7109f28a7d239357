//! Sizes beyond their limits are one-line errors naming the option, the value, the limit and
//! the memory they would need, never an allocation failure (exit 134) or a hang.

fn nsgf_fails(args: &[&str], needles: &[&str]) {
    let output = super::support::nsgf(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line: {stderr}");
    for needle in needles {
        assert!(
            errors[0].contains(needle),
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

#[test]
fn coordinates_too_large_for_the_precision_name_their_cause() {
    let dir = std::env::temp_dir().join(format!("nsgf-magnitude-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let huge = dir.join("huge.csv");
    std::fs::write(&huge, "1,2\n3,1e160\n").unwrap();
    let huge = huge.to_str().unwrap();
    nsgf_fails(
        &["data", huge, "--n", "2"],
        &["huge.csv:2:", "overflow f64", "rescale the data"],
    );
    let large = dir.join("large.csv");
    std::fs::write(&large, "1,2\n3,1e20\n").unwrap();
    let large = large.to_str().unwrap();
    // At a blur where f32 would be accurate, coordinates beyond its range are refused …
    nsgf_fails(
        &[
            "velocity",
            "--source",
            large,
            "--target",
            large,
            "--backend",
            "cpu",
            "--blur",
            "1e20",
        ],
        &["point 1 of the source set", "F32", "--precision f64"],
    );
    // … and at the default blur (diameter²/ε ≈ 4e42) the CPU computes in f64 and says so.
    let output = crate::support::nsgf(&[
        "velocity",
        "--source",
        large,
        "--target",
        large,
        "--backend",
        "cpu",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("computing in f64"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        !stdout.contains("NaN") && !stdout.contains("inf"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
