//! The Sinkhorn-flow velocity and the Sinkhorn divergence of point clouds of any dimension d:
//! GeomLoss 0.3.1's loop (the same ε-schedule, symmetric averaged updates, projections and
//! extrapolation as the 2D solver) on the streaming d-dimensional kernels of
//! `ot::softmin_nd`. At d = 2 every entry point hands the problem to the specialised 2D kernels
//! instead (the end of `nsgf bench --what wide` times both there): one interface, the kernel
//! picked by d.

use super::real::Real;
use super::schedule::epsilon_schedule;
use super::sinkhorn::{average_into, mean};
use super::softmin::LogWeights;
use super::softmin_nd::{CloudNd, ColumnsNd, barycentre_nd, fused_sweep, softmin_nd};
use super::{OtError, Precision, SinkhornParams, SolveStats};
use crate::PointCloud;

/// A velocity at every particle of a cloud of any dimension, and the work it took.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudVelocity {
    /// `v(x_i)` for every particle, in the particles' dimension.
    pub velocity: PointCloud,
    /// Iterations and softmin terms of both problems and both projections.
    pub stats: SolveStats,
}

/// The empirical Sinkhorn-flow velocity `v(x_i) = P_{x→y}(x_i) − P_{x→x}(x_i)` of clouds of
/// any (equal) dimension, with GeomLoss's potentials: `(x, y)` with the schedule of `x ∪ y`,
/// `(x, x)` with that of `x` alone. Equals `∇f_{x,x}(x_i) − ∇f_{x,y}(x_i)` computed by autograd
/// through GeomLoss (`tests/it/any_dim.rs` checks it in 64 dimensions). At d = 2 this is
/// [`super::flow_velocity`] on the 2D kernels.
pub fn cloud_velocity(
    x: &PointCloud,
    y: &PointCloud,
    params: &SinkhornParams,
    precision: Precision,
) -> Result<CloudVelocity, OtError> {
    check_clouds(x, y, params, precision)?;
    if x.dim() == 2 {
        let solved = super::flow_velocity(x.points(), y.points(), params, precision)?;
        return Ok(CloudVelocity {
            velocity: PointCloud::from_points(&solved.velocity),
            stats: solved.stats,
        });
    }
    let solved = velocity_on_general_kernels(x, y, params, precision)?;
    if let Some(index) = solved.velocity.first_non_finite() {
        return Err(OtError::NonFiniteResult {
            quantity: "velocity",
            index: Some(index),
            precision,
        });
    }
    Ok(solved)
}

/// [`cloud_velocity`] on the d-dimensional kernels whatever the dimension, d = 2 included:
/// for the parity tests and benchmarks that compare them with the 2D kernels.
#[doc(hidden)]
pub fn cloud_velocity_on_general_kernels(
    x: &PointCloud,
    y: &PointCloud,
    params: &SinkhornParams,
    precision: Precision,
) -> Result<CloudVelocity, OtError> {
    check_clouds(x, y, params, precision)?;
    velocity_on_general_kernels(x, y, params, precision)
}

/// The velocity on the d-dimensional kernels, of checked clouds.
fn velocity_on_general_kernels(
    x: &PointCloud,
    y: &PointCloud,
    params: &SinkhornParams,
    precision: Precision,
) -> Result<CloudVelocity, OtError> {
    let (velocity, stats) = match precision {
        Precision::F32 => velocity_with::<f32>(x, y, params),
        Precision::F64 => velocity_with::<f64>(x, y, params),
    }?;
    Ok(CloudVelocity { velocity, stats })
}

/// The debiased velocity `P_{x→y}(x_i) − P_{x→x′}(x_i)` of a one-step generator's batch `x`
/// against an independent batch `x′` of the same generator (W-Flow), in any dimension: each
/// projection from a problem annealed on the schedule of its two clouds. At d = 2 this is
/// [`super::debiased_velocity`] on the 2D kernels.
pub fn cloud_debiased_velocity(
    x: &PointCloud,
    independent: &PointCloud,
    y: &PointCloud,
    params: &SinkhornParams,
    precision: Precision,
) -> Result<PointCloud, OtError> {
    check_clouds(x, y, params, precision)?;
    check_clouds(x, independent, params, precision)?;
    if x.dim() == 2 {
        let velocity = super::debiased_velocity(
            x.points(),
            independent.points(),
            y.points(),
            params,
            precision,
            false,
        )?;
        return Ok(PointCloud::from_points(&velocity));
    }
    let velocity = match precision {
        Precision::F32 => debiased_with::<f32>(x, independent, y, params),
        Precision::F64 => debiased_with::<f64>(x, independent, y, params),
    }?;
    if let Some(index) = velocity.first_non_finite() {
        return Err(OtError::NonFiniteResult {
            quantity: "debiased velocity",
            index: Some(index),
            precision,
        });
    }
    Ok(velocity)
}

