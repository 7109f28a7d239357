//! GeomLoss's symmetric Sinkhorn loop with ε-scaling (`sinkhorn_loop`, balanced, no kernel
//! truncation), its final extrapolation, and a warm-started variant at a fixed ε.

use super::Precision;
use super::cloud::{Cloud, bounding_box_centre};
use super::real::Real;

use super::softmin::{Columns, barycentre, softmin};
use super::validate::{
    check_finite_points, check_finite_value, check_finite_values, checked_schedule,
};
use super::{OtError, SinkhornParams};
use crate::Point;

/// The dual potentials of one entropic OT problem between uniform clouds `x` (n points) and `y`
/// (m points), as left by the last iteration of the ε-scaling loop.
///
/// `f` lives on `x`, `g` on `y`. These are the loop's state *before* GeomLoss's final
/// extrapolation step (the one run with autograd on): the barycentric projection and the flow
/// velocity use them; [`ot_value`] applies the extrapolation.
#[derive(Debug, Clone, PartialEq)]
pub struct Potentials {
    /// Potential on the first cloud (length n).
    pub f: Vec<f64>,
    /// Potential on the second cloud (length m).
    pub g: Vec<f64>,
    /// The final ε (= blur²) the potentials solve for.
    pub eps: f64,
    /// Sinkhorn iterations run (entries of the ε-schedule, or warm iterations).
    pub iterations: usize,
    /// Softmin terms evaluated (rows × columns, summed over every log-sum-exp pass).
    pub softmin_terms: u64,
}

/// Solves `OT_ε(x, y)` with GeomLoss 0.3.1's algorithm (`SamplesLoss("sinkhorn", p=2, blur,
/// scaling, debias=False)`, uniform weights, cost `½‖x−y‖²`) and returns the potentials left by
/// the ε-scaling loop. The schedule comes from the diameter of `x ∪ y`.
pub fn sinkhorn_potentials(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    precision: Precision,
) -> Result<Potentials, OtError> {
    let schedule = checked_schedule(x, y, params)?;
    let potentials = match precision {
        Precision::F32 => Problem::<f32>::new(x, Some(y)).anneal(&schedule),
        Precision::F64 => Problem::<f64>::new(x, Some(y)).anneal(&schedule),
    };
    check_finite_values(&potentials.f, "potential f", precision)?;
    check_finite_values(&potentials.g, "potential g", precision)?;
    Ok(potentials)
}

/// The biased entropic OT value `OT_ε(x, y) = ⟨a, f⟩ + ⟨b, g⟩` of GeomLoss (`debias=False`):
/// the potentials of [`sinkhorn_potentials`] after GeomLoss's `last_extrapolation` (one more
/// parallel, undamped Sinkhorn update).
pub fn ot_value(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    precision: Precision,
) -> Result<f64, OtError> {
    let schedule = checked_schedule(x, y, params)?;
    let (f, g) = match precision {
        Precision::F32 => {
            let problem = Problem::<f32>::new(x, Some(y));
            problem.extrapolate(&problem.anneal(&schedule))
        }
        Precision::F64 => {
            let problem = Problem::<f64>::new(x, Some(y));
            problem.extrapolate(&problem.anneal(&schedule))
        }
    };
    check_finite_value(mean(&f) + mean(&g), "OT value", precision)
}

/// The barycentric projection `P_{x→y}(x_i) = Σ_j w_ij y_j` at ε = blur², with
/// `w_ij = softmax_j(log b_j + g_j/ε − C_ij/ε)` and `g` the potential of
/// [`sinkhorn_potentials`].
pub fn barycentric_projection(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    precision: Precision,
) -> Result<Vec<Point>, OtError> {
    let schedule = checked_schedule(x, y, params)?;
    let projection = match precision {
        Precision::F32 => {
            let problem = Problem::<f32>::new(x, Some(y));
            problem.project(&problem.anneal(&schedule))
        }
        Precision::F64 => {
            let problem = Problem::<f64>::new(x, Some(y));
            problem.project(&problem.anneal(&schedule))
        }
    };
    check_finite_points(&projection, "barycentric projection", precision)?;
    Ok(projection)
}

/// Mean of a non-empty slice (`⟨a, f⟩` for uniform `a`).
pub(crate) fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// One OT problem in kernel precision: `x` against `y`, or `x` against itself (symmetric: one
/// softmin per iteration, `g = f`, exactly what GeomLoss computes for `OT(α, α)`).
pub(crate) struct Problem<T> {
    x: Cloud<T>,
    /// `None`: the symmetric problem `y = x`.
    y: Option<Cloud<T>>,
    centre: Point,
    log_a: f64,
    log_b: f64,
}

