//! The empirical Sinkhorn-flow velocity `v(x_i) = P_{x→y}(x_i) − P_{x→x}(x_i)`.

use super::real::Real;
use super::schedule::{annealing_tail, epsilon_schedule, max_diameter};
use super::sinkhorn::{CoarseProblem, Potentials, Problem};
use super::validate::{check_finite_points, check_inputs};
use super::warm::{WarmStartConfig, WarmState};
use super::{
    ConvergedConfig, MULTISCALE_CLUSTER, MULTISCALE_EXTENT, OtError, Precision, SinkhornParams,
    SolveStats,
};
use crate::Point;

/// A velocity field at the source particles and the work it took.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowVelocity {
    /// `v(x_i)` for every source particle.
    pub velocity: Vec<Point>,
    /// Iterations and softmin terms of both problems and both projections.
    pub stats: SolveStats,
}

/// The empirical Sinkhorn-flow velocity `v(x_i) = P_{x→y}(x_i) − P_{x→x}(x_i)`, where each
/// projection uses the potentials of GeomLoss's ε-scaling loop: `(x, y)` with the schedule of
/// `x ∪ y`, `(x, x)` with the schedule of `x` alone. Equals `∇f_{x,x}(x_i) − ∇f_{x,y}(x_i)` as
/// computed by autograd through GeomLoss (`debias=False`, `potentials=True`).
pub fn flow_velocity(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    precision: Precision,
) -> Result<FlowVelocity, OtError> {
    check_inputs(x, y, params)?;
    let solved = match precision {
        Precision::F32 => {
            solve_velocity::<f32>(x, y, params, None, WarmStartConfig::default(), false)
        }
        Precision::F64 => {
            solve_velocity::<f64>(x, y, params, None, WarmStartConfig::default(), false)
        }
    }?;
    Ok(solved.velocity)
}

/// The empirical Sinkhorn-flow velocity *field* at any points `queries`:
/// `v(z) = P_{x→y}(z) − P_{x→x}(z)`, each projection with the potentials of GeomLoss's loop on
/// the particles `x` and the target `y` (as [`flow_velocity`], whose values it takes at
/// `z = x_i`). As n grows, this field converges to the mean-field velocity of the measures
/// (`nsgf meanfield`). Truncated kernels solve the potentials from n·m = 10⁶ on.
pub fn velocity_field(
    queries: &[Point],
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    precision: Precision,
) -> Result<Vec<Point>, OtError> {
    check_inputs(x, y, params)?;
    super::validate::check_magnitude(x, y, precision)?;
    if let Some(index) = queries
        .iter()
        .position(|p| !(p[0].is_finite() && p[1].is_finite()))
    {
        return Err(OtError::NonFinite {
            set: "query",
            index,
        });
    }
    let truncated = super::Truncation::Auto.applies(x.len(), y.len());
    let field = match precision {
        Precision::F32 => field_with::<f32>(queries, x, y, params, truncated),
        Precision::F64 => field_with::<f64>(queries, x, y, params, truncated),
    }?;
    check_finite_points(&field, "velocity field", precision)?;
    Ok(field)
}

/// [`velocity_field`] in precision `T`.
fn field_with<T: Real>(
    queries: &[Point],
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    truncated: bool,
) -> Result<Vec<Point>, OtError> {
    let cross = Problem::<T>::new(x, Some(y), truncated);
    let own = Problem::<T>::new(x, None, truncated);
    let xy = cross.anneal(&epsilon_schedule(max_diameter(x, y), params)?);
    let xx = own.anneal(&epsilon_schedule(max_diameter(x, &[]), params)?);
    let to_target = cross.project_queries(queries, &xy);
    let to_self = own.project_queries(queries, &xx);
    Ok(to_target
        .iter()
        .zip(&to_self)
        .map(|(p, q)| [p[0] - q[0], p[1] - q[1]])
        .collect())
}

