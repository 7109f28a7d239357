//! Noisy figures as a mean with its standard error, and the rule that compares two of them: a
//! difference smaller than twice the combined standard error is "within noise".

use std::fmt;

/// How many combined standard errors a difference must reach to count as real.
const NOISE_MULTIPLE: f64 = 2.0;

/// The mean of repeated measurements with its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The mean of the values.
    pub mean: f64,
    /// The standard error of that mean: s / √k, s the sample standard deviation (0 for k < 2).
    pub standard_error: f64,
    /// The sample standard deviation of the values themselves (0 for k < 2).
    pub spread: f64,
    /// How many values.
    pub count: usize,
}

impl Estimate {
    /// The mean, standard error and spread of `values` (NaN mean for none).
    pub fn of(values: &[f64]) -> Self {
        let count = values.len();
        if count == 0 {
            return Self {
                mean: f64::NAN,
                standard_error: f64::NAN,
                spread: f64::NAN,
                count,
            };
        }
        let k = count as f64;
        let mean = values.iter().sum::<f64>() / k;
        let spread = if count < 2 {
            0.0
        } else {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt()
        };
        Self {
            mean,
            standard_error: spread / k.sqrt(),
            spread,
            count,
        }
    }
}

impl fmt::Display for Estimate {
    /// `mean ± standard error` with the given precision (3 decimals by default).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = f.precision().unwrap_or(3);
        write!(
            f,
            "{:.digits$} ± {:.digits$}",
            self.mean, self.standard_error
        )
    }
}

impl Estimate {
    /// Estimates of one figure from several training seeds pooled into one: the mean of their
    /// means; `spread` the seed-to-seed standard deviation of those means; `standard_error` the
    /// larger of the seed means' s / √k (which holds the draws' noise and the seeds') and the
    /// draws' own √(Σ seᵢ²) / k (so three seeds that happen to agree do not claim more
    /// precision than their draws have); `count` the seeds. One seed: that seed's estimate.
    pub fn pooled(per_seed: &[Estimate]) -> Self {
        if let [only] = per_seed {
            return *only;
        }
        let means: Vec<f64> = per_seed.iter().map(|e| e.mean).collect();
        let across = Self::of(&means);
        let k = per_seed.len() as f64;
        let of_draws = per_seed
            .iter()
            .map(|e| e.standard_error.powi(2))
            .sum::<f64>()
            .sqrt()
            / k;
        Self {
            standard_error: across.standard_error.max(of_draws),
            ..across
        }
    }
}

/// The standard error of the mean of `values`: s / √k (0 for fewer than two values).
pub fn standard_error(values: &[f64]) -> f64 {
    if values.len() < 2 {
        0.0
    } else {
        Estimate::of(values).standard_error
    }
}

/// What a comparison of two estimates of a lower-is-better figure found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// |difference| < `NOISE_MULTIPLE` × the combined standard error.
    WithinNoise,
    /// The first is lower (better) by more than the noise.
    Better,
    /// The first is higher (worse) by more than the noise.
    Worse,
}

/// Two estimates compared: the difference `first − second`, its combined standard error
/// √(se₁² + se₂²) and the verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// `first.mean − second.mean`.
    pub difference: f64,
    /// √(se₁² + se₂²).
    pub combined_error: f64,
    /// Within noise, better or worse (lower is better).
    pub verdict: Verdict,
}

/// Compares two independent estimates of a lower-is-better figure (W2, a divergence).
pub fn compare(first: &Estimate, second: &Estimate) -> Comparison {
    let difference = first.mean - second.mean;
    let combined_error = first.standard_error.hypot(second.standard_error);
    let verdict = if difference == 0.0 || difference.abs() < NOISE_MULTIPLE * combined_error {
        Verdict::WithinNoise
    } else if difference < 0.0 {
        Verdict::Better
    } else {
        Verdict::Worse
    };
    Comparison {
        difference,
        combined_error,
        verdict,
    }
}

impl fmt::Display for Comparison {
    /// "within noise (+0.004, 2 SE = 0.010)", "better by 0.052 (5.1 SE)", "worse by 0.020
    /// (2.4 SE)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let in_errors = self.difference.abs() / self.combined_error;
        match self.verdict {
            Verdict::WithinNoise => write!(
                f,
                "within noise ({:+.3}, 2 SE = {:.3})",
                self.difference,
                NOISE_MULTIPLE * self.combined_error
            ),
            Verdict::Better => write!(
                f,
                "better by {:.3} ({in_errors:.1} SE)",
                self.difference.abs()
            ),
            Verdict::Worse => write!(f, "worse by {:.3} ({in_errors:.1} SE)", self.difference),
        }
    }
}