/// Computes Sinkhorn-flow velocities of clouds of one dimension: the CPU's streaming kernels
/// ([`CpuCloudKernels`]) or a GPU's (`gpu::WideGpu`). What a flow or a trainer in any
/// dimension is handed, so that it need not know where its velocities come from.
pub trait CloudKernels: Send + Sync {
    /// The velocity `P_{x→y}(x_i) − P_{x→x}(x_i)` at every point of `x` (see [`cloud_velocity`]).
    fn velocity(
        &self,
        x: &PointCloud,
        y: &PointCloud,
        params: &SinkhornParams,
    ) -> Result<PointCloud, OtError>;

    /// Where the velocities are computed, for people ("cpu f64 (avx512 kernels)", a GPU's name).
    fn name(&self) -> String;
}

/// [`CloudKernels`] on the CPU: [`cloud_velocity`] in one precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuCloudKernels {
    /// The precision of the kernels.
    pub precision: Precision,
}

impl CloudKernels for CpuCloudKernels {
    fn velocity(
        &self,
        x: &PointCloud,
        y: &PointCloud,
        params: &SinkhornParams,
    ) -> Result<PointCloud, OtError> {
        Ok(cloud_velocity(x, y, params, self.precision)?.velocity)
    }

    fn name(&self) -> String {
        let bits = match self.precision {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        };
        format!("cpu {bits} ({} kernels)", super::kernel_in_use())
    }
}

/// The debiased Sinkhorn divergence `S_ε(x, y) = OT_ε(x, y) − ½OT_ε(x, x) − ½OT_ε(y, y)` of
/// clouds of any (equal) dimension (GeomLoss `SamplesLoss("sinkhorn", p=2, debias=True)`, cost
/// `½‖x − y‖²`). At d = 2 this is [`super::sinkhorn_divergence`] on the 2D kernels.
pub fn cloud_divergence(
    x: &PointCloud,
    y: &PointCloud,
    params: &SinkhornParams,
    precision: Precision,
) -> Result<f64, OtError> {
    check_clouds(x, y, params, precision)?;
    if x.dim() == 2 {
        return super::sinkhorn_divergence(x.points(), y.points(), params, precision);
    }
    let value = match precision {
        Precision::F32 => divergence_with::<f32>(x, y, params),
        Precision::F64 => divergence_with::<f64>(x, y, params),
    }?;
    super::validate::check_finite_value(value, "Sinkhorn divergence", precision)
}

/// The diagonal of the bounding box of `clouds` (GeomLoss `max_diameter`), any dimension.
pub fn cloud_diameter(clouds: &[&PointCloud]) -> f64 {
    let (lo, hi) = bounding_box(clouds);
    lo.iter()
        .zip(&hi)
        .map(|(a, b)| (b - a) * (b - a))
        .sum::<f64>()
        .sqrt()
}

/// Lower and upper corners of the bounding box of `clouds` (non-empty, one dimension).
pub(crate) fn bounding_box(clouds: &[&PointCloud]) -> (Vec<f64>, Vec<f64>) {
    let dim = clouds.first().map_or(1, |c| c.dim());
    let mut lo = vec![f64::INFINITY; dim];
    let mut hi = vec![f64::NEG_INFINITY; dim];
    for cloud in clouds {
        for point in cloud.coords().chunks_exact(dim) {
            for (k, &value) in point.iter().enumerate() {
                lo[k] = lo[k].min(value);
                hi[k] = hi[k].max(value);
            }
        }
    }
    (lo, hi)
}

/// Checks the parameters, the dimensions, that neither cloud is empty, and that every
/// coordinate is finite and small enough for `precision`.
pub(crate) fn check_clouds(
    x: &PointCloud,
    y: &PointCloud,
    params: &SinkhornParams,
    precision: Precision,
) -> Result<(), OtError> {
    params.validate()?;
    if x.dim() != y.dim() {
        return Err(OtError::DimensionMismatch {
            source_dim: x.dim(),
            target_dim: y.dim(),
        });
    }
    let limit = match precision {
        Precision::F32 => super::MAX_COORDINATE_F32,
        Precision::F64 => super::MAX_COORDINATE_F64,
    };
    for (set, cloud) in [("source", x), ("target", y)] {
        if cloud.is_empty() {
            return Err(OtError::EmptySet(set));
        }
        if let Some(index) = cloud.first_non_finite() {
            return Err(OtError::NonFinite { set, index });
        }
        if let Some(at) = cloud.coords().iter().position(|c| c.abs() > limit) {
            return Err(OtError::TooLarge {
                set,
                index: at / cloud.dim(),
                precision,
                limit,
            });
        }
    }
    Ok(())
}

