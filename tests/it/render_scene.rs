//! Offscreen drawing of one frame: pixels land where the particles are, in their colours; fixed
//! axes; the colour map; the bitmap font; error paths.

use nsgf::Point;
use nsgf::render::colors::{BACKGROUND, TARGET_GREY, particle_color_map};
use nsgf::render::palette::GlobalPalette;
use nsgf::render::text::{draw_text, text_size};
use nsgf::render::{
    AnimationRenderer, FrameScene, FrameStyle, LookOptions, RenderError, Viewport, colors_by_start,
    render_frame,
};

fn rgb_at(pixmap: &tiny_skia::Pixmap, x: f32, y: f32) -> [u8; 3] {
    let pixel = pixmap
        .pixel(x.floor() as u32, y.floor() as u32)
        .expect("pixel inside the image");
    assert_eq!(pixel.alpha(), 255, "frames are opaque");
    [pixel.red(), pixel.green(), pixel.blue()]
}

const UNIT_VIEW: Viewport = Viewport {
    center: [0.0, 0.0],
    half_side: 1.0,
};

#[test]
fn particles_are_drawn_in_their_colours_at_their_positions() {
    // Positions at pixel centres (a pixel is 0.01 wide): x = 0.005 + k / 100.
    let particles: Vec<Point> = vec![
        [0.505, 0.505],
        [-0.495, 0.505],
        [-0.495, -0.495],
        [0.505, -0.495],
        [0.305, 0.805],
    ];
    let colors = colors_by_start(&particles);
    let target: Vec<Point> = vec![[0.305, -0.795]];
    let style = FrameStyle::for_size(200, particles.len());
    let scene = FrameScene {
        particles: &particles,
        colors: &colors,
        target: &target,
        ..FrameScene::default()
    };
    let pixmap = render_frame(&scene, &UNIT_VIEW, &style).expect("draws");
    assert_eq!((pixmap.width(), pixmap.height()), (200, 200));
    for (point, color) in particles.iter().zip(&colors) {
        let (x, y) = UNIT_VIEW.to_pixel(*point, 200);
        assert_eq!(rgb_at(&pixmap, x, y), *color, "particle at {point:?}");
    }
    // y is up: the particle at (0.5, 0.5) is in the upper-right quadrant of the image.
    let (x, y) = UNIT_VIEW.to_pixel([0.505, 0.505], 200);
    assert_eq!((x, y), (150.5, 49.5));
    let (x, y) = UNIT_VIEW.to_pixel(target[0], 200);
    assert_eq!(rgb_at(&pixmap, x, y), TARGET_GREY);
    // Away from every particle, dot, axis and the caption: background.
    for point in [[0.25, 0.2], [-0.7, -0.2], [0.75, 0.05]] {
        let (x, y) = UNIT_VIEW.to_pixel(point, 200);
        assert_eq!(rgb_at(&pixmap, x, y), BACKGROUND, "empty spot {point:?}");
    }
}

#[test]
fn arrows_and_trails_leave_ink_between_positions() {
    let particles: Vec<Point> = vec![[0.3, 0.5]];
    let before: Vec<Point> = vec![[-0.6, 0.5]];
    let arrows: Vec<Point> = vec![[0.0, -0.8]];
    let colors = vec![particle_color_map()[5]];
    let style = FrameStyle::for_size(200, 1);
    let plain = FrameScene {
        particles: &particles,
        colors: &colors,
        ..FrameScene::default()
    };
    let decorated = FrameScene {
        trails: vec![&before],
        arrows: Some(&arrows),
        ..plain.clone()
    };
    let plain = render_frame(&plain, &UNIT_VIEW, &style).expect("draws");
    let decorated = render_frame(&decorated, &UNIT_VIEW, &style).expect("draws");
    let trail_middle = UNIT_VIEW.to_pixel([-0.3, 0.5], 200);
    let arrow_middle = UNIT_VIEW.to_pixel([0.3, 0.1], 200);
    for (x, y) in [trail_middle, arrow_middle] {
        assert_eq!(rgb_at(&plain, x, y), BACKGROUND);
        assert_ne!(rgb_at(&decorated, x, y), BACKGROUND, "ink at ({x}, {y})");
    }
}

