//! Input checks shared by every OT entry point.

use super::schedule::{epsilon_schedule, max_diameter};
use super::{OtError, Precision, SinkhornParams};
use crate::Point;

/// Checks the inputs ([`check_inputs`]) and returns GeomLoss's ε-schedule for the diameter of
/// `x ∪ y`: the preamble of every solve over one pair of clouds.
pub(crate) fn checked_schedule(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
) -> Result<Vec<f64>, OtError> {
    check_inputs(x, y, params)?;
    epsilon_schedule(max_diameter(x, y), params)
}

/// Checks the parameters, that neither set is empty and that every coordinate is finite.
/// `x` is reported as the "source" set, `y` as the "target" set.
pub(crate) fn check_inputs(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
) -> Result<(), OtError> {
    params.validate()?;
    check_set(x, "source")?;
    check_set(y, "target")
}

/// Checks that every coordinate of `x` and `y` is small enough for squared distances to stay
/// finite in `precision` ([`super::MAX_COORDINATE_F32`], [`super::MAX_COORDINATE_F64`]).
pub(crate) fn check_magnitude(
    x: &[Point],
    y: &[Point],
    precision: Precision,
) -> Result<(), OtError> {
    let limit = match precision {
        Precision::F32 => super::MAX_COORDINATE_F32,
        Precision::F64 => super::MAX_COORDINATE_F64,
    };
    for (set, points) in [("source", x), ("target", y)] {
        if let Some(index) = points
            .iter()
            .position(|p| p[0].abs() > limit || p[1].abs() > limit)
        {
            return Err(OtError::TooLarge {
                set,
                index,
                precision,
                limit,
            });
        }
    }
    Ok(())
}

/// Checks that `points` is non-empty and finite; `set` names it in the error.
fn check_set(points: &[Point], set: &'static str) -> Result<(), OtError> {
    if points.is_empty() {
        return Err(OtError::EmptySet(set));
    }
    match points
        .iter()
        .position(|p| !(p[0].is_finite() && p[1].is_finite()))
    {
        Some(index) => Err(OtError::NonFinite { set, index }),
        None => Ok(()),
    }
}

/// Checks that every point of a per-point result (a velocity, a projection) is finite.
pub fn check_finite_points(
    points: &[Point],
    quantity: &'static str,
    precision: Precision,
) -> Result<(), OtError> {
    first_non_finite(
        points.iter().map(|p| p[0].is_finite() && p[1].is_finite()),
        quantity,
        precision,
    )
}

/// Checks that every value of a per-point result (a potential) is finite.
pub(crate) fn check_finite_values(
    values: &[f64],
    quantity: &'static str,
    precision: Precision,
) -> Result<(), OtError> {
    first_non_finite(values.iter().map(|v| v.is_finite()), quantity, precision)
}

/// The first `false` of `finite`, as the error naming `quantity` at that point.
fn first_non_finite(
    mut finite: impl Iterator<Item = bool>,
    quantity: &'static str,
    precision: Precision,
) -> Result<(), OtError> {
    match finite.position(|ok| !ok) {
        Some(index) => Err(OtError::NonFiniteResult {
            quantity,
            index: Some(index),
            precision,
        }),
        None => Ok(()),
    }
}

/// Checks that a scalar result (an OT value, a divergence) is finite and passes it on.
pub fn check_finite_value(
    value: f64,
    quantity: &'static str,
    precision: Precision,
) -> Result<f64, OtError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(OtError::NonFiniteResult {
            quantity,
            index: None,
            precision,
        })
    }
}

/// diameter²/ε of the pair `x ∪ y` at `params` (ε = blur²): what bounds the f32 kernels'
/// accuracy ([`super::F32_MAX_DIAMETER2_OVER_EPS`]).
pub fn diameter2_over_eps(x: &[Point], y: &[Point], params: &SinkhornParams) -> f64 {
    let diameter = max_diameter(x, y);
    diameter * diameter / (params.blur * params.blur)
}

/// Whether f32 kernels are accurate on `x ∪ y` at `params`: `Err(diameter²/ε)` when not.
pub(crate) fn f32_accuracy(x: &[Point], y: &[Point], params: &SinkhornParams) -> Result<(), f64> {
    let ratio = diameter2_over_eps(x, y, params);
    if ratio > super::F32_MAX_DIAMETER2_OVER_EPS {
        Err(ratio)
    } else {
        Ok(())
    }
}

/// The one-line note for a diameter²/ε beyond f32's accuracy; `action` says what happens
/// ("computing in f64", "use --backend cpu --precision f64").
pub(crate) fn f32_accuracy_note(ratio: f64, action: &str) -> String {
    format!(
        "f32 cannot be accurate here: diameter²/ε = {ratio:.1e} exceeds {:.0e}, past which the \
         f32 velocity is off by more than 1e-3 of max|v|; {action}",
        super::F32_MAX_DIAMETER2_OVER_EPS
    )
}
