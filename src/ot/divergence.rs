//! The debiased Sinkhorn divergence `S_ε(x, y) = OT_ε(x, y) − ½ OT_ε(x, x) − ½ OT_ε(y, y)`.

use super::real::Real;

use super::sinkhorn::{Problem, mean};
use super::validate::{check_finite_value, checked_schedule};
use super::{OtError, Precision, SinkhornParams};
use crate::Point;

/// The debiased Sinkhorn divergence of GeomLoss (`SamplesLoss("sinkhorn", p=2, blur, scaling,
/// debias=True)`, uniform weights): the three problems `(x, y)`, `(x, x)`, `(y, y)` anneal
/// through the one schedule of `x ∪ y`, their potentials get the last extrapolation, and
/// `S_ε = ⟨a, f_xy − f_xx⟩ + ⟨b, g_xy − g_yy⟩`, which equals
/// `OT_ε(x, y) − ½ OT_ε(x, x) − ½ OT_ε(y, y)`. Zero for `x = y`, ≥ 0 up to the solver's
/// accuracy, and ½‖x − y‖² for two single points.
pub fn sinkhorn_divergence(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
    precision: Precision,
) -> Result<f64, OtError> {
    let schedule = checked_schedule(x, y, params)?;
    let divergence = match precision {
        Precision::F32 => divergence_with::<f32>(x, y, &schedule),
        Precision::F64 => divergence_with::<f64>(x, y, &schedule),
    };
    check_finite_value(divergence, "Sinkhorn divergence", precision)
}

fn divergence_with<T: Real>(x: &[Point], y: &[Point], schedule: &[f64]) -> f64 {
    let cross = Problem::<T>::new(x, Some(y), false);
    let (f_xy, g_xy) = cross.extrapolate(&cross.anneal(schedule));
    let own_x = Problem::<T>::new(x, None, false);
    let (f_xx, _) = own_x.extrapolate(&own_x.anneal(schedule));
    let own_y = Problem::<T>::new(y, None, false);
    let (g_yy, _) = own_y.extrapolate(&own_y.anneal(schedule));
    let f_diff: Vec<f64> = f_xy.iter().zip(&f_xx).map(|(a, b)| a - b).collect();
    let g_diff: Vec<f64> = g_xy.iter().zip(&g_yy).map(|(a, b)| a - b).collect();
    mean(&f_diff) + mean(&g_diff)
}
