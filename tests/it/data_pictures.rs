//! Pictures and words as distributions: samples follow a picture's pixel histogram (a
//! chi-square test), a word's samples lie in its glyphs, and every bad picture or word is a
//! clear error (library and `nsgf data`) that writes nothing.

use crate::support::nsgf;
use nsgf::Point;
use nsgf::data::{Distribution, PictureMass, PictureOptions, seeded_rng};
use std::path::{Path, PathBuf};

fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nsgf-pictures-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A 48×32 grey picture: darkness rises left to right, with a white band (no mass) and a
/// black block, so the coarse bins see very different masses.
fn test_picture() -> image::GrayImage {
    image::GrayImage::from_fn(48, 32, |x, y| {
        let darkness = if (20..24).contains(&x) {
            0.0
        } else if x >= 36 && y < 10 {
            1.0
        } else {
            0.1 + 0.8 * f64::from(x) / 47.0 * (0.5 + 0.5 * f64::from(y) / 31.0)
        };
        image::Luma([(255.0 * (1.0 - darkness)).round() as u8])
    })
}

/// The coarse bin (4 columns × 4 rows of 12 × 8 pixels) of a data point of a 48×32 picture
/// fitted into [−4, 4] × [−8/3, 8/3] (its longer side spans the data box; y up).
fn bin_of(p: Point) -> usize {
    let cell = 8.0 / 48.0;
    let u = p[0] / cell + 24.0;
    let v = 16.0 - p[1] / cell;
    assert!(
        (0.0..48.0).contains(&u) && (0.0..32.0).contains(&v),
        "{p:?} outside the picture"
    );
    (v as usize / 8) * 4 + u as usize / 12
}

/// χ² of `counts` against `expected` masses (normalised to the same total).
fn chi_square(counts: &[usize], expected: &[f64]) -> f64 {
    let n: usize = counts.iter().sum();
    let total: f64 = expected.iter().sum();
    counts
        .iter()
        .zip(expected)
        .map(|(&count, &mass)| {
            let e = mass / total * n as f64;
            (count as f64 - e).powi(2) / e
        })
        .sum()
}

/// The 0.999 quantile of χ² with 15 degrees of freedom (16 bins − 1), from the standard
/// tables (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.4): a correct sampler fails one seed
/// in a thousand.
const CHI2_15_0999: f64 = 37.697;

#[test]
fn samples_follow_the_pictures_pixel_histogram() {
    let dir = scratch_dir("histogram");
    let path = dir.join("gradient.png");
    let picture = test_picture();
    picture.save(&path).expect("write the picture");
    let threshold = f64::from(PictureOptions::default().threshold);
    // The expected mass of each bin straight from the pixels: darkness above the threshold.
    let mut expected = vec![0.0f64; 16];
    for (x, y, pixel) in picture.enumerate_pixels() {
        let darkness = 1.0 - f64::from(pixel.0[0]) / 255.0;
        if darkness > threshold {
            expected[(y as usize / 8) * 4 + x as usize / 12] += darkness;
        }
    }
    assert!(expected.iter().all(|&m| m > 0.0));
    let target = Distribution::parse(&format!("image:{}", path.display())).expect("a picture");
    for seed in [1, 2, 3] {
        let points = target.sample(20_000, &mut seeded_rng(seed)).unwrap();
        let mut counts = vec![0usize; 16];
        for &p in &points {
            counts[bin_of(p)] += 1;
        }
        let statistic = chi_square(&counts, &expected);
        assert!(statistic < CHI2_15_0999, "seed {seed}: χ² = {statistic:.1}");
        // The test has power: the same samples against a flat histogram fail by far.
        let flat = chi_square(&counts, &[1.0; 16]);
        assert!(
            flat > 100.0 * CHI2_15_0999,
            "seed {seed}: flat χ² = {flat:.1}"
        );
        // No sample in the white band, and samples fill pixels (uniform jitter), not centres.
        assert!(
            points
                .iter()
                .all(|p| !(20.0..24.0).contains(&(p[0] / (8.0 / 48.0) + 24.0)))
        );
        let fractions: Vec<f64> = points
            .iter()
            .map(|p| (p[0] / (8.0 / 48.0)).fract().abs())
            .collect();
        assert!(fractions.iter().any(|&f| f < 0.1) && fractions.iter().any(|&f| f > 0.9));
    }
}

