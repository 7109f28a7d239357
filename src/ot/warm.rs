//! Warm start across consecutive Euler steps: the previous step's potentials, reused when the
//! next problem has the same sizes and parameters.

use super::SinkhornParams;
use super::sinkhorn::Potentials;

/// When a warm-started solve stops: the largest change of either potential in one averaged
/// update is at most `tolerance · ε`, or `max_iterations` updates ran (then the solver falls
/// back to the full ε-schedule, so a warm start never returns an unconverged answer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmStartConfig {
    /// Stopping tolerance on the potentials' change, in units of ε.
    pub tolerance: f64,
    /// Cap on warm iterations before falling back to the cold schedule.
    pub max_iterations: usize,
}

impl Default for WarmStartConfig {
    fn default() -> Self {
        Self {
            tolerance: 1e-3,
            max_iterations: 40,
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
    pub fn fits(&self, n: usize, m: usize, params: &SinkhornParams) -> bool {
        self.n == n && self.m == m && self.params == *params
    }
}
