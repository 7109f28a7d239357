//! The GIF export benchmark: 100 frames of 2000 particles at 480 px, drawn and encoded with all
//! rayon threads and with one thread.

use crate::Point;
use crate::data::seeded_rng;
use crate::flow::{FlowKind, Frame, Trajectory};
use crate::render::{Animation, GifOptions, RenderError, export_gif};
use rand::RngExt;
use std::time::Instant;

/// Frames of the benchmark animation.
const BENCH_FRAMES: usize = 100;
/// Particles of the benchmark animation.
const BENCH_PARTICLES: usize = 2000;
/// Image side of the benchmark animation.
const BENCH_SIZE_PX: u32 = 480;

/// A synthetic flow (no OT solve, so only drawing and encoding are timed): a standard Gaussian
/// that swirls into a ring of radius 2, `frames` frames of `particles` particles.
fn synthetic_animation(frames: usize, particles: usize, seed: u64) -> Animation {
    let mut rng = seeded_rng(seed);
    let mut gaussian = || {
        let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
        let v: f64 = rng.random();
        let radius = (-2.0 * u.ln()).sqrt();
        let angle = std::f64::consts::TAU * v;
        [radius * angle.cos(), radius * angle.sin()]
    };
    let source: Vec<Point> = (0..particles).map(|_| gaussian()).collect();
    let ring: Vec<Point> = source
        .iter()
        .map(|p| {
            let angle = p[1].atan2(p[0]);
            let radius = 2.0 + 0.1 * p[0].hypot(p[1]);
            [radius * angle.cos(), radius * angle.sin()]
        })
        .collect();
    let last = frames.saturating_sub(1).max(1) as f64;
    let frame_points: Vec<Frame> = (0..frames)
        .map(|k| {
            let t = k as f64 / last;
            let s = t * t * (3.0 - 2.0 * t);
            let (sin, cos) = (1.5 * s * (1.0 - s)).sin_cos();
            let positions: Vec<Point> = source
                .iter()
                .zip(&ring)
                .map(|(a, b)| {
                    let x = (1.0 - s) * a[0] + s * b[0];
                    let y = (1.0 - s) * a[1] + s * b[1];
                    [cos * x - sin * y, sin * x + cos * y]
                })
                .collect();
            Frame::resting(t, positions)
        })
        .collect();
    Animation::new(
        "synthetic swirl",
        Trajectory::from_frames(FlowKind::Sinkhorn, frame_points),
        ring,
    )
}

/// Renders and encodes 100 frames of 2000 particles at 480 px (trails on) into a temporary file,
/// once with the global rayon pool and once in a 1-thread pool, and returns a one-line report:
/// total seconds, milliseconds per frame, the speed-up, and the file size.
pub(crate) fn bench_gif_export() -> anyhow::Result<String> {
    let animation = synthetic_animation(BENCH_FRAMES, BENCH_PARTICLES, 7);
    let options = GifOptions {
        hold_last_ms: 1000,
        ..GifOptions::default()
    };
    let path = std::env::temp_dir().join(format!("nsgf-bench-{}.gif", std::process::id()));
    let run = || -> Result<(f64, u64), RenderError> {
        let start = Instant::now();
        let report = export_gif(&path, &animation, &options, &mut |_, _| {}, None)?;
        Ok((start.elapsed().as_secs_f64(), report.bytes))
    };
    let threads = rayon::current_num_threads();
    let parallel = run();
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()?
        .install(run);
    let _ = std::fs::remove_file(&path);
    let ((parallel_s, bytes), (single_s, _)) = (parallel?, single?);
    Ok(format!(
        "gif export: {BENCH_FRAMES} frames x {BENCH_PARTICLES} particles at {BENCH_SIZE_PX} px: \
         {threads} threads {parallel_s:.2} s ({:.1} ms/frame), 1 thread {single_s:.2} s \
         ({:.1} ms/frame), speed-up {:.2}x, {:.0} KiB",
        1000.0 * parallel_s / BENCH_FRAMES as f64,
        1000.0 * single_s / BENCH_FRAMES as f64,
        single_s / parallel_s,
        bytes as f64 / 1024.0
    ))
}
