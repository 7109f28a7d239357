//! `nsgf data`: CSV on stdout, reproducible bytes, files resampled, errors on stderr.

use std::process::Command;

fn nsgf_data(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nsgf"))
        .arg("data")
        .args(args)
        .output()
        .expect("run nsgf")
}

#[test]
fn same_seed_same_bytes_and_valid_csv() {
    let a = nsgf_data(&["moons", "--n", "300", "--seed", "5"]);
    let b = nsgf_data(&["moons", "--n", "300", "--seed", "5"]);
    let c = nsgf_data(&["moons", "--n", "300", "--seed", "6"]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
    let text = String::from_utf8(a.stdout).unwrap();
    let points = nsgf::data::csv_points::parse_points(&text, "stdout").unwrap();
    assert_eq!(points.len(), 300);
    // The library gives the same points for the same seed.
    let expected = nsgf::data::Preset::Moons.sample(300, &mut nsgf::data::seeded_rng(5));
    assert_eq!(points, expected);
}

#[test]
fn default_size_and_file_input() {
    let out = nsgf_data(&["8gaussians"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1000);
    let file = nsgf_data(&["tests/fixtures/w2_a.csv", "--n", "120", "--seed", "1"]);
    assert!(
        file.status.success(),
        "{}",
        String::from_utf8_lossy(&file.stderr)
    );
    let resampled =
        nsgf::data::csv_points::parse_points(&String::from_utf8(file.stdout).unwrap(), "stdout")
            .unwrap();
    let source =
        nsgf::data::csv_points::read_points(std::path::Path::new("tests/fixtures/w2_a.csv"))
            .unwrap();
    assert_eq!(resampled.len(), 120);
    assert!(resampled.iter().all(|p| source.contains(p)));
}

#[test]
fn bad_input_fails_with_a_message() {
    let out = nsgf_data(&["moonz"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("moonz") && stderr.contains("moons"),
        "{stderr}"
    );
    let zero = nsgf_data(&["moons", "--n", "0"]);
    assert!(!zero.status.success());
    assert!(String::from_utf8_lossy(&zero.stderr).contains("at least 1"));
}