/// The potentials left by the loop, at its last ε.
struct Potentials {
    f: Vec<f64>,
    g: Vec<f64>,
    eps: f64,
}

/// One OT problem in kernel precision: `x` against `y`, or against itself (symmetric: one
/// softmin per iteration, `g = f`), shifted by the centre of their bounding box.
struct Problem<T> {
    x: CloudNd<T>,
    /// `None`: the symmetric problem `y = x`.
    y: Option<CloudNd<T>>,
    centre: Vec<f64>,
    /// The log of every point's weight in `x` (uniform: −ln n).
    log_a: f64,
    /// The log of every point's weight in `y` (uniform: −ln m).
    log_b: f64,
    /// ε-schedule of the problem (GeomLoss's, from its diameter).
    schedule: Vec<f64>,
    /// Softmin terms evaluated so far.
    terms: u64,
}

impl<T: Real> Problem<T> {
    /// The problem of `x` against `y` (`None`: itself), annealing through `schedule`.
    fn new(x: &PointCloud, y: Option<&PointCloud>, schedule: Vec<f64>) -> Self {
        let clouds: Vec<&PointCloud> = std::iter::once(x).chain(y).collect();
        let (lo, hi) = bounding_box(&clouds);
        let centre: Vec<f64> = lo.iter().zip(&hi).map(|(a, b)| 0.5 * (a + b)).collect();
        let m = y.map_or(x.len(), PointCloud::len);
        Self {
            x: CloudNd::new(x.coords(), &centre),
            y: y.map(|y| CloudNd::new(y.coords(), &centre)),
            centre,
            log_a: -(x.len() as f64).ln(),
            log_b: -(m as f64).ln(),
            schedule,
            terms: 0,
        }
    }

    fn y(&self) -> &CloudNd<T> {
        self.y.as_ref().unwrap_or(&self.x)
    }

    /// The columns of `cloud` (whose points weigh `exp(log_weight)` each) with `potential`.
    fn columns(
        cloud: &CloudNd<T>,
        log_weight: f64,
        potential: Option<&[f64]>,
        eps: f64,
    ) -> ColumnsNd<T> {
        ColumnsNd::new(cloud, &LogWeights::Uniform(log_weight), potential, eps)
    }

    /// `(softmin_ε(C_xy, log b + g/ε), softmin_ε(C_yx, log a + f/ε))`, with the current
    /// potentials as the rows' estimates: one fused sweep for both sides (half of one for the
    /// symmetric problem, [`fused_sweep`]), or, from zero potentials or where a fused sum left
    /// its range, a softmin per side.
    fn update(&mut self, eps: f64, f: Option<&[f64]>, g: Option<&[f64]>) -> (Vec<f64>, Vec<f64>) {
        if let (Some(f), Some(g)) = (f, g)
            && let Some(updated) = self.fused_update(eps, f, g)
        {
            return updated;
        }
        self.separate_update(eps, f, g)
    }

    /// [`Problem::update`] from one fused sweep; `None` where a sum left its range.
    fn fused_update(&mut self, eps: f64, f: &[f64], g: &[f64]) -> Option<(Vec<f64>, Vec<f64>)> {
        let (log_a, log_b) = (self.log_a, self.log_b);
        let symmetric = self.y.is_none();
        let cols = if symmetric {
            Self::columns(&self.x, log_a, Some(f), eps)
        } else {
            Self::columns(self.y(), log_b, Some(g), eps)
        };
        let sweep = fused_sweep(&self.x, &cols, f, symmetric);
        self.terms += sweep.terms;
        if !sweep.in_range {
            return None;
        }
        let ln2 = std::f64::consts::LN_2;
        let f_new: Vec<f64> = self
            .x
            .half_sq_norm
            .iter()
            .zip(&sweep.row_lse)
            .map(|(half_sq_norm, lse)| half_sq_norm - eps * ln2 * lse)
            .collect();
        if symmetric {
            return Some((f_new.clone(), f_new));
        }
        // Σ_i 2^(t_ij − shift_i) = Σ_i b·exp((f_i + g_j − C_ij)/ε): the columns' new potential
        // g_j − ε log Σ_i a·exp((f_i + g_j − C_ij)/ε).
        let g_new = g
            .iter()
            .zip(&sweep.column_log_sums)
            .map(|(g, log_sum)| g - eps * (ln2 * log_sum + log_a - log_b))
            .collect();
        Some((f_new, g_new))
    }

