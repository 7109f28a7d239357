//! Warm start across consecutive Euler steps: the previous step's potentials, reused when the
//! next problem has the same sizes and parameters.
//!
//! Measured (see `nsgf bench --what warmstart`, whose comparison lives in `cli::bench`): GeomLoss's velocity is the result of one
//! update per ε of the annealing schedule, which at small blur is far from the converged
//! Sinkhorn fixed point (for 1000 gaussian → moons points at blur 0.05, 1000 further updates at
//! ε = blur² move the velocity by ~77% of its size). A warm start that iterates at ε = blur²
//! therefore converges toward a *different* answer, and slowly: the symmetric (x, x) problem
//! converges in 3–4 updates, the (x, y) problem not within tens. So the backend falls back to
//! the cold schedule whenever the warm solve misses its tolerance, and warm start is off by
//! default.

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
    pub fn fits(&self, n: usize, m: usize, params: &SinkhornParams) -> bool {
        self.n == n && self.m == m && self.params == *params
    }
}

/// A backend's warm-start switch, stopping rule and kept state `S` (its own potentials):
/// switching or changing the rule drops the state, and state is only kept while switched on.
#[derive(Debug, Clone)]
pub struct WarmStart<S> {
    enabled: bool,
    config: WarmStartConfig,
    state: Option<S>,
}

impl<S> Default for WarmStart<S> {
    fn default() -> Self {
        Self {
            enabled: false,
            config: WarmStartConfig::default(),
            state: None,
        }
    }
}

impl<S> WarmStart<S> {
    /// Whether warm start is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The stopping rule.
    pub fn config(&self) -> WarmStartConfig {
        self.config
    }

    /// Switches warm start on or off (the kept state is dropped).
    pub fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
        self.state = None;
    }

    /// Replaces the stopping rule (the kept state is dropped).
    pub fn set_config(&mut self, config: WarmStartConfig) {
        self.config = config;
        self.state = None;
    }

    /// Drops the kept state (a new target, or buffers that no longer hold it).
    pub fn reset(&mut self) {
        self.state = None;
    }

    /// The kept state, when warm start is on.
    pub fn state(&self) -> Option<&S> {
        self.state.as_ref().filter(|_| self.enabled)
    }

    /// Takes the kept state out, when warm start is on.
    pub fn take(&mut self) -> Option<S> {
        let state = self.state.take();
        state.filter(|_| self.enabled)
    }

    /// Keeps `state` for the next call, when warm start is on.
    pub fn keep(&mut self, state: S) {
        if self.enabled {
            self.state = Some(state);
        }
    }
}

/// The warm-start builder methods of the backends, written once.
pub trait WarmStartable: Sized {
    /// The backend's warm-start switch.
    fn warm_mut(&mut self) -> &mut dyn WarmSwitch;

    /// The same backend with warm start switched on or off.
    fn with_warm_start(mut self, warm_start: bool) -> Self {
        self.warm_mut().switch(warm_start);
        self
    }

    /// The same backend with another warm-start stopping rule.
    fn with_warm_config(mut self, config: WarmStartConfig) -> Self {
        self.warm_mut().rule(config);
        self
    }
}

/// What [`WarmStartable`] needs of a [`WarmStart`], whatever state it keeps.
pub trait WarmSwitch {
    /// See [`WarmStart::set_enabled`].
    fn switch(&mut self, enabled: bool);
    /// See [`WarmStart::set_config`].
    fn rule(&mut self, config: WarmStartConfig);
}

impl<S> WarmSwitch for WarmStart<S> {
    fn switch(&mut self, enabled: bool) {
        self.set_enabled(enabled);
    }

    fn rule(&mut self, config: WarmStartConfig) {
        self.set_config(config);
    }
}