#[test]
fn mass_comes_from_alpha_where_the_picture_has_it_and_invert_flips_it() {
    let moon = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/pictures/moon.png");
    let mass = PictureMass::read(&moon).unwrap();
    assert!(
        mass.from_alpha,
        "the moon is opaque on a transparent ground"
    );
    let star = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/pictures/star.png");
    let star_mass = PictureMass::read(&star).unwrap();
    assert!(!star_mass.from_alpha);
    // The star's centre is dark (mass); its corner is white (none); invert swaps them.
    let grid = star_mass.density(PictureOptions::default()).unwrap();
    let at = |grid: &nsgf::data::DensityGrid, x: u32, y: u32| {
        grid.cells()[(y * grid.width() + x) as usize]
    };
    assert_eq!((grid.width(), grid.height()), (160, 160));
    assert!(at(&grid, 80, 84) > 250 && at(&grid, 2, 2) == 0);
    let inverted = star_mass
        .density(PictureOptions {
            invert: true,
            ..PictureOptions::default()
        })
        .unwrap();
    assert!(at(&inverted, 80, 84) == 0 && at(&inverted, 2, 2) > 250);
    // The spec's options reach the same densities.
    let Distribution::Picture { grid: parsed, .. } =
        Distribution::parse(&format!("image:{},invert", star.display())).unwrap()
    else {
        panic!("a picture");
    };
    assert_eq!(parsed, inverted);
}

#[test]
fn a_words_samples_fall_inside_its_glyphs() {
    for word in ["NSGF", "nsgf 2025", "εφ→"] {
        let Distribution::Word { grid, .. } = Distribution::word(word).unwrap() else {
            panic!("a word");
        };
        // Independent of the sampler: the font's own coverage of the word, at the grid's
        // resolution, holds every sample.
        let points = Distribution::word(word)
            .unwrap()
            .sample(5000, &mut seeded_rng(7))
            .unwrap();
        for &p in &points {
            let (column, row) = grid
                .cell_at(p)
                .unwrap_or_else(|| panic!("{word}: {p:?} off the word"));
            assert!(
                grid.cells()[(row * grid.width() + column) as usize] > 0,
                "{word}: {p:?} in an empty cell"
            );
        }
        // The ink reaches across the whole word: every tenth of its width gets samples, except
        // the gap of a space.
        let min = points.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
        let max = points
            .iter()
            .map(|p| p[0])
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(
            max - min > 7.5,
            "{word}: the word spans the box ({min}..{max})"
        );
    }
    // Each letter of a monospace word gets its share: four equal slots, each 15–35 %.
    let points = Distribution::word("NSGF")
        .unwrap()
        .sample(8000, &mut seeded_rng(1))
        .unwrap();
    let mut slots = [0usize; 4];
    for p in &points {
        slots[((p[0] + 4.0) / 8.0 * 4.0).clamp(0.0, 3.999) as usize] += 1;
    }
    for count in slots {
        assert!((1200..2800).contains(&count), "{slots:?}");
    }
    // Lower case and upper case are different shapes.
    let grid_of = |word: &str| match Distribution::word(word).unwrap() {
        Distribution::Word { grid, .. } => grid,
        _ => unreachable!(),
    };
    assert_ne!(grid_of("nsgf"), grid_of("NSGF"));
}