    /// [`Problem::update`] as one softmin per side.
    fn separate_update(
        &mut self,
        eps: f64,
        f: Option<&[f64]>,
        g: Option<&[f64]>,
    ) -> (Vec<f64>, Vec<f64>) {
        let mut f_new = vec![0.0; self.x.len()];
        self.terms += softmin_nd(
            &self.x,
            &Self::columns(self.y(), self.log_b, g, eps),
            f,
            &mut f_new,
        );
        let g_new = match &self.y {
            Some(y) => {
                let mut g_new = vec![0.0; y.len()];
                self.terms += softmin_nd(
                    y,
                    &Self::columns(&self.x, self.log_a, f, eps),
                    g,
                    &mut g_new,
                );
                g_new
            }
            None => f_new.clone(),
        };
        (f_new, g_new)
    }

    /// GeomLoss's loop: initialise at the schedule's first ε, then one averaged update per ε.
    fn anneal(&mut self) -> Potentials {
        let schedule = self.schedule.clone();
        let (mut f, mut g) = self.update(schedule[0], None, None);
        for &eps in &schedule {
            let (f_t, g_t) = self.update(eps, Some(&f), Some(&g));
            average_into(&mut f, &f_t);
            average_into(&mut g, &g_t);
        }
        Potentials {
            f,
            g,
            eps: schedule[schedule.len() - 1],
        }
    }

    /// `P_{x→y}(x_i)` for every row, in the original frame (flat, point after point).
    fn project(&mut self, potentials: &Potentials) -> Vec<f64> {
        let cols = Self::columns(self.y(), self.log_b, Some(&potentials.g), potentials.eps);
        let mut out = vec![0.0; self.x.coords.len()];
        self.terms += barycentre_nd(&self.x, &cols, Some(&potentials.f), &mut out);
        for point in out.chunks_exact_mut(self.centre.len()) {
            for (value, c) in point.iter_mut().zip(&self.centre) {
                *value += c;
            }
        }
        out
    }

    /// `OT_ε` after GeomLoss's last extrapolation (one parallel, undamped update).
    fn ot_value(&mut self) -> f64 {
        let potentials = self.anneal();
        let (f, g) = self.update(potentials.eps, Some(&potentials.f), Some(&potentials.g));
        mean(&f) + mean(&g)
    }
}

/// [`cloud_velocity`] in precision `T` on the d-dimensional kernels.
fn velocity_with<T: Real>(
    x: &PointCloud,
    y: &PointCloud,
    params: &SinkhornParams,
) -> Result<(PointCloud, SolveStats), OtError> {
    let mut cross = Problem::<T>::new(
        x,
        Some(y),
        epsilon_schedule(cloud_diameter(&[x, y]), params)?,
    );
    let mut own = Problem::<T>::new(x, None, epsilon_schedule(cloud_diameter(&[x]), params)?);
    let xy = cross.anneal();
    let xx = own.anneal();
    let to_target = cross.project(&xy);
    let to_self = own.project(&xx);
    let velocity: Vec<f64> = to_target.iter().zip(&to_self).map(|(a, b)| a - b).collect();
    let stats = SolveStats {
        iterations: cross.schedule.len() + own.schedule.len(),
        softmin_terms: cross.terms + own.terms,
    };
    Ok((PointCloud::from_flat(x.dim(), velocity), stats))
}

/// [`cloud_debiased_velocity`] in precision `T` on the d-dimensional kernels.
fn debiased_with<T: Real>(
    x: &PointCloud,
    independent: &PointCloud,
    y: &PointCloud,
    params: &SinkhornParams,
) -> Result<PointCloud, OtError> {
    let projection = |other: &PointCloud| -> Result<Vec<f64>, OtError> {
        let schedule = epsilon_schedule(cloud_diameter(&[x, other]), params)?;
        let mut problem = Problem::<T>::new(x, Some(other), schedule);
        let potentials = problem.anneal();
        Ok(problem.project(&potentials))
    };
    let to_target = projection(y)?;
    let to_independent = projection(independent)?;
    let velocity = to_target
        .iter()
        .zip(&to_independent)
        .map(|(a, b)| a - b)
        .collect();
    Ok(PointCloud::from_flat(x.dim(), velocity))
}

/// [`cloud_divergence`] in precision `T` on the d-dimensional kernels.
fn divergence_with<T: Real>(
    x: &PointCloud,
    y: &PointCloud,
    params: &SinkhornParams,
) -> Result<f64, OtError> {
    // The three problems anneal through the one schedule of x ∪ y, as in GeomLoss.
    let schedule = epsilon_schedule(cloud_diameter(&[x, y]), params)?;
    let cross = Problem::<T>::new(x, Some(y), schedule.clone()).ot_value();
    let own_x = Problem::<T>::new(x, None, schedule.clone()).ot_value();
    let own_y = Problem::<T>::new(y, None, schedule).ot_value();
    Ok(cross - 0.5 * (own_x + own_y))
}
