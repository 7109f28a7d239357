//! GIF export: decoded back with the gif crate (frame count, size, loop, delays, stable colours at
//! the particles' pixels), chunking, progress, cancel and the error paths (no file left behind).

use nsgf::Point;
use nsgf::flow::{FlowKind, Frame, Trajectory};
use nsgf::render::colors::BACKGROUND;
use nsgf::render::{
    Animation, AnimationRenderer, GifOptions, LookOptions, RenderError, export_gif,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// A fresh, empty directory for one test.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nsgf-gif-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// An animation of `frames` (one point set per frame, at times k / last) over `target`.
pub fn animation_of_points(title: &str, frames: Vec<Vec<Point>>, target: Vec<Point>) -> Animation {
    let last = frames.len().saturating_sub(1).max(1) as f64;
    let frames = frames
        .into_iter()
        .enumerate()
        .map(|(k, points)| Frame::resting(k as f64 / last, points))
        .collect();
    Animation::new(
        title,
        Trajectory::from_frames(FlowKind::Sinkhorn, frames),
        target,
    )
}

/// 30 particles on a circle that shrink to a small offset circle over `frames` frames.
fn moving_points(frames: usize) -> (Vec<Vec<Point>>, Vec<Point>) {
    let start: Vec<Point> = (0..30)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / 30.0;
            [2.0 * a.cos(), 2.0 * a.sin()]
        })
        .collect();
    let last = (frames - 1).max(1) as f64;
    let points = (0..frames)
        .map(|k| {
            let s = k as f64 / last;
            start
                .iter()
                .map(|p| [(1.0 - 0.7 * s) * p[0] + s, (1.0 - 0.7 * s) * p[1]])
                .collect()
        })
        .collect();
    let target = start
        .iter()
        .map(|p| [0.3 * p[0] + 1.0, 0.3 * p[1]])
        .collect();
    (points, target)
}

fn moving_animation(frames: usize) -> Animation {
    let (points, target) = moving_points(frames);
    animation_of_points("test flow", points, target)
}

fn small_options() -> GifOptions {
    GifOptions {
        look: LookOptions {
            size_px: 96,
            trails: 2,
            ..LookOptions::default()
        },
        fps: 10,
        hold_last_ms: 500,
        chunk_frames: 4,
    }
}

/// Every frame of a GIF as RGBA, with its delay, plus the width, height and repeat setting.
struct Decoded {
    width: u16,
    height: u16,
    repeat: gif::Repeat,
    frames: Vec<(u16, Vec<u8>)>,
}

fn decode(path: &Path) -> Decoded {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let file = std::fs::File::open(path).expect("the GIF exists");
    let mut decoder = options.read_info(file).expect("a valid GIF");
    let mut frames = Vec::new();
    while let Some(frame) = decoder.read_next_frame().expect("a valid frame") {
        frames.push((frame.delay, frame.buffer.to_vec()));
    }
    Decoded {
        width: decoder.width(),
        height: decoder.height(),
        repeat: decoder.repeat(),
        frames,
    }
}

fn rgb(rgba: &[u8], width: u32, x: f32, y: f32) -> [u8; 3] {
    let offset = 4 * (y.floor() as usize * width as usize + x.floor() as usize);
    [rgba[offset], rgba[offset + 1], rgba[offset + 2]]
}

/// Files in `dir`, as names.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn written_gif_loops_with_the_right_frames_size_and_delays() {
    let dir = scratch_dir("basic");
    let path = dir.join("flow.gif");
    let animation = moving_animation(9);
    let options = small_options();
    let mut reported = Vec::new();
    let report = export_gif(
        &path,
        &animation,
        &options,
        &mut |done, total| reported.push((done, total)),
        None,
    )
    .expect("export succeeds");
    assert_eq!(report.frames, 9);
    assert_eq!(
        (report.frame_delay_cs, report.last_frame_delay_cs),
        (10, 60)
    );
    assert_eq!(report.bytes, std::fs::metadata(&path).expect("file").len());
    assert_eq!(
        listing(&dir),
        vec!["flow.gif".to_string()],
        "no temporary file left"
    );
    assert_eq!(reported, vec![(0, 9), (4, 9), (8, 9), (9, 9)]);

    let decoded = decode(&path);
    assert_eq!((decoded.width, decoded.height), (96, 96));
    assert_eq!(decoded.repeat, gif::Repeat::Infinite);
    let delays: Vec<u16> = decoded.frames.iter().map(|f| f.0).collect();
    assert_eq!(delays, vec![10, 10, 10, 10, 10, 10, 10, 10, 60]);
    for pair in decoded.frames.windows(2) {
        assert_ne!(
            pair[0].1, pair[1].1,
            "consecutive frames differ while the flow moves"
        );
    }
}

#[test]
fn particle_colours_land_on_the_particles_in_every_frame() {
    let dir = scratch_dir("colours");
    let path = dir.join("colours.gif");
    let animation = moving_animation(5);
    let mut options = small_options();
    options.look.size_px = 200;
    options.look.trails = 0;
    options.look.show_target = false;
    options.look.particle_radius_px = Some(3.0);
    export_gif(&path, &animation, &options, &mut |_, _| {}, None).expect("export");
    let renderer = AnimationRenderer::new(&animation, options.look).expect("valid");
    let decoded = decode(&path);
    assert_eq!(decoded.frames.len(), 5);
    for (frame, (_, rgba)) in animation.trajectory.frames().iter().zip(&decoded.frames) {
        for (point, color) in frame.points().iter().zip(renderer.colors()) {
            let (x, y) = renderer.viewport().to_pixel(*point, 200);
            assert_eq!(rgb(rgba, 200, x, y), *color, "particle at {point:?}");
        }
    }
    // Far from the cloud and the caption: background.
    let (x, y) = renderer.viewport().to_pixel([-0.5, -1.9], 200);
    assert_eq!(rgb(&decoded.frames[4].1, 200, x, y), BACKGROUND);
}