#[test]
fn frames_of_an_animation_share_fixed_axes_and_colours() {
    let start: Vec<Point> = (0..40).map(|i| [i as f64 * 0.1, 0.0]).collect();
    let end: Vec<Point> = start.iter().map(|p| [p[0] * 0.5, 3.0]).collect();
    let animation = super::gif_export::animation_of_points(
        "test",
        vec![start.clone(), end.clone()],
        end.clone(),
    );
    let look = LookOptions {
        size_px: 160,
        trails: 0,
        ..LookOptions::default()
    };
    let renderer = AnimationRenderer::new(&animation, look).expect("valid");
    let view = *renderer.viewport();
    // Square window holding every point of every frame.
    for p in start.iter().chain(&end) {
        let (x, y) = view.to_pixel(*p, 160);
        assert!(
            (0.0..160.0).contains(&x) && (0.0..160.0).contains(&y),
            "{p:?} at ({x}, {y})"
        );
    }
    assert_eq!(renderer.colors(), colors_by_start(&start).as_slice());
    // The same particle keeps its colour in the last frame, at its new position.
    let last = renderer.render(1).expect("draws");
    let (x, y) = view.to_pixel(end[39], 160);
    assert_eq!(rgb_at(&last, x, y), renderer.colors()[39]);
    assert!(matches!(
        renderer.render(2),
        Err(RenderError::FrameOutOfRange { index: 2, count: 2 })
    ));
}

#[test]
fn viewport_ignores_a_single_far_outlier_and_is_square() {
    let mut points: Vec<Point> = (0..2000)
        .map(|i| [(i % 50) as f64 / 49.0, (i / 50) as f64 / 39.0 * 0.5])
        .collect();
    points.push([1e6, -1e6]);
    let view = Viewport::fit([points.as_slice()], 0.0);
    assert!((view.center[0] - 0.5).abs() < 1e-9, "{view:?}");
    assert!((view.center[1] - 0.25).abs() < 1e-9, "{view:?}");
    assert!((view.half_side - 0.5).abs() < 1e-9, "{view:?}");
    let with_margin = Viewport::fit([points.as_slice()], 0.25);
    assert!((with_margin.half_side - 1.0).abs() < 1e-9);
}

#[test]
fn colours_follow_the_starting_angle_and_radius() {
    let n = 360;
    let mut initial: Vec<Point> = (0..n)
        .map(|i| {
            let angle = std::f64::consts::TAU * i as f64 / n as f64;
            [angle.cos(), angle.sin()]
        })
        .collect();
    initial.push([0.0, 0.0]);
    initial.push([f64::NAN, 1.0]);
    let colors = colors_by_start(&initial);
    assert_eq!(colors.len(), initial.len());
    assert_eq!(colors, colors_by_start(&initial), "deterministic");
    // Opposite sides of the circle differ; the centre differs from the rim.
    assert_ne!(colors[0], colors[n / 2]);
    assert_ne!(colors[n], colors[0]);
    // The ring shows many hues, and every colour is a GIF palette entry.
    let mut distinct = colors[..n].to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(
        distinct.len() >= 20,
        "only {} colours on the ring",
        distinct.len()
    );
    let palette = GlobalPalette::shared();
    for color in &colors {
        assert!(
            palette.colors().contains(color),
            "{color:?} not in the palette"
        );
    }
}

/// The caption snapshot's text: lower case, Greek, an arrow, digits and punctuation.
const SNAPSHOT_CAPTION: &str = "gaussian → text:NSGF\nNSGF++ φ step 3/20 t=0.15 ε=0.0025";

/// The caption drawn at `scale` on white, the image fitted to the text with a 4 px margin.
fn caption_image(scale: u32) -> tiny_skia::Pixmap {
    let (width, height) = text_size(SNAPSHOT_CAPTION, scale);
    let mut pixmap = tiny_skia::Pixmap::new(width + 8, height + 8).expect("pixmap");
    pixmap.fill(tiny_skia::Color::WHITE);
    draw_text(&mut pixmap, SNAPSHOT_CAPTION, 4, 4, scale, [20, 20, 20]);
    pixmap
}

