//! `nsgf velocity` end to end: the built binary on the reference fixtures and on bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn nsgf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nsgf"))
        .args(args)
        .output()
        .expect("the nsgf binary runs")
}

fn parse_csv(text: &str) -> Vec<[f64; 2]> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (a, b) = l.split_once(',').expect("two columns");
            [a.parse().expect("a number"), b.parse().expect("a number")]
        })
        .collect()
}

fn velocity_of(case: &str, blur: &str, scaling: &str, precision: &str) -> Vec<[f64; 2]> {
    let source = fixture(&format!("{case}.source.csv"));
    let target = fixture(&format!("{case}.target.csv"));
    let out = nsgf(&[
        "velocity",
        "--source",
        source.to_str().unwrap(),
        "--target",
        target.to_str().unwrap(),
        "--blur",
        blur,
        "--scaling",
        scaling,
        "--precision",
        precision,
        "--backend",
        "cpu",
    ]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_csv(&String::from_utf8(out.stdout).unwrap())
}

fn relative_error(got: &[[f64; 2]], want: &[[f64; 2]]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want
        .iter()
        .flat_map(|v| v.iter())
        .fold(0.0_f64, |m, c| m.max(c.abs()));
    got.iter()
        .zip(want)
        .flat_map(|(a, b)| [(a[0] - b[0]).abs(), (a[1] - b[1]).abs()])
        .fold(0.0_f64, f64::max)
        / scale
}

#[test]
fn velocity_command_reproduces_the_reference_files() {
    for (case, blur, scaling) in [
        ("gauss_to_spiral", "0.05", "0.9"),
        ("tiny_exact", "0.5", "0.5"),
    ] {
        let want =
            parse_csv(&std::fs::read_to_string(fixture(&format!("{case}.velocity.csv"))).unwrap());
        let f64_err = relative_error(&velocity_of(case, blur, scaling, "f64"), &want);
        assert!(f64_err < 1e-6, "{case} f64: {f64_err:e}");
        let f32_err = relative_error(&velocity_of(case, blur, scaling, "f32"), &want);
        assert!(f32_err < 5e-3, "{case} f32: {f32_err:e}");
    }
}

fn assert_fails(args: &[&str], needle: &str) {
    let out = nsgf(args);
    assert!(!out.status.success(), "{args:?} succeeded");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error_lines.len(), 1, "stderr: {stderr}");
    assert!(
        error_lines[0].contains(needle),
        "'{needle}' not in: {stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn velocity_command_rejects_bad_input_with_one_line() {
    let source = fixture("tiny_exact.source.csv");
    let target = fixture("tiny_exact.target.csv");
    let manifest = fixture("manifest.json");
    let (s, t) = (source.to_str().unwrap(), target.to_str().unwrap());
    let base = ["velocity", "--backend", "cpu", "--source", s, "--target"];
    assert_fails(&[&base[..], &[t, "--blur", "0"]].concat(), "blur");
    assert_fails(&[&base[..], &[t, "--blur", "-0.1"]].concat(), "blur");
    assert_fails(&[&base[..], &[t, "--scaling", "1.5"]].concat(), "scaling");
    assert_fails(
        &[&base[..], &["/no/such/file.csv"]].concat(),
        "/no/such/file.csv",
    );
    assert_fails(
        &[&base[..], &[manifest.to_str().unwrap()]].concat(),
        "manifest.json:",
    );
}
