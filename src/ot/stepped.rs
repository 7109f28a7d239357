//! The annealed (GeomLoss-exact) flow velocity and the Sinkhorn divergence in small steps: one
//! Sinkhorn iteration of one problem, or one projection, per step. The browser computes on its only thread between two
//! frames, so a velocity must be able to pause after a few milliseconds and resume in the next
//! frame. Step for step it is the computation of [`super::flow_velocity`], with the same
//! result to the last bit.

use super::real::Real;
use super::schedule::{epsilon_schedule, max_diameter};
use super::sinkhorn::{Potentials, Problem, average_into, mean};
use super::validate::{
    check_finite_points, check_finite_value, check_inputs, check_magnitude, checked_schedule,
};
use super::velocity::FlowVelocity;
use super::{OtError, Precision, SinkhornParams, SolveStats};
use crate::Point;
use std::time::Duration;
use web_time::Instant;

/// An annealed velocity computation that runs a step at a time ([`SteppedVelocity::run_for`]).
pub struct SteppedVelocity {
    inner: Precisioned,
}

/// The computation in its kernel precision.
enum Precisioned {
    F32(Stepper<f32>),
    F64(Stepper<f64>),
}

impl SteppedVelocity {
    /// The velocity of `particles` towards `target` ([`super::flow_velocity`]'s), not yet
    /// computed; on truncated kernels when `truncated`. Inputs are checked here.
    pub fn new(
        particles: &[Point],
        target: &[Point],
        params: &SinkhornParams,
        precision: Precision,
        truncated: bool,
    ) -> Result<Self, OtError> {
        check_inputs(particles, target, params)?;
        check_magnitude(particles, target, precision)?;
        let inner = match precision {
            Precision::F32 => Precisioned::F32(Stepper::new(particles, target, params, truncated)?),
            Precision::F64 => Precisioned::F64(Stepper::new(particles, target, params, truncated)?),
        };
        Ok(Self { inner })
    }

    /// Runs one step; the velocity once the last step has run.
    pub fn step(&mut self) -> Option<Result<FlowVelocity, OtError>> {
        match &mut self.inner {
            Precisioned::F32(stepper) => stepper.step(),
            Precisioned::F64(stepper) => stepper.step(),
        }
    }

    /// Runs steps until `budget` is spent (at least one step); the velocity once done.
    pub fn run_for(&mut self, budget: Duration) -> Option<Result<FlowVelocity, OtError>> {
        let started = Instant::now();
        loop {
            if let Some(done) = self.step() {
                return Some(done);
            }
            if started.elapsed() >= budget {
                return None;
            }
        }
    }

    /// The steps run so far and the steps in all.
    pub fn progress(&self) -> (usize, usize) {
        match &self.inner {
            Precisioned::F32(stepper) => stepper.progress(),
            Precisioned::F64(stepper) => stepper.progress(),
        }
    }
}

/// Where a stepped velocity is.
enum Stage {
    /// Annealing the (x, y) problem.
    Cross(Annealing),
    /// Annealing the (x, x) problem, (x, y) solved.
    Own(Potentials, Annealing),
    /// Both solved, the projections to go.
    Project(Potentials, Potentials),
    /// P_{x→y} done (with the work of its problem), P_{x→x} to go.
    ProjectOwn(Potentials, Vec<Point>, SolveStats),
    /// The velocity was returned.
    Done,
}

/// One problem's ε-scaling loop, an update at a time.
struct Annealing {
    schedule: Vec<f64>,
    /// The potentials in the kernels' order after `done` updates (None: not initialised).
    potentials: Option<(Vec<f64>, Vec<f64>)>,
    done: usize,
    softmin_terms: u64,
}

impl Annealing {
    fn new(schedule: Vec<f64>) -> Self {
        Self {
            schedule,
            potentials: None,
            done: 0,
            softmin_terms: 0,
        }
    }

