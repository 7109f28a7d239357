//! Input checks shared by every OT entry point.

use super::schedule::{epsilon_schedule, max_diameter};
use super::{OtError, Precision, SinkhornParams};
use crate::Point;

/// Checks the inputs ([`check_inputs`]) and returns GeomLoss's ε-schedule for the diameter of
/// `x ∪ y`: the preamble of every solve over one pair of clouds.
pub fn checked_schedule(
    x: &[Point],
    y: &[Point],
    params: &SinkhornParams,
) -> Result<Vec<f64>, OtError> {
    check_inputs(x, y, params)?;
    epsilon_schedule(max_diameter(x, y), params)
}

/// Checks the parameters, that neither set is empty and that every coordinate is finite.
/// `x` is reported as the "source" set, `y` as the "target" set.
pub fn check_inputs(x: &[Point], y: &[Point], params: &SinkhornParams) -> Result<(), OtError> {
    params.validate()?;
    check_set(x, "source")?;
    check_set(y, "target")
}

/// Checks that every coordinate of `x` and `y` is small enough for squared distances to stay
/// finite in `precision` ([`super::MAX_COORDINATE_F32`], [`super::MAX_COORDINATE_F64`]).
pub fn check_magnitude(x: &[Point], y: &[Point], precision: Precision) -> Result<(), OtError> {
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
pub fn check_set(points: &[Point], set: &'static str) -> Result<(), OtError> {
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