/// Captions in real type: the drawn caption matches the reviewed snapshot
/// `tests/snapshots/caption.png` (`UPDATE_SNAPSHOTS=1` writes it again: look at it before
/// committing), and grows with the scale.
#[test]
fn caption_snapshot_in_real_type() {
    let image = caption_image(2);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/caption.png");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        image.save_png(&path).expect("write the snapshot");
    }
    let expected = tiny_skia::Pixmap::load_png(&path).expect("the snapshot exists");
    assert_eq!(
        (image.width(), image.height()),
        (expected.width(), expected.height()),
        "caption size changed"
    );
    // Rasterisers may round a coverage differently across platforms: allow small differences
    // on a few pixels, never a missing or extra glyph.
    let differing = image
        .pixels()
        .iter()
        .zip(expected.pixels())
        .filter(|(a, b)| a.red().abs_diff(b.red()) > 24)
        .count();
    assert!(
        differing * 1000 <= image.pixels().len(),
        "{differing} pixels differ"
    );
    let ink = |pixmap: &tiny_skia::Pixmap| pixmap.pixels().iter().filter(|p| p.red() < 128).count();
    assert!(ink(&image) > 500, "the caption leaves ink");
    let small = caption_image(1);
    assert!(image.width() > small.width() * 19 / 10 && image.height() > small.height() * 3 / 2);
    assert!(ink(&image) > 3 * ink(&small));
}

/// Characters the 5×7 font could not write are real glyphs now: each leaves its own ink, unlike
/// a character the font lacks.
#[test]
fn lower_case_greek_and_arrows_have_glyphs() {
    let ink_of = |text: &str| {
        let mut pixmap = tiny_skia::Pixmap::new(40, 40).expect("pixmap");
        pixmap.fill(tiny_skia::Color::WHITE);
        draw_text(&mut pixmap, text, 4, 4, 2, [0, 0, 0]);
        pixmap.pixels().iter().map(|p| p.red()).collect::<Vec<u8>>()
    };
    let glyphs: Vec<Vec<u8>> = ["a", "A", "ε", "φ", "→", "e"]
        .iter()
        .map(|c| ink_of(c))
        .collect();
    for (i, a) in glyphs.iter().enumerate() {
        assert!(a.iter().any(|&r| r < 100), "glyph {i} leaves ink");
        for b in &glyphs[i + 1..] {
            assert_ne!(a, b, "two characters drew the same glyph");
        }
    }
    assert!(nsgf::font::covers('ε') && nsgf::font::covers('→'));
}

#[test]
fn bad_sizes_and_lengths_are_errors() {
    let particles: Vec<Point> = vec![[0.0, 0.0]];
    let colors = colors_by_start(&particles);
    let scene = FrameScene {
        particles: &particles,
        colors: &colors,
        ..FrameScene::default()
    };
    for size in [0, 63, 2049, 100_000] {
        let style = FrameStyle::for_size(size, 1);
        let error = render_frame(&scene, &UNIT_VIEW, &style).expect_err("size out of range");
        assert!(matches!(error, RenderError::InvalidSize { .. }));
        assert!(error.to_string().contains("64..=2048"), "{error}");
    }
    let wrong_colors = FrameScene {
        colors: &[],
        ..scene.clone()
    };
    let error = render_frame(&wrong_colors, &UNIT_VIEW, &FrameStyle::for_size(64, 1))
        .expect_err("length mismatch");
    assert!(error.to_string().contains("colors"), "{error}");
}

/// Rows of the image's top band that hold caption ink.
fn caption_ink_rows(pixmap: &tiny_skia::Pixmap) -> usize {
    let ink = nsgf::render::colors::CAPTION_INK;
    let width = pixmap.width() as usize;
    let band = pixmap.height() as usize / 4;
    (0..band)
        .filter(|row| {
            pixmap.pixels()[row * width..(row + 1) * width]
                .iter()
                .any(|p| [p.red(), p.green(), p.blue()] == ink)
        })
        .count()
}

#[test]
fn the_caption_keeps_one_size_through_an_animation() {
    // "step 0/20" is shorter than "step 20/20": at 320 px the longer caption only fits at a
    // smaller scale, and every frame must use that same scale.
    let cloud: Vec<Point> = (0..30).map(|i| [i as f64 * 0.1, (i % 5) as f64]).collect();
    let animation = super::gif_export::animation_of_points(
        "gaussian -> checkerboard",
        vec![cloud.clone(); 21],
        cloud,
    );
    let look = LookOptions {
        size_px: 320,
        trails: 0,
        ..LookOptions::default()
    };
    let renderer = AnimationRenderer::new(&animation, look).expect("valid");
    let first = caption_ink_rows(&renderer.render(0).unwrap());
    let last = caption_ink_rows(&renderer.render(20).unwrap());
    assert!(first > 0);
    assert_eq!(first, last, "caption height changed between frames");
}
