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
    parse_csv(&velocity_text(case, blur, scaling, precision))
}

/// What `nsgf velocity --backend cpu` prints for the fixture `case` (any width).
fn velocity_text(case: &str, blur: &str, scaling: &str, precision: &str) -> String {
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
    String::from_utf8(out.stdout).unwrap()
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

/// Rows of comma-separated numbers (any width; a header line of names is skipped).
fn parse_rows(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            l.split(',')
                .map(|f| f.trim().parse::<f64>())
                .collect::<Result<Vec<f64>, _>>()
                .ok()
        })
        .collect()
}

#[test]
fn velocity_command_matches_geomloss_in_64_dimensions() {
    let want = parse_rows(&std::fs::read_to_string(fixture("digits64.velocity.csv")).unwrap());
    let scale = want.iter().flatten().fold(0.0_f64, |m, c| m.max(c.abs()));
    for (precision, tolerance) in [("f64", 1e-6), ("f32", 5e-3)] {
        let got = parse_rows(&velocity_text("digits64", "1", "0.9", precision));
        assert_eq!(got.len(), want.len());
        let error = got
            .iter()
            .flatten()
            .zip(want.iter().flatten())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0_f64, f64::max)
            / scale;
        println!("nsgf velocity, d = 64, {precision}: {error:.2e} of max|v|");
        assert!(got.iter().all(|row| row.len() == 64));
        assert!(error < tolerance, "{precision}: {error:e}");
    }
}

#[test]
fn velocity_command_names_both_widths_and_quotes_little_of_a_long_line() {
    let dir = std::env::temp_dir().join(format!("nsgf-velocity-widths-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let planar = dir.join("planar.csv");
    std::fs::write(&planar, "0,1\n1,0\n").unwrap();
    let wide = fixture("digits64.target.csv");
    let out = nsgf(&[
        "velocity",
        "--source",
        planar.to_str().unwrap(),
        "--target",
        wide.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2 coordinates") && stderr.contains("64"),
        "{stderr}"
    );
    // A long bad field, and a long line of the wrong width in a 2D file, are quoted in about
    // 60 characters ("…" and the length), not whole.
    let long_field = dir.join("long_field.csv");
    let garbage = "z".repeat(300);
    std::fs::write(&long_field, format!("0.5,0.5,0.5\n0.5,{garbage},0.5\n")).unwrap();
    let long_line = dir.join("long_line.csv");
    std::fs::write(&long_line, format!("0,1\n{}\n", vec!["0.5"; 200].join(","))).unwrap();
    for args in [
        vec![
            "velocity",
            "--source",
            long_field.to_str().unwrap(),
            "--target",
            long_field.to_str().unwrap(),
        ],
        vec![
            "flow",
            "--source",
            "gaussian",
            "--target",
            long_line.to_str().unwrap(),
        ],
    ] {
        let out = nsgf(&args);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(".csv:2"), "{stderr}");
        assert!(stderr.contains("characters)"), "{stderr}");
        assert!(stderr.lines().all(|l| l.chars().count() < 200), "{stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn flow_command_flows_64_dimensional_points() {
    let target = fixture("digits64.target.csv");
    let args = [
        "flow",
        "--source",
        "gaussian",
        "--target",
        target.to_str().unwrap(),
        "--n",
        "40",
        "--steps",
        "3",
        "--blur",
        "1",
        "--eta",
        "1",
    ];
    let out = nsgf(&args);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = parse_rows(&String::from_utf8(out.stdout.clone()).unwrap());
    assert_eq!(rows.len(), 4 * 40);
    assert!(rows.iter().all(|row| row.len() == 2 + 64));
    // The particles come closer to the target's mean step after step.
    let target_rows = parse_rows(&std::fs::read_to_string(&target).unwrap());
    let mean = |rows: &[&Vec<f64>], skip: usize| -> Vec<f64> {
        (0..64)
            .map(|k| rows.iter().map(|r| r[k + skip]).sum::<f64>() / rows.len() as f64)
            .collect()
    };
    let goal = mean(&target_rows.iter().collect::<Vec<_>>(), 0);
    let gap = |step: f64| {
        let at: Vec<&Vec<f64>> = rows.iter().filter(|r| r[0] == step).collect();
        let centre = mean(&at, 2);
        centre
            .iter()
            .zip(&goal)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    assert!(gap(3.0) < 0.5 * gap(0.0), "{} vs {}", gap(3.0), gap(0.0));
    // The same seed gives the same flow.
    assert_eq!(nsgf(&args).stdout, out.stdout);
}