/// The debiased velocity of a one-step generator's batch (W-Flow style):
/// `v(x_i) = P_{x→y}(x_i) − P_{x→x′}(x_i)`, where `x′` is a second, independent batch of the same
/// generator. Each projection uses the potentials of GeomLoss's ε-scaling loop on its own pair
/// of clouds (the schedule of `x ∪ y`, of `x ∪ x′`). Projecting onto an independent batch rather
/// than onto `x` itself removes the self-interaction bias of `P_{x→x}`; with `x′ = x` it is
/// [`flow_velocity`] (the cross loop on two copies of a cloud runs the symmetric loop's
/// recurrence). Truncated kernels when `truncated`.
pub fn debiased_velocity(
    x: &[Point],
    independent: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    precision: Precision,
    truncated: bool,
) -> Result<Vec<Point>, OtError> {
    check_inputs(x, y, params)?;
    let as_independent = |error: OtError| match error {
        OtError::EmptySet(_) => OtError::EmptySet("independent"),
        OtError::NonFinite { index, .. } => OtError::NonFinite {
            set: "independent",
            index,
        },
        OtError::TooLarge {
            index,
            precision,
            limit,
            ..
        } => OtError::TooLarge {
            set: "independent",
            index,
            precision,
            limit,
        },
        other => other,
    };
    check_inputs(x, independent, params).map_err(as_independent)?;
    super::validate::check_magnitude(x, y, precision)?;
    super::validate::check_magnitude(x, independent, precision).map_err(as_independent)?;
    let velocity = match precision {
        Precision::F32 => debiased_with::<f32>(x, independent, y, params, truncated),
        Precision::F64 => debiased_with::<f64>(x, independent, y, params, truncated),
    }?;
    check_finite_points(&velocity, "debiased velocity", precision)?;
    Ok(velocity)
}

/// [`debiased_velocity`] in precision `T`.
fn debiased_with<T: Real>(
    x: &[Point],
    independent: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    truncated: bool,
) -> Result<Vec<Point>, OtError> {
    let projection = |other: &[Point]| -> Result<Vec<Point>, OtError> {
        let problem = Problem::<T>::new(x, Some(other), truncated);
        let potentials = problem.anneal(&epsilon_schedule(max_diameter(x, other), params)?);
        Ok(problem.project(&potentials).0)
    };
    let to_target = projection(y)?;
    let to_independent = projection(independent)?;
    Ok(to_target
        .iter()
        .zip(&to_independent)
        .map(|(p, q)| [p[0] - q[0], p[1] - q[1]])
        .collect())
}

/// A velocity and the potentials that produced it (for the next warm start).
pub(crate) struct SolvedVelocity {
    pub velocity: FlowVelocity,
    pub state: WarmState,
}

/// Solves both problems (warm from `warm` when given, else cold) and projects, on the
/// truncated kernels when `truncated`. Inputs must already be checked.
pub(crate) fn solve_velocity<T: Real>(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    warm: Option<&WarmState>,
    config: WarmStartConfig,
    truncated: bool,
) -> Result<SolvedVelocity, OtError> {
    let cross = Problem::<T>::new(x, Some(y), truncated);
    let own = Problem::<T>::new(x, None, truncated);
    let eps = params.blur * params.blur;
    let solve = |problem: &Problem<T>,
                 start: Option<&Potentials>,
                 diameter: f64|
     -> Result<Potentials, OtError> {
        if let Some(start) = start {
            let (potentials, converged) = problem.refine(
                eps,
                start.f.clone(),
                start.g.clone(),
                config.tolerance,
                config.max_iterations,
            );
            if converged {
                return Ok(potentials);
            }
            let mut cold = problem.anneal(&epsilon_schedule(diameter, params)?);
            cold.iterations += potentials.iterations;
            cold.softmin_terms += potentials.softmin_terms;
            return Ok(cold);
        }
        Ok(problem.anneal(&epsilon_schedule(diameter, params)?))
    };
    let xy = solve(&cross, warm.map(|w| &w.xy), max_diameter(x, y))?;
    let xx = solve(&own, warm.map(|w| &w.xx), max_diameter(x, &[]))?;
    project_both(x.len(), y.len(), params, &cross, &own, xy, xx)
}

/// Converged Sinkhorn at ε = blur² for both problems: from `start` (the previous Euler step's
/// potentials) when given, else from GeomLoss's annealing; then averaged updates at ε until the
/// potentials move by at most `config.tolerance · ε` (or `config.max_iterations` ran).
pub(crate) fn solve_converged<T: Real>(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    start: Option<&WarmState>,
    config: ConvergedConfig,
    truncated: bool,
) -> Result<SolvedVelocity, OtError> {
    solve_warm::<T>(x, y, params, start, WarmFinish::Converge(config), truncated)
}

/// How a warm-started solve finishes from its starting potentials.
#[derive(Clone, Copy)]
enum WarmFinish {
    /// Iterate at ε = blur² to the tolerance.
    Converge(ConvergedConfig),
    /// Anneal through the schedule's entries at or below (restart · blur)².
    Tail(f64),
}

/// GeomLoss's annealing restarted at ε = (`restart` · blur)² from the previous step's
/// potentials (`start`), or the full schedule without them.
pub(crate) fn solve_warm_annealed<T: Real>(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    start: Option<&WarmState>,
    restart: f64,
    truncated: bool,
) -> Result<SolvedVelocity, OtError> {
    solve_warm::<T>(x, y, params, start, WarmFinish::Tail(restart), truncated)
}

