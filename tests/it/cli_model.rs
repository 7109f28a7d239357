//! `nsgf flow`, `train`, `sample` and `eval` from the command line: outputs and error paths.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output};

fn nsgf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nsgf"))
        .args(args)
        .output()
        .expect("the nsgf binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nsgf-cli-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Fails with a one-line message that contains `needle`, without a panic.
fn assert_clean_failure(output: &Output, needle: &str) {
    let message = stderr(output);
    assert!(!output.status.success(), "expected failure, got: {message}");
    assert!(
        message.contains(needle),
        "message {message:?} lacks {needle:?}"
    );
    assert!(!message.contains("panicked"), "{message}");
    assert_eq!(message.trim_end().lines().count(), 1, "{message}");
}

#[test]
fn flow_prints_every_particle_at_every_step() {
    let output = nsgf(&[
        "flow",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--n",
        "30",
        "--steps",
        "3",
        "--backend",
        "cpu",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let rows: Vec<Vec<f64>> = text
        .lines()
        .map(|line| line.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 4 * 30);
    for (index, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 4);
        let step = (index / 30) as f64;
        assert_eq!(row[0], step);
        assert!((row[1] - step / 3.0).abs() < 1e-12);
    }
    // Same seed, same output.
    let again = nsgf(&[
        "flow",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--n",
        "30",
        "--steps",
        "3",
        "--backend",
        "cpu",
    ]);
    assert_eq!(stdout(&again), text);
}

#[test]
fn flow_rejects_bad_input() {
    let base = ["flow", "--source", "gaussian", "--backend", "cpu"];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        nsgf(&args)
    };
    assert_clean_failure(&run(&["--target", "moonz"]), "moonz");
    assert_clean_failure(&run(&["--target", "moonz"]), "checkerboard");
    assert_clean_failure(&run(&["--target", "moons", "--n", "0"]), "at least 1");
    assert_clean_failure(&run(&["--target", "moons", "--blur", "0"]), "blur");
    assert_clean_failure(&run(&["--target", "moons", "--scaling", "1"]), "scaling");
    assert_clean_failure(
        &run(&["--target", "/no/such/file.csv"]),
        "/no/such/file.csv",
    );
}

#[test]
fn train_sample_and_eval_work_end_to_end() {
    let model = scratch("tiny.json");
    let model_arg = model.to_str().unwrap();
    let output = nsgf(&[
        "train",
        "--source",
        "gaussian",
        "--target",
        "8gaussians",
        "--out",
        model_arg,
        "--iterations",
        "4",
        "--particles",
        "64",
        "--adam-steps",
        "5",
        "--width",
        "16",
        "--layers",
        "1",
        "--eval-every",
        "0",
        "--quiet",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "--quiet: {}", stderr(&output));
    assert!(model.is_file(), "the model is saved");

    let output = nsgf(&["sample", "--model", model_arg, "--n", "25", "--nfe", "4"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 25);
    for line in &lines {
        let values: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(values.len(), 2);
        assert!(values.iter().all(|v| v.is_finite()));
    }

    let output = nsgf(&["eval", "--model", model_arg, "--n", "50", "--repeats", "2"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let value = |key: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key:?} line in {text:?}"))
            .split(" ± ")
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let (w2, floor, ratio) = (value("w2 "), value("floor "), value("ratio "));
    assert!(w2 > 0.0 && floor > 0.0);
    assert!((ratio - w2 / floor).abs() < 1e-3 * ratio.max(1.0));

    assert_clean_failure(
        &nsgf(&["sample", "--model", model_arg, "--n", "0"]),
        "at least 1",
    );
}

#[test]
fn train_and_sample_reject_bad_input() {
    let out = scratch("never.json");
    let out_arg = out.to_str().unwrap();
    assert_clean_failure(
        &nsgf(&[
            "train", "--source", "gaussian", "--target", "moons", "--out", out_arg, "--method",
            "nsgfpp", "--steps", "7",
        ]),
        "at most 5",
    );
    assert_clean_failure(
        &nsgf(&[
            "train",
            "--source",
            "gaussian",
            "--target",
            "moons",
            "--out",
            out_arg,
            "--blur=-1",
        ]),
        "blur",
    );
    assert_clean_failure(
        &nsgf(&[
            "train",
            "--source",
            "gaussian",
            "--target",
            "moons",
            "--out",
            "/no/such/dir/model.json",
        ]),
        "/no/such/dir/model.json",
    );
    assert!(!out.exists());

    let corrupt = scratch("corrupt.json");
    std::fs::write(&corrupt, "{\"format_version\": 1, \"method\": ").unwrap();
    assert_clean_failure(
        &nsgf(&["sample", "--model", corrupt.to_str().unwrap()]),
        "corrupt.json",
    );
    let foreign = scratch("foreign.json");
    std::fs::write(&foreign, "{\"format_version\": 7}").unwrap();
    assert_clean_failure(
        &nsgf(&["eval", "--model", foreign.to_str().unwrap()]),
        "version 7",
    );
    assert_clean_failure(
        &nsgf(&["eval", "--model", "/no/such/model.json"]),
        "/no/such/model.json",
    );
}

#[test]
fn train_onestep_distils_from_a_teacher_file_and_samples_at_one_nfe() {
    let teacher = scratch("teacher.json");
    let student = scratch("student.json");
    let continued = scratch("continued.json");
    let small = [
        "--particles",
        "64",
        "--batch",
        "64",
        "--width",
        "16",
        "--layers",
        "1",
        "--eval-every",
        "0",
    ];
    let mut args = vec![
        "-q",
        "train",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--iterations",
        "3",
        "--out",
        teacher.to_str().unwrap(),
    ];
    args.extend(small);
    let output = nsgf(&args);
    assert!(output.status.success(), "{}", stderr(&output));

    // Distilled without a teacher, or a teacher with the wrong method: one-line errors.
    assert_clean_failure(
        &nsgf(&[
            "train",
            "--source",
            "gaussian",
            "--target",
            "moons",
            "--method",
            "onestep",
            "--mode",
            "distilled",
            "--out",
            student.to_str().unwrap(),
        ]),
        "--mode distilled needs --teacher",
    );
    assert_clean_failure(
        &nsgf(&[
            "train",
            "--method",
            "nsgf",
            "--teacher",
            teacher.to_str().unwrap(),
            "--out",
            student.to_str().unwrap(),
        ]),
        "--teacher belongs to --method onestep --mode distilled",
    );
    assert_clean_failure(
        &nsgf(&[
            "train",
            "--method",
            "onestep",
            "--mode",
            "direct",
            "--init",
            teacher.to_str().unwrap(),
            "--out",
            student.to_str().unwrap(),
        ]),
        "starts from a one-step generator",
    );

    // The source and target come from the teacher.
    let mut args = vec![
        "-q",
        "train",
        "--method",
        "onestep",
        "--mode",
        "distilled",
        "--teacher",
        teacher.to_str().unwrap(),
        "--iterations",
        "4",
        "--out",
        student.to_str().unwrap(),
    ];
    args.extend(small);
    let output = nsgf(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&student).unwrap()).unwrap();
    assert_eq!(model["method"], "onestep");
    assert_eq!(model["config"]["onestep_mode"], "distilled");
    assert_eq!(model["guide"]["method"], "nsgf");
    assert_eq!(model["target"]["Preset"], "moons");

    // A direct run continues the student.
    let mut args = vec![
        "-q",
        "train",
        "--method",
        "onestep",
        "--init",
        student.to_str().unwrap(),
        "--iterations",
        "2",
        "--out",
        continued.to_str().unwrap(),
    ];
    args.extend(small);
    let output = nsgf(&args);
    assert!(output.status.success(), "{}", stderr(&output));

    let output = nsgf(&["sample", "--model", continued.to_str().unwrap(), "--n", "7"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 7);
    let output = nsgf(&[
        "eval",
        "--model",
        student.to_str().unwrap(),
        "--n",
        "50",
        "--repeats",
        "1",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).lines().any(|line| line.starts_with("w2 ")));
    assert_clean_failure(
        &nsgf(&[
            "sample",
            "--model",
            student.to_str().unwrap(),
            "--n",
            "7",
            "--nfe",
            "3",
        ]),
        "exactly 1 network evaluation",
    );
    for path in [teacher, student, continued] {
        std::fs::remove_file(path).ok();
    }
}

#[test]
fn digits_train_sample_eval_and_gif_work_through_the_same_commands() {
    let model = scratch("digits.json");
    let gif = scratch("digits.gif");
    let small = [
        "--particles",
        "32",
        "--batch",
        "32",
        "--width",
        "16",
        "--layers",
        "1",
        "--iterations",
        "2",
        "--adam-steps",
        "2",
        "--steps",
        "3",
    ];
    let mut args = vec![
        "-q",
        "train",
        "--target",
        "digits",
        "--out",
        model.to_str().unwrap(),
    ];
    args.extend(small);
    let output = nsgf(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(saved["dim"], 64);

    let output = nsgf(&["sample", "--model", model.to_str().unwrap(), "--n", "5"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 5);
    assert!(text.lines().all(|line| line.split(',').count() == 64));

    let output = nsgf(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--n",
        "40",
        "--repeats",
        "1",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for key in ["w2 ", "floor ", "ratio ", "nearest_training_median "] {
        assert!(text.contains(key), "{text}");
    }

    let output = nsgf(&[
        "gif",
        "--model",
        model.to_str().unwrap(),
        "--n",
        "100",
        "--out",
        gif.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("a grid of 64 images"),
        "{}",
        stderr(&output)
    );
    let bytes = std::fs::read(&gif).unwrap();
    assert!(bytes.starts_with(b"GIF89a"));

    // 2D-only options and sources are refused with the reason.
    assert_clean_failure(
        &nsgf(&[
            "train",
            "--target",
            "digits",
            "--source",
            "moons",
            "--out",
            model.to_str().unwrap(),
        ]),
        "the source is the standard normal",
    );
    // A one-step generator distils from the digits model just trained, in 64 dimensions.
    let student = scratch("digits-onestep.json");
    let output = nsgf(
        &[
            &[
                "train",
                "--method",
                "onestep",
                "--mode",
                "distilled",
                "--teacher",
            ][..],
            &[model.to_str().unwrap(), "--out"],
            &[student.to_str().unwrap()],
            &small[..],
        ]
        .concat(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&student).unwrap()).unwrap();
    assert_eq!(
        (saved["dim"].as_u64(), saved["method"].as_str()),
        (Some(64), Some("onestep"))
    );
    let output = nsgf(&["sample", "--model", student.to_str().unwrap(), "--n", "3"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.lines().all(|l| l.split(',').count() == 64), "{text}");
    assert_clean_failure(
        &nsgf(&[
            "sample",
            "--model",
            model.to_str().unwrap(),
            "--n",
            "5",
            "--nfe",
            "0",
        ]),
        "nfe must be at least 1",
    );
    for path in [model, gif] {
        std::fs::remove_file(path).ok();
    }
}

#[test]
fn a_wide_csv_target_trains_in_its_dimension_and_a_bad_line_is_named() {
    let csv = scratch("three.csv");
    let bad = scratch("three-bad.csv");
    let model = scratch("three.json");
    let mut lines = String::new();
    for i in 0..40 {
        let (a, b, c) = (i % 3, f64::from(i % 5) * 0.5, f64::from(i % 7) * -0.3);
        writeln!(lines, "{a},{b},{c}").unwrap();
    }
    std::fs::write(&csv, &lines).unwrap();
    std::fs::write(&bad, "1,2,3\n4,5,6\n7,x,9\n").unwrap();
    let output = nsgf(&[
        "-q",
        "train",
        "--target",
        csv.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--particles",
        "16",
        "--batch",
        "16",
        "--width",
        "8",
        "--layers",
        "1",
        "--iterations",
        "1",
        "--adam-steps",
        "1",
        "--steps",
        "2",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = nsgf(&["sample", "--model", model.to_str().unwrap(), "--n", "3"]);
    assert!(
        stdout(&output)
            .lines()
            .all(|line| line.split(',').count() == 3)
    );
    assert_clean_failure(
        &nsgf(&[
            "train",
            "--target",
            bad.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
        ]),
        "three-bad.csv:3: column 2: \"x\" is not a number",
    );
    for path in [csv, bad, model] {
        std::fs::remove_file(path).ok();
    }
}

/// A committed model file (`tests/fixtures/models/`, written by this version's `nsgf train`).
fn model_fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(name)
}

#[test]
fn committed_model_files_of_both_kinds_still_load_and_sample() {
    for (name, width) in [("moons-nsgf.json", 2), ("digits-nsgf.json", 64)] {
        let path = model_fixture(name);
        let out = nsgf(&[
            "sample",
            "--model",
            path.to_str().unwrap(),
            "--n",
            "5",
            "--nfe",
            "2",
        ]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.split(',').all(|f| f.trim().parse::<f64>().is_ok()))
            .collect();
        assert_eq!(rows.len(), 5, "{name}: {text}");
        assert!(rows.iter().all(|r| r.split(',').count() == width), "{name}");
    }
}

#[test]
fn a_committed_64_dimensional_teacher_of_the_former_format_teaches_a_one_step_generator() {
    let out_path = scratch("from-wide-teacher.json");
    let teacher = model_fixture("digits-nsgf.json");
    let out = nsgf(&[
        "train",
        "--method",
        "onestep",
        "--mode",
        "distilled",
        "--teacher",
        teacher.to_str().unwrap(),
        "--iterations",
        "2",
        "--particles",
        "16",
        "--batch",
        "16",
        "--width",
        "8",
        "--layers",
        "1",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("64 dimensions"), "{stderr}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(saved["dim"], 64);
    assert_eq!(saved["guide"]["method"], "nsgf");
    // Another dimension's source is refused before any training, naming both.
    let out = nsgf(&[
        "train",
        "--method",
        "onestep",
        "--mode",
        "distilled",
        "--teacher",
        teacher.to_str().unwrap(),
        "--source",
        "moons",
        "--out",
        scratch("never-written.json").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("moons has 2 dimensions"), "{stderr}");
    assert!(!scratch("never-written.json").exists());
}

#[test]
fn figure_of_a_64_dimensional_model_is_a_strip_of_image_grids() {
    let model = model_fixture("digits-nsgf.json");
    let png = scratch("digits-figure.png");
    let out = nsgf(&[
        "figure",
        "--model",
        model.to_str().unwrap(),
        "--out",
        png.to_str().unwrap(),
        "--n",
        "16",
        "--times",
        "0,1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    // Two panels of 8 × 2 images of 8×8 pixels at 5 px a pixel, side by side: wider than tall.
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert!(
        width > 2 * 8 * 40 && height > 2 * 40 && height < width,
        "{width}×{height}"
    );
    let svg = scratch("digits-figure.svg");
    let out = nsgf(&[
        "figure",
        "--model",
        model.to_str().unwrap(),
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PNG of image grids"));
    assert!(!svg.exists());
}
