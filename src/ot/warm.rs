//! Warm start across consecutive Euler steps: the previous step's potentials, reused when the
//! next problem has the same sizes and parameters (`VelocityMode::Refined`, `Converged`,
//! `WarmAnnealed`).
//!
//! Measured (see `nsgf bench --what warmstart`, whose comparison lives in `cli::bench`): GeomLoss's velocity is the result of one
//! update per ε of the annealing schedule, which at small blur is far from the converged
//! Sinkhorn fixed point (for 1000 gaussian → moons points at blur 0.05, 1000 further updates at
//! ε = blur² move the velocity by ~77% of its size). A warm start that iterates at ε = blur²
//! therefore converges toward a *different* answer, and slowly: the symmetric (x, x) problem
//! converges in 3–4 updates, the (x, y) problem not within tens. So the backend falls back to
//! the cold schedule whenever the warm solve misses its tolerance, and the refined mode is not
//! the default.

use super::SinkhornParams;
use super::sinkhorn::Potentials;

/// When a warm-started solve stops: the largest change of either potential in one averaged
/// update is at most `tolerance · ε`, or `max_iterations` updates ran (then the solver falls
/// back to the full ε-schedule, so a warm start never returns an unconverged answer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmStartConfig {
    /// Stopping tolerance on the potentials' change, in units of ε (f32 kernels resolve
    /// potentials to about 3e-4·ε, so keep this above that in f32).
    pub tolerance: f64,
    /// Cap on warm iterations before falling back to the cold schedule.
    pub max_iterations: usize,
}

impl Default for WarmStartConfig {
    fn default() -> Self {
        Self {
            tolerance: 1e-3,
            max_iterations: 20,
        }
    }
}

/// The potentials of the last velocity evaluation, for both problems, and what they solved.
#[derive(Debug, Clone)]
pub(crate) struct WarmState {
    /// Parameters of the last solve.
    pub params: SinkhornParams,
    /// Source size n.
    pub n: usize,
    /// Target size m.
    pub m: usize,
    /// Potentials of the (x, y) problem.
    pub xy: Potentials,
    /// Potentials of the symmetric (x, x) problem.
    pub xx: Potentials,
}

impl WarmState {
    /// Whether these potentials may start a problem of sizes `(n, m)` with `params`.
    pub(crate) fn fits(&self, n: usize, m: usize, params: &SinkhornParams) -> bool {
        self.n == n && self.m == m && self.params == *params
    }
}