    /// One update of `problem` ([`Problem::anneal`]'s, in order): the initialisation, then
    /// one averaged update per ε. The potentials once the schedule is through.
    fn step<T: Real>(&mut self, problem: &Problem<T>) -> Option<Potentials> {
        match self.potentials.as_mut() {
            None => {
                let (f, g, terms) = problem.update(self.schedule[0], None, None);
                self.softmin_terms += terms;
                self.potentials = Some((f, g));
                None
            }
            Some((f, g)) if self.done < self.schedule.len() => {
                let (f_t, g_t, terms) = problem.update(self.schedule[self.done], Some(f), Some(g));
                average_into(f, &f_t);
                average_into(g, &g_t);
                self.softmin_terms += terms;
                self.done += 1;
                None
            }
            Some((f, g)) => {
                let (f, g) = problem.unsorted(std::mem::take(f), std::mem::take(g));
                Some(Potentials {
                    f,
                    g,
                    eps: self.schedule[self.schedule.len() - 1],
                    iterations: self.schedule.len(),
                    softmin_terms: self.softmin_terms,
                })
            }
        }
    }

    /// Updates in all (initialisation, schedule, hand-over).
    fn steps(&self) -> usize {
        self.schedule.len() + 2
    }
}

/// [`SteppedVelocity`] in precision `T`.
struct Stepper<T> {
    cross: Problem<T>,
    own: Problem<T>,
    /// The (x, x) schedule, until its annealing starts.
    own_schedule: Option<Vec<f64>>,
    stage: Stage,
    /// Steps in all: both annealings and both projections.
    total: usize,
    done: usize,
}

impl<T: Real> Stepper<T> {
    fn new(
        x: &[Point],
        y: &[Point],
        params: &SinkhornParams,
        truncated: bool,
    ) -> Result<Self, OtError> {
        let cross = Annealing::new(epsilon_schedule(max_diameter(x, y), params)?);
        let own_schedule = epsilon_schedule(max_diameter(x, &[]), params)?;
        let total = cross.steps() + own_schedule.len() + 2 + 2;
        Ok(Self {
            cross: Problem::new(x, Some(y), truncated),
            own: Problem::new(x, None, truncated),
            own_schedule: Some(own_schedule),
            stage: Stage::Cross(cross),
            total,
            done: 0,
        })
    }

    fn progress(&self) -> (usize, usize) {
        (self.done, self.total)
    }

    fn step(&mut self) -> Option<Result<FlowVelocity, OtError>> {
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        self.done = (self.done + 1).min(self.total);
        let (next, result) = match stage {
            Stage::Cross(mut annealing) => match annealing.step(&self.cross) {
                None => (Stage::Cross(annealing), None),
                Some(xy) => {
                    let schedule = self.own_schedule.take().unwrap_or_default();
                    (Stage::Own(xy, Annealing::new(schedule)), None)
                }
            },
            Stage::Own(xy, mut annealing) => match annealing.step(&self.own) {
                None => (Stage::Own(xy, annealing), None),
                Some(xx) => (Stage::Project(xy, xx), None),
            },
            Stage::Project(xy, xx) => {
                let (to_target, terms) = self.cross.project(&xy);
                let work = SolveStats {
                    iterations: xy.iterations,
                    softmin_terms: xy.softmin_terms + terms,
                };
                (Stage::ProjectOwn(xx, to_target, work), None)
            }
            Stage::ProjectOwn(xx, to_target, work) => {
                let (to_self, self_terms) = self.own.project(&xx);
                let velocity: Vec<Point> = to_target
                    .iter()
                    .zip(&to_self)
                    .map(|(p, q)| [p[0] - q[0], p[1] - q[1]])
                    .collect();
                let result = check_finite_points(&velocity, "velocity", T::PRECISION).map(|()| {
                    FlowVelocity {
                        velocity,
                        stats: SolveStats {
                            iterations: work.iterations + xx.iterations,
                            softmin_terms: work.softmin_terms + xx.softmin_terms + self_terms,
                        },
                    }
                });
                (Stage::Done, Some(result))
            }
            Stage::Done => (
                Stage::Done,
                Some(Err(OtError::Unsupported(
                    "this stepped velocity was already returned".into(),
                ))),
            ),
        };
        self.stage = next;
        result
    }
}

