//! The named preset distributions and their samplers (formulas in `docs/presets.md`).
//!
//! Every sampler draws from the RNG it is given and nothing else, so the same seed gives the same
//! points on every machine. The presets live roughly in [-5, 5]², TorchCFM's 8 Gaussians
//! (`cfm-8gaussians`, radius 5) in [-7, 7]², its moons (`cfm-moons`) in [-4, 5.6] × [-2.5, 2.6].

use super::DataError;
use crate::Point;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use std::f64::consts::{FRAC_1_SQRT_2, PI, TAU};

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
    /// `cfm-8gaussians`: TorchCFM's `sample_8gaussians` (the paper's Table 1): k ~ U{0..7},
    /// centre 5·c_k with c_k ∈ {(±1, 0), (0, ±1), (±1/√2, ±1/√2)}, plus noise of covariance
    /// √0.1·I (standard deviation 0.1^¼ ≈ 0.562 per coordinate).
    #[serde(rename = "cfm-8gaussians")]
    CfmEightGaussians,
    /// `cfm-moons`: TorchCFM's `sample_moons` = torchdyn's `generate_moons(n, noise=0.2)·3 − 1`:
    /// ⌊n/2⌋ points at evenly spaced t ∈ [0, π] on (cos t, sin t), the rest on
    /// (1 − cos t, 0.5 − sin t), each shifted by one u ~ U(0, 0.2) on both coordinates, then
    /// 3·p − 1. Not i.i.d.: the angles are a grid over the whole sample.
    #[serde(rename = "cfm-moons")]
    CfmMoons,
    /// `scurve`: scikit-learn's `make_s_curve(noise=0.05)`, columns (0, 2), times 1.5:
    /// t = 3π·(U(0, 1) − ½); 1.5·(sin t, sign(t)·(cos t − 1)) + 1.5·N(0, 0.05²·I).
    #[serde(rename = "scurve")]
    SCurve,
}

impl Preset {
    /// Every preset, in the order menus and messages list them.
    pub const ALL: [Preset; 15] = [
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
        Preset::CfmEightGaussians,
        Preset::CfmMoons,
        Preset::SCurve,
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
            Preset::CfmEightGaussians => "cfm-8gaussians",
            Preset::CfmMoons => "cfm-moons",
            Preset::SCurve => "scurve",
        }
    }

    /// The valid names, comma-separated (for error messages).
    pub(crate) fn valid_names() -> String {
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
            Preset::CfmEightGaussians => {
                "TorchCFM's 8 Gaussians: 5·(±1, 0), 5·(0, ±1), 5·(±1/√2, ±1/√2) + N(0, √0.1·I)"
            }
            Preset::CfmMoons => {
                "TorchCFM's moons: torchdyn generate_moons(noise=0.2)·3 − 1 (evenly spaced angles, \
                 one U(0, 0.2) shift per point on both coordinates)"
            }
            Preset::SCurve => {
                "S-curve: scikit-learn make_s_curve(noise=0.05) columns (0, 2) · 1.5, \
                 t = 3π·(U − ½), (sin t, sign t·(cos t − 1))"
            }
        }
    }

    /// `n` independent points of the preset, drawn from `rng`.
    /// (`cfm-moons` is not i.i.d., as in torchdyn: its angles are a grid over the n points.)
    pub fn sample<R: Rng + ?Sized>(self, n: usize, rng: &mut R) -> Vec<Point> {
        if self == Preset::CfmMoons {
            return torchdyn_moons(n, rng);
        }
        (0..n).map(|_| self.sample_one(rng)).collect()
    }

    /// One point of the preset. (Over 80 lines: one arm for every preset's formula.)
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
            Preset::CfmEightGaussians => {
                const CENTRES: [Point; 8] = [
                    [1.0, 0.0],
                    [-1.0, 0.0],
                    [0.0, 1.0],
                    [0.0, -1.0],
                    [FRAC_1_SQRT_2, FRAC_1_SQRT_2],
                    [FRAC_1_SQRT_2, -FRAC_1_SQRT_2],
                    [-FRAC_1_SQRT_2, FRAC_1_SQRT_2],
                    [-FRAC_1_SQRT_2, -FRAC_1_SQRT_2],
                ];
                let centre = CENTRES[rng.random_range(0usize..8)];
                // Covariance √0.1·I: standard deviation 0.1^¼.
                let noise = gaussian(rng, 0.1_f64.powf(0.25));
                [5.0 * centre[0] + noise[0], 5.0 * centre[1] + noise[1]]
            }
            Preset::CfmMoons => torchdyn_moons(1, rng)[0],
            Preset::SCurve => {
                let t = 3.0 * PI * (rng.random::<f64>() - 0.5);
                let noise = gaussian(rng, 0.05);
                let z = t.signum() * (t.cos() - 1.0);
                [1.5 * (t.sin() + noise[0]), 1.5 * (z + noise[1])]
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

/// torchdyn's `generate_moons(n, noise=0.2)`, then `·3 − 1` (TorchCFM's `sample_moons`):
/// ⌊n/2⌋ points on the outer half circle at `linspace(0, π)`, the rest on the inner one, every
/// point shifted by one `U(0, 0.2)` draw on both coordinates.
fn torchdyn_moons<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vec<Point> {
    let outer = n / 2;
    let inner = n - outer;
    let angles = |count: usize| {
        (0..count).map(move |i| {
            if count > 1 {
                PI * i as f64 / (count - 1) as f64
            } else {
                0.0
            }
        })
    };
    let base = angles(outer)
        .map(|t| [t.cos(), t.sin()])
        .chain(angles(inner).map(|t| [1.0 - t.cos(), 1.0 - t.sin() - 0.5]));
    base.map(|[x, y]| {
        let shift = rng.random_range(0.0..0.2);
        [3.0 * (x + shift) - 1.0, 3.0 * (y + shift) - 1.0]
    })
    .collect()
}

/// A draw of N(0, std²·I).
fn gaussian<R: Rng + ?Sized>(rng: &mut R, std: f64) -> Point {
    let x: f64 = rng.sample(StandardNormal);
    let y: f64 = rng.sample(StandardNormal);
    [std * x, std * y]
}
