//! The named preset distributions and their samplers (formulas in `docs/presets.md`).
//!
//! Every sampler draws from the RNG it is given and nothing else, so the same seed gives the same
//! points on every machine. All presets live roughly in [-5, 5]².

use super::DataError;
use crate::Point;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::f64::consts::{PI, TAU};

/// A named 2D distribution. The serde and CLI name of each variant is [`Preset::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preset {
    /// `gaussian`: the standard normal N(0, I).
    #[serde(rename = "gaussian")]
    Gaussian,
    /// `8gaussians`: k ~ U{0..7}, centre 4·(cos(2πk/8), sin(2πk/8)), plus N(0, 0.4²·I).
    #[serde(rename = "8gaussians")]
    EightGaussians,
    /// `moons`: t ~ U(0, π); with probability ½ the point (cos t, sin t), else
    /// (1 − cos t, 0.5 − sin t); add N(0, 0.1²·I); then subtract (0.5, 0.25) and multiply by 3.
    #[serde(rename = "moons")]
    Moons,
    /// `checkerboard`: x1 ~ U(−2, 2); x2 = U(0, 1) − 2·B + (⌊x1⌋ mod 2) with B ~ Bernoulli(½)
    /// (non-negative remainder); the point is 2·(x1, x2).
    #[serde(rename = "checkerboard")]
    Checkerboard,
    /// `circles`: θ ~ U(0, 2π), r = 3 or 1.5 with probability ½ each; r·(cos θ, sin θ) + N(0, 0.1²·I).
    #[serde(rename = "circles")]
    Circles,
    /// `2spirals`: s = √U(0, 1)·3π; d = (−s·cos s + U(0, 0.5), s·sin s + U(0, 0.5));
    /// the point is ±d/3 (sign with probability ½) + N(0, 0.1²·I).
    #[serde(rename = "2spirals")]
    TwoSpirals,
    /// `swissroll`: t = 1.5π·(1 + 2·U(0, 1)); the point is (t·cos t, t·sin t)/5 + N(0, 0.2²·I).
    #[serde(rename = "swissroll")]
    SwissRoll,
    /// `pinwheel`: k ~ U{0..4}; a = 1 + 0.3·z1, b = 0.1·z2 with z ~ N(0, I);
    /// φ = 2πk/5 + 0.25·eᵃ; the point is 2·R(φ)·(a, b) with R(φ) the rotation by φ.
    #[serde(rename = "pinwheel")]
    Pinwheel,
    /// `25gaussians`: (i, j) ~ U{−2..2}², centre 2·(i, j), plus N(0, 0.1²·I).
    #[serde(rename = "25gaussians")]
    TwentyFiveGaussians,
    /// `uniform`: the square U([−2, 2]²).
    #[serde(rename = "uniform")]
    Uniform,
    /// `ring`: θ ~ U(0, 2π); the point is 2.5·(cos θ, sin θ) + N(0, 0.15²·I).
    #[serde(rename = "ring")]
    Ring,
    /// `heart`: t ~ U(0, 2π); the point is (16·sin³t, 13·cos t − 5·cos 2t − 2·cos 3t − cos 4t)/5
    /// + N(0, 0.1²·I).
    #[serde(rename = "heart")]
    Heart,
}

impl Preset {
    /// Every preset, in the order menus and messages list them.
    pub const ALL: [Preset; 12] = [
        Preset::Gaussian,
        Preset::EightGaussians,
        Preset::Moons,
        Preset::Checkerboard,
        Preset::Circles,
        Preset::TwoSpirals,
        Preset::SwissRoll,
        Preset::Pinwheel,
        Preset::TwentyFiveGaussians,
        Preset::Uniform,
        Preset::Ring,
        Preset::Heart,
    ];

