//! GeomLoss's symmetric Sinkhorn loop with ε-scaling (`sinkhorn_loop`, balanced), its final
//! extrapolation, and a warm-started variant at a fixed ε; on dense kernels (the reference) or
//! on truncated ones (`softmin::Reach`).

use super::Precision;
use super::blocks::{hilbert_order, to_original, to_sorted};
use super::cloud::{Cloud, bounding_box};
use super::real::Real;

use super::softmin::{Columns, LogWeights, Reach, TRUNCATION_BITS, barycentre, softmin};
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
        Precision::F32 => Problem::<f32>::new(x, Some(y), false).anneal(&schedule),
        Precision::F64 => Problem::<f64>::new(x, Some(y), false).anneal(&schedule),
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
            let problem = Problem::<f32>::new(x, Some(y), false);
            problem.extrapolate(&problem.anneal(&schedule))
        }
        Precision::F64 => {
            let problem = Problem::<f64>::new(x, Some(y), false);
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
            let problem = Problem::<f32>::new(x, Some(y), false);
            problem.project(&problem.anneal(&schedule)).0
        }
        Precision::F64 => {
            let problem = Problem::<f64>::new(x, Some(y), false);
            problem.project(&problem.anneal(&schedule)).0
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
///
/// Truncated problems keep both clouds sorted along a Hilbert curve (`ot::blocks`) and skip
/// negligible column blocks (`softmin::Reach::Truncated`); their methods take and return
/// potentials and projections in the callers' original order all the same.
pub(crate) struct Problem<T> {
    x: Cloud<T>,
    /// `None`: the symmetric problem `y = x`.
    y: Option<Cloud<T>>,
    centre: Point,
    log_a: LogWeights,
    log_b: LogWeights,
    /// Sorted: the curve orders of `x` and of `y` (`None` for the symmetric problem);
    /// `order[k]` is the original index of the k-th point of the sorted cloud.
    order: Option<(Vec<usize>, Option<Vec<usize>>)>,
    /// Whether the kernels skip negligible column blocks (the clouds are then sorted).
    truncated: bool,
    /// ½ diameter² of `x ∪ y` in bits per unit ε: no term can be negligible at ε unless
    /// `half_diameter_sq_bits / ε` exceeds [`TRUNCATION_BITS`] (without potentials).
    half_diameter_sq_bits: f64,
}

impl<T: Real> Problem<T> {
    /// The problem between `x` and `y` (`None`: `x` and itself), shifted to the centre of their
    /// bounding box; `truncated` sorts both clouds for the truncated kernels.
    pub(crate) fn new(x: &[Point], y: Option<&[Point]>, truncated: bool) -> Self {
        Self::build(x, y, truncated, truncated)
    }

    /// [`Problem::new`] with both clouds sorted along the Hilbert curve whether or not the
    /// kernels are `truncated` (what [`Problem::coarsened`] needs).
    pub(crate) fn sorted_along_curve(x: &[Point], y: Option<&[Point]>, truncated: bool) -> Self {
        Self::build(x, y, true, truncated)
    }

    /// The problem, its clouds sorted along the curve when `sorted` (always when `truncated`).
    fn build(x: &[Point], y: Option<&[Point]>, sorted: bool, truncated: bool) -> Self {
        let (lo, hi) = bounding_box(x, y.unwrap_or(&[]));
        let centre = [0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1])];
        let diameter_sq = (hi[0] - lo[0]).powi(2) + (hi[1] - lo[1]).powi(2);
        let m = y.map_or(x.len(), <[Point]>::len);
        let order = (sorted || truncated).then(|| {
            (
                hilbert_order(x, lo, hi),
                y.map(|y| hilbert_order(y, lo, hi)),
            )
        });
        let (x_cloud, y_cloud) = match &order {
            Some((x_order, y_order)) => (
                Cloud::new(&to_sorted(x, x_order), centre),
                y.zip(y_order.as_ref())
                    .map(|(y, order)| Cloud::new(&to_sorted(y, order), centre)),
            ),
            None => (Cloud::new(x, centre), y.map(|y| Cloud::new(y, centre))),
        };
        Self {
            x: x_cloud,
            y: y_cloud,
            centre,
            log_a: LogWeights::Uniform(-(x.len() as f64).ln()),
            log_b: LogWeights::Uniform(-(m as f64).ln()),
            order,
            truncated,
            half_diameter_sq_bits: 0.5 * diameter_sq * std::f64::consts::LOG2_E,
        }
    }

    /// The coarse problem of a sorted one (GeomLoss's "multiscale" idea): runs of at most
    /// `cluster` consecutive points along the curve whose bounding box has a diagonal of at most
    /// `extent` become one point at their (weighted) centroid, weighing as much as they do
    /// together (points far from their neighbours, as in a distribution's tails, stay alone).
    /// Dense kernels, in the same frame; a coarse problem's clusters keep the curve's order, so
    /// it can be coarsened again.
    fn coarsened(&self, cluster: usize, extent: f64) -> CoarseProblem<T> {
        let (x, log_a, x_members) = clusters(&self.x, &self.log_a, cluster, extent);
        let y = self
            .y
            .as_ref()
            .map(|y| clusters(y, &self.log_b, cluster, extent));
        let (y, log_b, y_members) = match y {
            Some((y, log_b, members)) => (Some(y), log_b, Some(members)),
            None => (None, log_a.clone(), None),
        };
        CoarseProblem {
            problem: Self {
                x,
                y,
                centre: self.centre,
                log_a,
                log_b,
                order: None,
                truncated: false,
                half_diameter_sq_bits: self.half_diameter_sq_bits,
            },
            x_members,
            y_members,
        }
    }

    /// Coarser and coarser problems for [`Problem::anneal_multiscale`], each with the
    /// cluster extent it was built with: level 0 coarsens this problem with clusters of at most
    /// `cluster` points and diagonal `extent`; the extent doubles from try to try, and a try
    /// that shrinks the larger cloud by less than a third is passed over (the next, wider one
    /// coarsens the same level). Stops below [`MIN_COARSE_POINTS`] points or at `widest`.
    pub(crate) fn coarse_levels(
        &self,
        cluster: usize,
        extent: f64,
        widest: f64,
    ) -> Vec<(CoarseProblem<T>, f64)> {
        let mut levels: Vec<(CoarseProblem<T>, f64)> = Vec::new();
        let mut extent = extent;
        while extent <= widest {
            let finer = levels.last().map_or(self, |(level, _)| &level.problem);
            let finer_size = finer.x.len().max(finer.y().len());
            if finer_size < MIN_COARSE_POINTS {
                break;
            }
            let level = finer.coarsened(cluster, extent);
            let size = level.problem.x.len().max(level.problem.y().len());
            if 3 * size <= 2 * finer_size {
                levels.push((level, extent));
            }
            extent *= 2.0;
        }
        levels
    }

    fn y(&self) -> &Cloud<T> {
        self.y.as_ref().unwrap_or(&self.x)
    }

    /// How the kernels read the columns at `eps`: truncated when the clouds are sorted and some
    /// term could be negligible at all.
    fn reach_at(&self, eps: f64) -> Reach {
        if self.truncated && self.half_diameter_sq_bits / eps > TRUNCATION_BITS {
            Reach::Truncated
        } else {
            Reach::Dense
        }
    }

    /// The columns a projection reads: `y` with `potentials.g` (in the callers' order) at
    /// `potentials.eps`.
    fn projection_columns(&self, potentials: &Potentials) -> Columns<T> {
        let g = match &self.order {
            Some((x_order, y_order)) => {
                to_sorted(&potentials.g, y_order.as_ref().unwrap_or(x_order))
            }
            None => potentials.g.clone(),
        };
        Columns::new(self.y(), &self.log_b, Some(&g), potentials.eps)
    }

    /// `(f, g)` from the callers' order to the kernels'.
    fn sorted(&self, f: Vec<f64>, g: Vec<f64>) -> (Vec<f64>, Vec<f64>) {
        match &self.order {
            None => (f, g),
            Some((x_order, y_order)) => (
                to_sorted(&f, x_order),
                to_sorted(&g, y_order.as_ref().unwrap_or(x_order)),
            ),
        }
    }

    /// `(f, g)` from the kernels' order back to the callers'.
    pub(crate) fn unsorted(&self, f: Vec<f64>, g: Vec<f64>) -> (Vec<f64>, Vec<f64>) {
        match &self.order {
            None => (f, g),
            Some((x_order, y_order)) => (
                to_original(&f, x_order),
                to_original(&g, y_order.as_ref().unwrap_or(x_order)),
            ),
        }
    }

    /// The pair `(softmin_ε(C_xy, log b + g/ε), softmin_ε(C_yx, log a + f/ε))` in the kernels'
    /// order, and the terms evaluated; `None` potentials stand for zero (the initialisation).
    pub(crate) fn update(
        &self,
        eps: f64,
        f: Option<&[f64]>,
        g: Option<&[f64]>,
    ) -> (Vec<f64>, Vec<f64>, u64) {
        // The current potentials estimate the new ones: one-pass rows (`softmin::RowShifts`).
        self.softmins_against(self, eps, f, g, self.reach_at(eps), true)
    }

    /// The softmins of this problem's points against `columns`' clouds (this problem's own,
    /// or its clusters', [`Problem::coarsened`]): `x` against `columns.y` with its weights and
    /// `g`, `y` against `columns.x` with its weights and `f`; `(f_new, f_new)` for a symmetric
    /// problem. With `estimated`, `f` and `g` also estimate the results (same points).
    fn softmins_against(
        &self,
        columns: &Self,
        eps: f64,
        f: Option<&[f64]>,
        g: Option<&[f64]>,
        reach: Reach,
        estimated: bool,
    ) -> (Vec<f64>, Vec<f64>, u64) {
        let mut f_new = vec![0.0; self.x.len()];
        let mut terms = softmin(
            &self.x,
            &Columns::new(columns.y(), &columns.log_b, g, eps),
            reach,
            f.filter(|_| estimated),
            &mut f_new,
        );
        let g_new = match &self.y {
            Some(y) => {
                let mut g_new = vec![0.0; y.len()];
                terms += softmin(
                    y,
                    &Columns::new(&columns.x, &columns.log_a, f, eps),
                    reach,
                    g.filter(|_| estimated),
                    &mut g_new,
                );
                g_new
            }
            None => f_new.clone(),
        };
        (f_new, g_new, terms)
    }

    /// GeomLoss's loop: initialise at `schedule[0]`, then one averaged update per entry.
    pub(crate) fn anneal(&self, schedule: &[f64]) -> Potentials {
        let (f, g, terms) = self.update(schedule[0], None, None);
        let mut potentials = self.anneal_sorted(schedule, f, g);
        potentials.softmin_terms += terms;
        potentials
    }

    /// One averaged update per entry of `schedule`, starting from `(f, g)`.
    pub(crate) fn anneal_from(&self, schedule: &[f64], f: Vec<f64>, g: Vec<f64>) -> Potentials {
        let (f, g) = self.sorted(f, g);
        self.anneal_sorted(schedule, f, g)
    }

    /// GeomLoss's loop coarse-to-fine: the entries of `schedule` above `jumps[0]` on
    /// `levels[0]` (this problem's [`Problem::coarsened`]; which runs its own entries above
    /// `jumps[1]` on `levels[1]`, and so on), then this problem's potentials extrapolated from
    /// the coarse ones at the last coarse ε, then the entries at or below `jumps[0]` here. The
    /// whole schedule on this problem when no entry lies above `jumps[0]` or there is no level.
    ///
    /// The extrapolation is GeomLoss's jump (one softmin of the points against the clusters)
    /// plus each cluster's lag: the averaged loop's potentials trail its next update by
    /// `f − T(g)`, and a point starts with its cluster's. With one point per cluster this
    /// reproduces the loop on the points exactly (unit test). In a trial with one level of
    /// clusters of 4 points at most 0.25·(16·blur) across, the 40-step flow at n = 4000 ended
    /// W2 0.15 % of the diameter from the exact one with the lag, 0.23 % without.
    pub(crate) fn anneal_multiscale(
        &self,
        levels: &[&CoarseProblem<T>],
        schedule: &[f64],
        jumps: &[f64],
    ) -> Potentials {
        let (Some(&level), Some(&jump)) = (levels.first(), jumps.first()) else {
            return self.anneal(schedule);
        };
        let CoarseProblem {
            problem: coarse,
            x_members,
            y_members,
        } = level;
        let split = schedule.iter().take_while(|&&eps| eps > jump).count();
        let (head, tail) = schedule.split_at(split);
        let Some(&eps) = head.last() else {
            return self.anneal(schedule);
        };
        // The coarse problem's own head runs on the next level, and so on.
        let rough = coarse.anneal_multiscale(&levels[1..], head, &jumps[1..]);
        // The loop's potentials lag its next update (the averaging): the points inherit their
        // cluster's lag, so the tail starts where the loop on the points would stand.
        let (next_f, next_g, lag_terms) = coarse.update(eps, Some(&rough.f), Some(&rough.g));
        let lag_f: Vec<f64> = rough.f.iter().zip(&next_f).map(|(a, b)| a - b).collect();
        let lag_g: Vec<f64> = rough.g.iter().zip(&next_g).map(|(a, b)| a - b).collect();
        // GeomLoss's jump: the points against the clusters.
        let (mut f, mut g, mut terms) = self.softmins_against(
            coarse,
            eps,
            Some(&rough.f),
            Some(&rough.g),
            Reach::Dense,
            false,
        );
        let add_lag = |values: &mut [f64], lag: &[f64], members: &[usize]| {
            for (value, &cluster) in values.iter_mut().zip(members) {
                *value += lag[cluster];
            }
        };
        add_lag(&mut f, &lag_f, x_members);
        match y_members {
            Some(members) => add_lag(&mut g, &lag_g, members),
            None => add_lag(&mut g, &lag_f, x_members),
        }
        terms += lag_terms;
        let mut potentials = if tail.is_empty() {
            let (f, g) = self.unsorted(f, g);
            Potentials {
                f,
                g,
                eps,
                iterations: 0,
                softmin_terms: 0,
            }
        } else {
            self.anneal_sorted(tail, f, g)
        };
        potentials.iterations += rough.iterations;
        potentials.softmin_terms += rough.softmin_terms + terms;
        potentials
    }

    /// [`Problem::anneal_from`] from potentials in the kernels' order.
    fn anneal_sorted(&self, schedule: &[f64], mut f: Vec<f64>, mut g: Vec<f64>) -> Potentials {
        let mut softmin_terms = 0;
        for &eps in schedule {
            let (f_t, g_t, terms) = self.update(eps, Some(&f), Some(&g));
            average_into(&mut f, &f_t);
            average_into(&mut g, &g_t);
            softmin_terms += terms;
        }
        let (f, g) = self.unsorted(f, g);
        Potentials {
            f,
            g,
            eps: schedule[schedule.len() - 1],
            iterations: schedule.len(),
            softmin_terms,
        }
    }

    /// Averaged updates at the fixed `eps` from `(f, g)` until the largest change of either
    /// potential is at most `tolerance · eps`, or `max_iterations` updates ran. Returns the
    /// potentials and whether the tolerance was met.
    pub(crate) fn refine(
        &self,
        eps: f64,
        f: Vec<f64>,
        g: Vec<f64>,
        tolerance: f64,
        max_iterations: usize,
    ) -> (Potentials, bool) {
        let (mut f, mut g) = self.sorted(f, g);
        let mut iterations = 0;
        let mut softmin_terms = 0;
        let mut converged = false;
        while iterations < max_iterations {
            let (f_t, g_t, terms) = self.update(eps, Some(&f), Some(&g));
            let change = average_into(&mut f, &f_t).max(average_into(&mut g, &g_t));
            iterations += 1;
            softmin_terms += terms;
            if change <= tolerance * eps {
                converged = true;
                break;
            }
        }
        let (f, g) = self.unsorted(f, g);
        let potentials = Potentials {
            f,
            g,
            eps,
            iterations,
            softmin_terms,
        };
        (potentials, converged)
    }

    /// GeomLoss's last extrapolation: one parallel, undamped update of the loop's potentials.
    pub(crate) fn extrapolate(&self, potentials: &Potentials) -> (Vec<f64>, Vec<f64>) {
        let (f, g) = self.sorted(potentials.f.clone(), potentials.g.clone());
        let (f, g, _) = self.update(potentials.eps, Some(&f), Some(&g));
        self.unsorted(f, g)
    }

    /// The barycentric projection of points `queries` that are not part of the problem,
    /// `P(z) = Σ_j softmax_j(log b + g_j/ε − C(z, y_j)/ε) y_j`, from `potentials.g` at
    /// `potentials.eps`, in the original frame (dense kernels: queries are few).
    pub(crate) fn project_queries(&self, queries: &[Point], potentials: &Potentials) -> Vec<Point> {
        let cols = self.projection_columns(potentials);
        let rows = Cloud::new(queries, self.centre);
        let mut out = vec![[0.0; 2]; queries.len()];
        barycentre(&rows, &cols, Reach::Dense, None, &mut out);
        for p in &mut out {
            p[0] += self.centre[0];
            p[1] += self.centre[1];
        }
        out
    }

    /// `P_{x→y}(x_i)` in the original frame and order, from `potentials.g` at
    /// `potentials.eps`, and the terms evaluated.
    pub(crate) fn project(&self, potentials: &Potentials) -> (Vec<Point>, u64) {
        let cols = self.projection_columns(potentials);
        // f is the rows' log-sum-exp up to the loop's last change: one-pass rows.
        let f = match &self.order {
            Some((x_order, _)) => to_sorted(&potentials.f, x_order),
            None => potentials.f.clone(),
        };
        let mut out = vec![[0.0; 2]; self.x.len()];
        let terms = barycentre(
            &self.x,
            &cols,
            self.reach_at(potentials.eps),
            Some(&f),
            &mut out,
        );
        for p in &mut out {
            p[0] += self.centre[0];
            p[1] += self.centre[1];
        }
        let out = match &self.order {
            Some((x_order, _)) => to_original(&out, x_order),
            None => out,
        };
        (out, terms)
    }
}

