//! `nsgf figure` and `render::Figure`: the strip shows the GIF renderer's own frames at the
//! nearest times, the SVG holds the same particles, and bad options are errors.

use nsgf::Point;
use nsgf::flow::{FlowKind, Frame, Trajectory};
use nsgf::render::{Animation, AnimationRenderer, Figure, LookOptions};

/// 40 particles moving right over 9 frames at t = k/8.
fn animation() -> Animation {
    let frames = (0..9)
        .map(|k| {
            let points: Vec<Point> = (0..40)
                .map(|i| {
                    let a = f64::from(i) * 0.157;
                    [a.cos() + f64::from(k) * 0.3, a.sin()]
                })
                .collect();
            Frame::resting(f64::from(k) / 8.0, points)
        })
        .collect();
    let target: Vec<Point> = (0..40).map(|i| [3.0, f64::from(i) * 0.05 - 1.0]).collect();
    Animation::new(
        "test",
        Trajectory::from_frames(FlowKind::Sinkhorn, frames),
        target,
    )
}

#[test]
fn the_strip_holds_the_gif_renderers_frames_at_the_nearest_times() {
    let look = LookOptions {
        size_px: 128,
        trails: 0,
        ..LookOptions::default()
    };
    let animation = animation();
    let figure = Figure::new(&animation, &[0.0, 0.3, 1.0], look).unwrap();
    assert_eq!(
        figure.frames(),
        vec![0, 2, 8],
        "0.3 is nearest to frame 2 (t = 0.25)"
    );
    let strip = figure.png().unwrap();
    let (width, height) = figure.dimensions();
    assert_eq!((strip.width(), strip.height()), (width, height));
    // Find the panel of frame 8 in the strip: the rightmost 128×128 block that equals it.
    let renderer = AnimationRenderer::new(&animation, look).unwrap();
    let frame = renderer.render(8).unwrap();
    let found = (0..width - 128).rev().any(|x0| {
        (0..height - 128).any(|y0| {
            (0..128).all(|y| {
                let row = ((y0 + y) * width + x0) as usize;
                let ours = &strip.pixels()[row..row + 128];
                let theirs = &frame.pixels()[(y * 128) as usize..((y + 1) * 128) as usize];
                ours == theirs
            })
        })
    });
    assert!(
        found,
        "the last panel is the GIF renderer's frame, pixel for pixel"
    );
}

#[test]
fn the_svg_holds_every_particle_of_every_panel() {
    let look = LookOptions {
        size_px: 200,
        trails: 0,
        show_target: false,
        ..LookOptions::default()
    };
    let figure = Figure::new(&animation(), &[0.0, 0.5, 1.0], look).unwrap();
    let svg = figure.svg().unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(
        svg.matches("<circle").count(),
        3 * 40,
        "40 particles in 3 panels"
    );
    for title in ["t = 0<", "t = 0.5<", "t = 1<"] {
        assert!(svg.contains(title), "{title}");
    }
}

#[test]
fn bad_figure_options_are_errors() {
    let look = LookOptions::default();
    for times in [vec![], vec![1.5], vec![-0.1], vec![0.5; 13]] {
        let error = Figure::new(&animation(), &times, look).err();
        assert!(error.is_some(), "{times:?}");
    }
}

#[test]
fn nsgf_figure_writes_png_and_svg_and_refuses_other_names() {
    let dir = std::env::temp_dir().join(format!("nsgf-figure-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("strip.png");
    let svg = dir.join("strip.svg");
    let flow = [
        "figure",
        "--flow",
        "--source",
        "gaussian",
        "--target",
        "moons",
        "--n",
        "100",
        "--steps",
        "4",
        "--size",
        "96",
        "--backend",
        "cpu",
    ];
    let mut args: Vec<&str> = flow.to_vec();
    args.extend([
        "--out",
        png.to_str().unwrap(),
        "--out",
        svg.to_str().unwrap(),
    ]);
    let output = crate::support::nsgf(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let image = tiny_skia::Pixmap::load_png(&png).expect("a PNG");
    assert!(image.width() > 5 * 96 && image.height() > 96);
    assert!(std::fs::read_to_string(&svg).unwrap().contains("</svg>"));

    let mut args: Vec<&str> = flow.to_vec();
    args.extend(["--out", "strip.jpg"]);
    let output = crate::support::nsgf(&args);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("must end in .png or .svg"));

    let mut args: Vec<&str> = flow.to_vec();
    args.extend(["--out", png.to_str().unwrap(), "--times", "0,2"]);
    let output = crate::support::nsgf(&args);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("every time lies in [0, 1]"));
    std::fs::remove_dir_all(&dir).ok();
}