    /// The CLI and file name of the preset (the same as its serde name).
    pub fn name(self) -> &'static str {
        match self {
            Preset::Gaussian => "gaussian",
            Preset::EightGaussians => "8gaussians",
            Preset::Moons => "moons",
            Preset::Checkerboard => "checkerboard",
            Preset::Circles => "circles",
            Preset::TwoSpirals => "2spirals",
            Preset::SwissRoll => "swissroll",
            Preset::Pinwheel => "pinwheel",
            Preset::TwentyFiveGaussians => "25gaussians",
            Preset::Uniform => "uniform",
            Preset::Ring => "ring",
            Preset::Heart => "heart",
        }
    }

    /// The valid names, comma-separated (for error messages).
    pub fn valid_names() -> String {
        Preset::ALL.map(Preset::name).join(", ")
    }

    /// The preset called `name` (exact, case-sensitive match of [`Preset::name`]).
    pub fn from_name(name: &str) -> Result<Preset, DataError> {
        Preset::ALL
            .into_iter()
            .find(|preset| preset.name() == name)
            .ok_or_else(|| DataError::UnknownPreset {
                name: name.to_string(),
                valid: Preset::valid_names(),
            })
    }

    /// One line saying what the preset is, with its formula.
    pub fn description(self) -> &'static str {
        match self {
            Preset::Gaussian => "standard normal N(0, I)",
            Preset::EightGaussians => {
                "8 Gaussians: k ~ U{0..7}, 4·(cos 2πk/8, sin 2πk/8) + N(0, 0.4²·I)"
            }
            Preset::Moons => {
                "two moons: t ~ U(0, π), (cos t, sin t) or (1 − cos t, 0.5 − sin t) w.p. ½, \
                 + N(0, 0.1²·I), then 3·(p − (0.5, 0.25))"
            }
            Preset::Checkerboard => {
                "checkerboard: x1 ~ U(−2, 2), x2 = U(0, 1) − 2·Bernoulli(½) + (⌊x1⌋ mod 2), 2·(x1, x2)"
            }
            Preset::Circles => {
                "two concentric circles: r ∈ {1.5, 3} w.p. ½, θ ~ U(0, 2π), r·(cos θ, sin θ) + N(0, 0.1²·I)"
            }
            Preset::TwoSpirals => {
                "two spirals: s = 3π·√U(0, 1), ±(−s·cos s + U(0, ½), s·sin s + U(0, ½))/3 + N(0, 0.1²·I)"
            }
            Preset::SwissRoll => {
                "swiss roll: t = 1.5π·(1 + 2·U(0, 1)), (t·cos t, t·sin t)/5 + N(0, 0.2²·I)"
            }
            Preset::Pinwheel => {
                "pinwheel: k ~ U{0..4}, a = 1 + 0.3·z1, b = 0.1·z2, φ = 2πk/5 + 0.25·eᵃ, 2·R(φ)·(a, b)"
            }
            Preset::TwentyFiveGaussians => {
                "5×5 grid of Gaussians: (i, j) ~ U{−2..2}², 2·(i, j) + N(0, 0.1²·I)"
            }
            Preset::Uniform => "uniform square U([−2, 2]²)",
            Preset::Ring => "ring: θ ~ U(0, 2π), 2.5·(cos θ, sin θ) + N(0, 0.15²·I)",
            Preset::Heart => {
                "heart: t ~ U(0, 2π), (16 sin³t, 13 cos t − 5 cos 2t − 2 cos 3t − cos 4t)/5 + N(0, 0.1²·I)"
            }
        }
    }

    /// `n` independent points of the preset, drawn from `rng`.
    pub fn sample<R: Rng + ?Sized>(self, n: usize, rng: &mut R) -> Vec<Point> {
        (0..n).map(|_| self.sample_one(rng)).collect()
    }

    /// One point of the preset.
    fn sample_one<R: Rng + ?Sized>(self, rng: &mut R) -> Point {
        match self {
            Preset::Gaussian => gaussian(rng, 1.0),
            Preset::EightGaussians => {
                let k = f64::from(rng.random_range(0u8..8));
                let angle = TAU * k / 8.0;
                let noise = gaussian(rng, 0.4);
                [4.0 * angle.cos() + noise[0], 4.0 * angle.sin() + noise[1]]
            }
            Preset::Moons => {
                let t = rng.random_range(0.0..PI);
                let upper = rng.random_bool(0.5);
                let noise = gaussian(rng, 0.1);
                let [x, y] = if upper {
                    [t.cos(), t.sin()]
                } else {
                    [1.0 - t.cos(), 0.5 - t.sin()]
                };
                [3.0 * (x + noise[0] - 0.5), 3.0 * (y + noise[1] - 0.25)]
            }
            Preset::Checkerboard => {
                let x1: f64 = rng.random_range(-2.0..2.0);
                let u: f64 = rng.random();
                let lower = if rng.random_bool(0.5) { 2.0 } else { 0.0 };
                let x2 = u - lower + x1.floor().rem_euclid(2.0);
                [2.0 * x1, 2.0 * x2]
            }
            Preset::Circles => {
                let theta = rng.random_range(0.0..TAU);
                let radius = if rng.random_bool(0.5) { 3.0 } else { 1.5 };
                let noise = gaussian(rng, 0.1);
                [
                    radius * theta.cos() + noise[0],
                    radius * theta.sin() + noise[1],
                ]
            }
            Preset::TwoSpirals => {
                let s = rng.random::<f64>().sqrt() * 3.0 * PI;
                let dx = -s * s.cos() + rng.random_range(0.0..0.5);
                let dy = s * s.sin() + rng.random_range(0.0..0.5);
                let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                let noise = gaussian(rng, 0.1);
                [sign * dx / 3.0 + noise[0], sign * dy / 3.0 + noise[1]]
            }
            Preset::SwissRoll => {
                let t = 1.5 * PI * (1.0 + 2.0 * rng.random::<f64>());
                let noise = gaussian(rng, 0.2);
                [t * t.cos() / 5.0 + noise[0], t * t.sin() / 5.0 + noise[1]]
            }
            Preset::Pinwheel => {
                let k = f64::from(rng.random_range(0u8..5));
                let z = gaussian(rng, 1.0);
                let a = 1.0 + 0.3 * z[0];
                let b = 0.1 * z[1];
                let phi = TAU * k / 5.0 + 0.25 * a.exp();
                let (sin, cos) = phi.sin_cos();
                [2.0 * (cos * a - sin * b), 2.0 * (sin * a + cos * b)]
            }
            Preset::TwentyFiveGaussians => {
                let i = f64::from(rng.random_range(-2i8..=2));
                let j = f64::from(rng.random_range(-2i8..=2));
                let noise = gaussian(rng, 0.1);
                [2.0 * i + noise[0], 2.0 * j + noise[1]]
            }
            Preset::Uniform => [rng.random_range(-2.0..2.0), rng.random_range(-2.0..2.0)],
            Preset::Ring => {
                let theta = rng.random_range(0.0..TAU);
                let noise = gaussian(rng, 0.15);
                [2.5 * theta.cos() + noise[0], 2.5 * theta.sin() + noise[1]]
            }
            Preset::Heart => {
                let t = rng.random_range(0.0..TAU);
                let x = 16.0 * t.sin().powi(3);
                let y = 13.0 * t.cos()
                    - 5.0 * (2.0 * t).cos()
                    - 2.0 * (3.0 * t).cos()
                    - (4.0 * t).cos();
                let noise = gaussian(rng, 0.1);
                [x / 5.0 + noise[0], y / 5.0 + noise[1]]
            }
        }
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A draw of N(0, std²·I).
fn gaussian<R: Rng + ?Sized>(rng: &mut R, std: f64) -> Point {
    let x: f64 = rng.sample(StandardNormal);
    let y: f64 = rng.sample(StandardNormal);
    [std * x, std * y]
}