/// A problem's clusters ([`Problem::coarsened`]) and which cluster each point belongs to.
pub(crate) struct CoarseProblem<T> {
    /// The problem between the clusters' centroids.
    problem: Problem<T>,
    /// The cluster of each point of `x`, in the sorted order.
    x_members: Vec<usize>,
    /// The cluster of each point of `y` (`None`: the symmetric problem).
    y_members: Option<Vec<usize>>,
}

/// Problems with fewer points are not coarsened further ([`Problem::coarse_levels`]).
const MIN_COARSE_POINTS: usize = 64;

/// Greedy clusters of a sorted cloud whose points weigh `exp(log_weights)`: runs of at most
/// `cluster` consecutive points whose bounding box has a diagonal of at most `extent`.
/// Returns their weighted centroids, their log-weights (the log of their summed weights) and
/// the cluster of each point.
fn clusters<T: Real>(
    cloud: &Cloud<T>,
    log_weights: &LogWeights,
    cluster: usize,
    extent: f64,
) -> (Cloud<T>, LogWeights, Vec<usize>) {
    let len = cloud.len();
    let point = |k: usize| [cloud.xs[k].to_f64(), cloud.ys[k].to_f64()];
    let weight = |k: usize| log_weights.of(k).exp();
    let mut centroids = Vec::with_capacity(len.div_ceil(cluster.max(1)));
    let mut cluster_log_weights = Vec::with_capacity(centroids.capacity());
    let mut members = Vec::with_capacity(len);
    let mut start = 0;
    while start < len {
        let first = point(start);
        let (mut lo, mut hi) = (first, first);
        let mut total = weight(start);
        let mut sum = [total * first[0], total * first[1]];
        let mut end = start + 1;
        while end < len && end - start < cluster {
            let next = point(end);
            let (lo2, hi2) = (
                [lo[0].min(next[0]), lo[1].min(next[1])],
                [hi[0].max(next[0]), hi[1].max(next[1])],
            );
            if (hi2[0] - lo2[0]).hypot(hi2[1] - lo2[1]) > extent {
                break;
            }
            (lo, hi) = (lo2, hi2);
            let w = weight(end);
            total += w;
            sum = [sum[0] + w * next[0], sum[1] + w * next[1]];
            end += 1;
        }
        members.extend(std::iter::repeat_n(centroids.len(), end - start));
        centroids.push([sum[0] / total, sum[1] / total]);
        cluster_log_weights.push(total.ln());
        start = end;
    }
    // The clouds are already shifted: the centroids keep that frame.
    (
        Cloud::new(&centroids, [0.0, 0.0]),
        LogWeights::Each(cluster_log_weights),
        members,
    )
}

/// `current ← ½(current + update)`; returns the largest absolute change.
pub(crate) fn average_into(current: &mut [f64], update: &[f64]) -> f64 {
    let mut change = 0.0_f64;
    for (c, &u) in current.iter_mut().zip(update) {
        let next = 0.5 * (*c + u);
        change = change.max((next - *c).abs());
        *c = next;
    }
    change
}

#[cfg(test)]
mod tests;