/// Every bad picture and word: a clear error naming the file or the word.
fn bad_specs(dir: &Path) -> Vec<(String, &'static str)> {
    let not_a_picture = dir.join("notes.png");
    std::fs::write(&not_a_picture, "x,y\n1,2\n").unwrap();
    let star =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/pictures/star.png"))
            .unwrap();
    let truncated = dir.join("truncated.png");
    std::fs::write(&truncated, &star[..star.len() / 2]).unwrap();
    let huge = dir.join("huge.png");
    image::GrayImage::new(4097, 4097).save(&huge).unwrap();
    let white = dir.join("white.png");
    image::GrayImage::from_pixel(30, 20, image::Luma([255]))
        .save(&white)
        .unwrap();
    let clear = dir.join("clear.png");
    image::RgbaImage::from_pixel(30, 20, image::Rgba([0, 0, 0, 0]))
        .save(&clear)
        .unwrap();
    let file = |path: &Path| format!("image:{}", path.display());
    vec![
        (file(&not_a_picture), "not a PNG, JPEG or WebP picture"),
        (file(&truncated), "cannot decode it, truncated or corrupt"),
        (
            file(&huge),
            "over the limit of 16777216 pixels (4096 × 4096)",
        ),
        (file(&white), "no mass"),
        (file(&clear), "fully transparent"),
        (file(&dir.join("missing.png")), "cannot read"),
        (
            format!("{},threshold=2", file(&white)),
            "the threshold must be a number in [0, 1)",
        ),
        ("text:".to_string(), "the word is empty"),
        ("text:   ".to_string(), "no printable glyph"),
        ("text:\u{1F600}".to_string(), "is not in the font"),
        ("text:\u{7}".to_string(), "is not in the font"),
    ]
}

#[test]
fn bad_pictures_and_words_are_clear_errors() {
    let dir = scratch_dir("bad-library");
    for (spec, reason) in bad_specs(&dir) {
        let error = Distribution::parse(&spec).expect_err(&spec).to_string();
        assert!(error.contains(reason), "{spec}: {error}");
        let name = spec
            .trim_start_matches("image:")
            .split(',')
            .next()
            .unwrap_or_default()
            .to_string();
        let named = if spec.starts_with("text:") {
            "text:"
        } else {
            name.as_str()
        };
        assert!(error.contains(named), "{spec}: {error} does not name it");
    }
}

#[test]
fn nsgf_data_refuses_bad_pictures_and_words_and_writes_nothing() {
    let dir = scratch_dir("bad-cli");
    for (spec, reason) in bad_specs(&dir) {
        let out = nsgf(&["data", &spec, "--n", "10"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{spec}: {stderr}");
        assert!(stderr.contains(reason), "{spec}: {stderr}");
        assert!(out.stdout.is_empty(), "{spec}: wrote points");
    }
    // The same spec works wherever a preset goes: a flow to a word.
    let out = nsgf(&["data", "text:ok", "--n", "10", "--seed", "3"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 10);
    let flow = nsgf(&[
        "flow",
        "--source",
        "text:a",
        "--target",
        "image:assets/pictures/star.png",
        "--n",
        "50",
        "--steps",
        "2",
        "--backend",
        "cpu",
    ]);
    assert!(
        flow.status.success(),
        "{}",
        String::from_utf8_lossy(&flow.stderr)
    );
    let bad_flow = nsgf(&[
        "flow",
        "--source",
        "gaussian",
        "--target",
        "text:",
        "--n",
        "50",
        "--steps",
        "2",
        "--backend",
        "cpu",
    ]);
    assert_eq!(bad_flow.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_flow.stderr).contains("the word is empty"));
}

#[test]
fn jpeg_and_webp_pictures_read_like_the_png() {
    let dir = scratch_dir("formats");
    let star = image::open(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/pictures/star.png"))
        .expect("the shipped star");
    let png =
        PictureMass::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/pictures/star.png"))
            .unwrap();
    for (name, format) in [
        ("star.jpg", image::ImageFormat::Jpeg),
        ("star.webp", image::ImageFormat::WebP),
    ] {
        let path = dir.join(name);
        star.to_rgb8().save_with_format(&path, format).unwrap();
        let mass = PictureMass::read(&path).unwrap();
        assert_eq!((mass.width, mass.height), (png.width, png.height), "{name}");
        let mean_difference = mass
            .values
            .iter()
            .zip(&png.values)
            .map(|(a, b)| f64::from((a - b).abs()))
            .sum::<f64>()
            / png.values.len() as f64;
        // WebP is lossless here; JPEG blurs the edges a little.
        assert!(mean_difference < 0.02, "{name}: {mean_difference}");
        assert!(Distribution::parse(&format!("image:{}", path.display())).is_ok());
    }
}