/// The two problems from `start` when given (else annealed from the diameter), finished by
/// `finish`, and projected.
fn solve_warm<T: Real>(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    start: Option<&WarmState>,
    finish: WarmFinish,
    truncated: bool,
) -> Result<SolvedVelocity, OtError> {
    let cross = Problem::<T>::new(x, Some(y), truncated);
    let own = Problem::<T>::new(x, None, truncated);
    let eps = params.blur * params.blur;
    let solve = |problem: &Problem<T>, start: Option<&Potentials>, diameter: f64| {
        let Some(start) = start else {
            let annealed = problem.anneal(&epsilon_schedule(diameter, params)?);
            return Ok::<_, OtError>(match finish {
                WarmFinish::Tail(_) => annealed,
                WarmFinish::Converge(config) => {
                    let (iterations, terms) = (annealed.iterations, annealed.softmin_terms);
                    let (mut refined, _) = problem.refine(
                        eps,
                        annealed.f,
                        annealed.g,
                        config.tolerance,
                        config.max_iterations,
                    );
                    refined.iterations += iterations;
                    refined.softmin_terms += terms;
                    refined
                }
            });
        };
        let (f, g) = (start.f.clone(), start.g.clone());
        Ok(match finish {
            WarmFinish::Converge(config) => {
                problem
                    .refine(eps, f, g, config.tolerance, config.max_iterations)
                    .0
            }
            WarmFinish::Tail(restart) => {
                problem.anneal_from(&annealing_tail(diameter, params, restart)?, f, g)
            }
        })
    };
    let xy = solve(&cross, start.map(|w| &w.xy), max_diameter(x, y))?;
    let xx = solve(&own, start.map(|w| &w.xx), max_diameter(x, &[]))?;
    project_both(x.len(), y.len(), params, &cross, &own, xy, xx)
}

/// Both problems coarse-to-fine ([`Problem::anneal_multiscale`], leaving the clusters at
/// ε = (`jump` · blur)²) and projected; on the truncated kernels after the jump when
/// `truncated`.
pub(crate) fn solve_multiscale<T: Real>(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    jump: f64,
    truncated: bool,
) -> Result<SolvedVelocity, OtError> {
    let cross = Problem::<T>::sorted_along_curve(x, Some(y), truncated);
    let own = Problem::<T>::sorted_along_curve(x, None, truncated);
    let solve = |problem: &Problem<T>, diameter: f64| {
        let schedule = epsilon_schedule(diameter, params)?;
        // Each level hands over to the finer one at ε = (its extent / MULTISCALE_EXTENT)²:
        // its clusters are then at most MULTISCALE_EXTENT of the kernel's width across.
        let extent = MULTISCALE_EXTENT;
        let built = problem.coarse_levels(
            MULTISCALE_CLUSTER,
            extent * jump * params.blur,
            extent * diameter,
        );
        let levels: Vec<&CoarseProblem<T>> = built.iter().map(|(level, _)| level).collect();
        let jumps: Vec<f64> = built
            .iter()
            .map(|(_, width)| (width / extent).powi(2))
            .collect();
        Ok::<_, OtError>(problem.anneal_multiscale(&levels, &schedule, &jumps))
    };
    let xy = solve(&cross, max_diameter(x, y))?;
    let xx = solve(&own, max_diameter(x, &[]))?;
    project_both(x.len(), y.len(), params, &cross, &own, xy, xx)
}

/// Both projections from solved potentials, the velocity, its work and the state to keep.
fn project_both<T: Real>(
    n: usize,
    m: usize,
    params: &SinkhornParams,
    cross: &Problem<T>,
    own: &Problem<T>,
    xy: Potentials,
    xx: Potentials,
) -> Result<SolvedVelocity, OtError> {
    let (to_target, target_terms) = cross.project(&xy);
    let (to_self, self_terms) = own.project(&xx);
    let velocity: Vec<Point> = to_target
        .iter()
        .zip(&to_self)
        .map(|(p, q)| [p[0] - q[0], p[1] - q[1]])
        .collect();
    check_finite_points(&velocity, "velocity", T::PRECISION)?;
    let stats = SolveStats {
        iterations: xy.iterations + xx.iterations,
        softmin_terms: xy.softmin_terms + xx.softmin_terms + target_terms + self_terms,
    };
    Ok(SolvedVelocity {
        velocity: FlowVelocity { velocity, stats },
        state: WarmState {
            params: *params,
            n,
            m,
            xy,
            xx,
        },
    })
}