impl<T: Real> Problem<T> {
    /// The problem between `x` and `y` (`None`: `x` and itself), shifted to the centre of their
    /// bounding box.
    pub fn new(x: &[Point], y: Option<&[Point]>) -> Self {
        let centre = bounding_box_centre(x, y.unwrap_or(&[]));
        let m = y.map_or(x.len(), <[Point]>::len);
        Self {
            x: Cloud::new(x, centre),
            y: y.map(|y| Cloud::new(y, centre)),
            centre,
            log_a: -(x.len() as f64).ln(),
            log_b: -(m as f64).ln(),
        }
    }

    fn y(&self) -> &Cloud<T> {
        self.y.as_ref().unwrap_or(&self.x)
    }

    fn terms_per_step(&self) -> u64 {
        let nm = (self.x.len() * self.y().len()) as u64;
        if self.y.is_some() { 2 * nm } else { nm }
    }

    /// The pair `(softmin_ε(C_xy, log b + g/ε), softmin_ε(C_yx, log a + f/ε))`; `None`
    /// potentials stand for zero (the initialisation).
    fn update(&self, eps: f64, f: Option<&[f64]>, g: Option<&[f64]>) -> (Vec<f64>, Vec<f64>) {
        let mut f_new = vec![0.0; self.x.len()];
        softmin(
            &self.x,
            &Columns::new(self.y(), self.log_b, g, eps),
            &mut f_new,
        );
        let g_new = match &self.y {
            Some(y) => {
                let mut g_new = vec![0.0; y.len()];
                softmin(y, &Columns::new(&self.x, self.log_a, f, eps), &mut g_new);
                g_new
            }
            None => f_new.clone(),
        };
        (f_new, g_new)
    }

    /// GeomLoss's loop: initialise at `schedule[0]`, then one averaged update per entry.
    pub fn anneal(&self, schedule: &[f64]) -> Potentials {
        let (f, g) = self.update(schedule[0], None, None);
        let mut potentials = self.anneal_from(schedule, f, g);
        potentials.softmin_terms += self.terms_per_step();
        potentials
    }

    /// One averaged update per entry of `schedule`, starting from `(f, g)`.
    pub fn anneal_from(&self, schedule: &[f64], mut f: Vec<f64>, mut g: Vec<f64>) -> Potentials {
        for &eps in schedule {
            let (f_t, g_t) = self.update(eps, Some(&f), Some(&g));
            average_into(&mut f, &f_t);
            average_into(&mut g, &g_t);
        }
        Potentials {
            f,
            g,
            eps: schedule[schedule.len() - 1],
            iterations: schedule.len(),
            softmin_terms: schedule.len() as u64 * self.terms_per_step(),
        }
    }

    /// Averaged updates at the fixed `eps` from `(f, g)` until the largest change of either
    /// potential is at most `tolerance · eps`, or `max_iterations` updates ran. Returns the
    /// potentials and whether the tolerance was met.
    pub fn refine(
        &self,
        eps: f64,
        mut f: Vec<f64>,
        mut g: Vec<f64>,
        tolerance: f64,
        max_iterations: usize,
    ) -> (Potentials, bool) {
        let mut iterations = 0;
        let mut converged = false;
        while iterations < max_iterations {
            let (f_t, g_t) = self.update(eps, Some(&f), Some(&g));
            let change = average_into(&mut f, &f_t).max(average_into(&mut g, &g_t));
            iterations += 1;
            if change <= tolerance * eps {
                converged = true;
                break;
            }
        }
        let potentials = Potentials {
            f,
            g,
            eps,
            iterations,
            softmin_terms: iterations as u64 * self.terms_per_step(),
        };
        (potentials, converged)
    }

    /// GeomLoss's last extrapolation: one parallel, undamped update of the loop's potentials.
    pub fn extrapolate(&self, potentials: &Potentials) -> (Vec<f64>, Vec<f64>) {
        self.update(potentials.eps, Some(&potentials.f), Some(&potentials.g))
    }

    /// `P_{x→y}(x_i)` in the original frame, from `potentials.g` at `potentials.eps`.
    pub fn project(&self, potentials: &Potentials) -> Vec<Point> {
        let cols = Columns::new(self.y(), self.log_b, Some(&potentials.g), potentials.eps);
        let mut out = vec![[0.0; 2]; self.x.len()];
        barycentre(&self.x, &cols, &mut out);
        for p in &mut out {
            p[0] += self.centre[0];
            p[1] += self.centre[1];
        }
        out
    }

    /// Softmin terms of one projection.
    pub fn projection_terms(&self) -> u64 {
        (self.x.len() * self.y().len()) as u64
    }
}

/// `current ← ½(current + update)`; returns the largest absolute change.
fn average_into(current: &mut [f64], update: &[f64]) -> f64 {
    let mut change = 0.0_f64;
    for (c, &u) in current.iter_mut().zip(update) {
        let next = 0.5 * (*c + u);
        change = change.max((next - *c).abs());
        *c = next;
    }
    change
}