/// The debiased Sinkhorn divergence ([`super::sinkhorn_divergence`]) a step at a time: one
/// Sinkhorn iteration of one of its three problems per step, each finished by its
/// extrapolation. The value is the whole call's, to the last bit.
pub struct SteppedDivergence {
    inner: DivergencePrecisioned,
}

/// The divergence in its kernel precision.
enum DivergencePrecisioned {
    F32(DivergenceStepper<f32>),
    F64(DivergenceStepper<f64>),
}

impl SteppedDivergence {
    /// S_ε(`x`, `y`), checked (as [`super::sinkhorn_divergence`]) but not yet computed.
    pub fn new(
        x: &[Point],
        y: &[Point],
        params: &SinkhornParams,
        precision: Precision,
    ) -> Result<Self, OtError> {
        check_inputs(x, y, params)?;
        let schedule = checked_schedule(x, y, params)?;
        let inner = match precision {
            Precision::F32 => DivergencePrecisioned::F32(DivergenceStepper::new(x, y, schedule)),
            Precision::F64 => DivergencePrecisioned::F64(DivergenceStepper::new(x, y, schedule)),
        };
        Ok(Self { inner })
    }

    /// Runs steps until `budget` is spent (at least one); the divergence once done.
    pub fn run_for(&mut self, budget: Duration) -> Option<Result<f64, OtError>> {
        let started = Instant::now();
        loop {
            let done = match &mut self.inner {
                DivergencePrecisioned::F32(stepper) => stepper.step(),
                DivergencePrecisioned::F64(stepper) => stepper.step(),
            };
            if done.is_some() || started.elapsed() >= budget {
                return done;
            }
        }
    }
}

/// [`SteppedDivergence`] in precision `T`: the problems (x, y), (x, x), (y, y) in turn.
struct DivergenceStepper<T> {
    problems: Vec<Problem<T>>,
    schedule: Vec<f64>,
    annealing: Annealing,
    /// The extrapolated potentials of the problems done: (f_xy, g_xy), (f_xx, _), (g_yy, _).
    extrapolated: Vec<(Vec<f64>, Vec<f64>)>,
}

impl<T: Real> DivergenceStepper<T> {
    fn new(x: &[Point], y: &[Point], schedule: Vec<f64>) -> Self {
        Self {
            problems: vec![
                Problem::new(x, Some(y), false),
                Problem::new(x, None, false),
                Problem::new(y, None, false),
            ],
            annealing: Annealing::new(schedule.clone()),
            schedule,
            extrapolated: Vec::with_capacity(3),
        }
    }

    fn step(&mut self) -> Option<Result<f64, OtError>> {
        let k = self.extrapolated.len();
        if k < 3 {
            let problem = &self.problems[k];
            if let Some(potentials) = self.annealing.step(problem) {
                self.extrapolated.push(problem.extrapolate(&potentials));
                self.annealing = Annealing::new(self.schedule.clone());
            }
            return None;
        }
        let (f_xy, g_xy) = &self.extrapolated[0];
        let (f_xx, g_yy) = (&self.extrapolated[1].0, &self.extrapolated[2].0);
        let f_diff: Vec<f64> = f_xy.iter().zip(f_xx).map(|(a, b)| a - b).collect();
        let g_diff: Vec<f64> = g_xy.iter().zip(g_yy).map(|(a, b)| a - b).collect();
        Some(check_finite_value(
            mean(&f_diff) + mean(&g_diff),
            "Sinkhorn divergence",
            T::PRECISION,
        ))
    }
}