#[test]
fn chunk_size_does_not_change_the_file() {
    let dir = scratch_dir("chunks");
    let animation = moving_animation(7);
    let mut bytes = Vec::new();
    for chunk_frames in [1, 3, 16] {
        let path = dir.join(format!("chunk{chunk_frames}.gif"));
        let options = GifOptions {
            chunk_frames,
            ..small_options()
        };
        export_gif(&path, &animation, &options, &mut |_, _| {}, None).expect("export");
        bytes.push(std::fs::read(&path).expect("written"));
    }
    assert_eq!(bytes[0], bytes[1]);
    assert_eq!(bytes[0], bytes[2]);
}

#[test]
fn a_missing_directory_is_an_error_naming_the_path() {
    let dir = scratch_dir("missing");
    let path = dir.join("no such dir").join("flow.gif");
    let error = export_gif(
        &path,
        &moving_animation(3),
        &small_options(),
        &mut |_, _| {},
        None,
    )
    .expect_err("cannot create the file");
    assert!(matches!(error, RenderError::Io { .. }));
    assert!(error.to_string().contains("no such dir"), "{error}");
    assert!(listing(&dir).is_empty());

    let error = export_gif(
        &dir,
        &moving_animation(3),
        &small_options(),
        &mut |_, _| {},
        None,
    )
    .expect_err("a directory is no file");
    // The reason is the error's source, printed after the path.
    let text = nsgf::job::describe(&error);
    assert!(text.contains("is a directory"), "{text}");
    assert!(listing(&dir).is_empty());
}

#[test]
fn bad_animations_and_options_leave_no_file_and_keep_an_existing_one() {
    let dir = scratch_dir("bad");
    let path = dir.join("keep.gif");
    std::fs::write(&path, b"old contents").expect("write");
    let check = |animation: &Animation, options: &GifOptions, needle: &str| {
        let error = export_gif(&path, animation, options, &mut |_, _| {}, None)
            .expect_err("export must fail");
        assert!(
            error.to_string().contains(needle),
            "'{error}' lacks '{needle}'"
        );
        assert_eq!(std::fs::read(&path).expect("still there"), b"old contents");
        assert_eq!(listing(&dir), vec!["keep.gif".to_string()]);
    };
    let good = moving_animation(4);
    check(
        &animation_of_points("empty", Vec::new(), Vec::new()),
        &small_options(),
        "no frames",
    );
    for size_px in [0, 100_000] {
        let mut options = small_options();
        options.look.size_px = size_px;
        check(&good, &options, "64..=2048");
    }
    let mut options = small_options();
    options.fps = 0;
    check(&good, &options, "1..=50");
    let (mut points, target) = moving_points(4);
    points[2][7] = [f64::NAN, 0.0];
    let broken = animation_of_points("test flow", points, target.clone());
    check(
        &broken,
        &small_options(),
        "frame 2 holds a non-finite coordinate at index 7",
    );
    let (mut points, _) = moving_points(4);
    points[1].pop();
    let ragged = animation_of_points("test flow", points, target);
    check(&ragged, &small_options(), "29 given, 30 expected");
    let cancelled = AtomicBool::new(true);
    let error = export_gif(
        &path,
        &good,
        &small_options(),
        &mut |_, _| {},
        Some(&cancelled),
    )
    .expect_err("cancelled");
    assert!(matches!(error, RenderError::Cancelled));
    assert_eq!(listing(&dir), vec!["keep.gif".to_string()]);
}

#[test]
fn a_single_frame_animation_holds_that_frame() {
    let dir = scratch_dir("single");
    let path = dir.join("one.gif");
    let animation = animation_of_points("", vec![vec![[0.0, 0.0], [1.0, 1.0]]], Vec::new());
    let options = GifOptions {
        fps: 25,
        hold_last_ms: 2000,
        ..small_options()
    };
    export_gif(&path, &animation, &options, &mut |_, _| {}, None).expect("export");
    let decoded = decode(&path);
    assert_eq!(decoded.frames.len(), 1);
    assert_eq!(decoded.frames[0].0, 4 + 200);
}

#[test]
fn an_in_memory_export_is_the_same_gif_as_the_file() {
    let dir = scratch_dir("memory");
    let path = dir.join("flow.gif");
    let animation = moving_animation(7);
    let options = small_options();
    export_gif(&path, &animation, &options, &mut |_, _| {}, None).unwrap();
    let on_disk = std::fs::read(&path).unwrap();
    let mut exporter =
        nsgf::render::GifExporter::in_memory(Path::new("flow.gif"), &animation, &options).unwrap();
    let report = loop {
        if let Some(report) = exporter.step().unwrap() {
            break report;
        }
        assert!(exporter.take_bytes().is_none(), "no bytes before the end");
    };
    let in_memory = exporter.take_bytes().expect("the finished GIF");
    assert_eq!(report.bytes, in_memory.len() as u64);
    assert_eq!(in_memory, on_disk);
    // Nothing was written beside the name the in-memory export carries.
    assert!(!Path::new("flow.gif").exists());
    assert_eq!(listing(&dir), vec!["flow.gif".to_string()]);
    std::fs::remove_dir_all(&dir).ok();
}
