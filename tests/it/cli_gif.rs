//! `nsgf gif` end to end: the particle flow and a (tiny) learned flow written as looping GIFs, and
//! the command's error paths (bad size, unwritable path, missing model, no flow chosen).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn nsgf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nsgf"))
        .args(args)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .output()
        .expect("the nsgf binary runs")
}

fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nsgf-cli-gif-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// (width, height, repeat, delays) of a GIF file.
fn gif_summary(path: &Path) -> (u16, u16, gif::Repeat, Vec<u16>) {
    let file = std::fs::File::open(path).expect("the GIF exists");
    let mut decoder = gif::DecodeOptions::new()
        .read_info(file)
        .expect("a valid GIF");
    let mut delays = Vec::new();
    while let Some(frame) = decoder.read_next_frame().expect("a valid frame") {
        delays.push(frame.delay);
    }
    (decoder.width(), decoder.height(), decoder.repeat(), delays)
}

#[test]
fn particle_flow_gif_has_one_frame_per_step_and_holds_the_last() {
    let dir = scratch_dir("flow");
    let out = dir.join("flow.gif");
    let output = nsgf(&[
        "gif",
        "--flow",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--n",
        "60",
        "--steps",
        "4",
        "--eta",
        "0.5",
        "--size",
        "96",
        "--fps",
        "10",
        "--hold-ms",
        "300",
        "--backend",
        "cpu",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("wrote"), "{}", stderr(&output));
    let (width, height, repeat, delays) = gif_summary(&out);
    assert_eq!((width, height), (96, 96));
    assert_eq!(repeat, gif::Repeat::Infinite);
    assert_eq!(delays, vec![10, 10, 10, 10, 40]);
}

#[test]
fn learned_flow_gif_from_a_tiny_model() {
    let dir = scratch_dir("model");
    let model = dir.join("model.json");
    let out = dir.join("learned.gif");
    let trained = nsgf(&[
        "train",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--method",
        "nsgf",
        "--steps",
        "3",
        "--particles",
        "32",
        "--pool",
        "2",
        "--iterations",
        "2",
        "--adam-steps",
        "2",
        "--batch",
        "16",
        "--width",
        "8",
        "--quiet",
        "--out",
        model.to_str().expect("utf-8 path"),
    ]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    let output = nsgf(&[
        "gif",
        "--model",
        model.to_str().expect("utf-8 path"),
        "--n",
        "50",
        "--nfe",
        "6",
        "--size",
        "80",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (width, _, repeat, delays) = gif_summary(&out);
    assert_eq!(width, 80);
    assert_eq!(repeat, gif::Repeat::Infinite);
    // The source sample plus one frame per network evaluation.
    assert_eq!(delays.len(), 7, "{delays:?}");
    assert_eq!(delays[6], 5 + 100);
}

#[test]
fn bad_requests_fail_with_clear_messages_and_write_nothing() {
    let dir = scratch_dir("errors");
    let out = dir.join("never.gif");
    let out_arg = out.to_str().expect("utf-8 path");
    let flow = [
        "gif", "--flow", "--source", "gaussian", "--target", "moons", "--n", "20",
    ];

    let too_small = nsgf(&[&flow[..], &["--size", "10", "--out", out_arg]].concat());
    assert!(!too_small.status.success());
    assert!(
        stderr(&too_small).contains("64..=2048"),
        "{}",
        stderr(&too_small)
    );

    let missing_dir = dir.join("no-such-dir").join("x.gif");
    let unwritable = nsgf(
        &[
            &flow[..],
            &["--steps", "1", "--size", "64", "--backend", "cpu", "--out"],
            &[missing_dir.to_str().expect("utf-8 path")],
        ]
        .concat(),
    );
    assert!(!unwritable.status.success());
    assert!(
        stderr(&unwritable).contains("no-such-dir"),
        "{}",
        stderr(&unwritable)
    );

    let no_model = nsgf(&[
        "gif",
        "--model",
        "/nonexistent/model.json",
        "--out",
        out_arg,
    ]);
    assert!(!no_model.status.success());
    assert!(
        stderr(&no_model).contains("/nonexistent/model.json"),
        "{}",
        stderr(&no_model)
    );

    let neither = nsgf(&["gif", "--out", out_arg]);
    assert!(!neither.status.success());
    assert!(
        std::fs::read_dir(&dir).expect("readable").next().is_none(),
        "nothing written"
    );
}

#[test]
fn a_missing_output_folder_fails_before_any_work() {
    let output = nsgf(&[
        "gif",
        "--flow",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--out",
        "/no/such/folder/flow.gif",
        "--n",
        "10",
        "--steps",
        "2",
        "--backend",
        "cpu",
    ]);
    let message = stderr(&output);
    assert!(!output.status.success());
    assert!(
        message.contains("/no/such/folder") && message.contains("does not exist"),
        "{message}"
    );
    assert!(
        !message.contains("simulating"),
        "work started before the check: {message}"
    );
}

#[test]
fn a_particle_flow_to_the_digits_is_a_grid_gif_and_a_grid_figure() {
    let dir = scratch_dir("digits");
    let gif_path = dir.join("digits.gif");
    let png_path = dir.join("digits.png");
    let flow = [
        "--flow", "--source", "gaussian", "--target", "digits", "--n", "16", "--steps", "3",
        "--blur", "1", "--eta", "1",
    ];
    let output = nsgf(&[&["gif", "--out", gif_path.to_str().unwrap()][..], &flow[..]].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    let (width, height, _, delays) = gif_summary(&gif_path);
    // One frame per step and the start: a 4 × 4 grid of 8×8 images.
    assert_eq!(delays.len(), 4);
    assert!(width >= 4 * 8 && height >= 4 * 8, "{width}×{height}");
    let output = nsgf(
        &[
            &["figure", "--out", png_path.to_str().unwrap()][..],
            &flow[..],
        ]
        .concat(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(&std::fs::read(&png_path).unwrap()[1..4], b"PNG");
    // A wide CSV that is not 8×8 images has no picture: the error says so and `nsgf flow`.
    let wide = dir.join("five.csv");
    std::fs::write(&wide, "1,2,3,4,5\n2,3,4,5,6\n").unwrap();
    let output = nsgf(&[
        "gif",
        "--flow",
        "--source",
        "gaussian",
        "--target",
        wide.to_str().unwrap(),
        "--out",
        dir.join("five.gif").to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("5-dimensional") && stderr(&output).contains("nsgf flow"));
    let _ = std::fs::remove_dir_all(&dir);
}
