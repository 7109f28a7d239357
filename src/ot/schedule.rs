//! GeomLoss's ε-scaling heuristic: the diameter of the data and the annealing schedule of ε.

use super::cloud::bounding_box;
use super::{OtError, SinkhornParams};
use crate::Point;

/// Length of the diagonal of the bounding box of `x ∪ y` (GeomLoss `max_diameter`).
/// `y` may be empty (the diameter of `x` alone); 0 when both are empty.
pub fn max_diameter(x: &[Point], y: &[Point]) -> f64 {
    if x.is_empty() && y.is_empty() {
        return 0.0;
    }
    let (lo, hi) = bounding_box(x, y);
    let (dx, dy) = (hi[0] - lo[0], hi[1] - lo[1]);
    (dx * dx + dy * dy).sqrt()
}

/// The most ε-annealing steps one solve may take (GeomLoss's default at blur 0.05, scaling 0.9
/// on a cloud of diameter 8 takes 48; 10 000 is scaling 0.999 over a diameter 10 000 blurs
/// wide). Beyond it a solve would run for hours: the call is refused instead.
pub(crate) const MAX_EPSILON_STEPS: usize = 10_000;

/// The ε-schedule GeomLoss 0.3.1 anneals through for `p = 2`:
/// `[D²] + [exp(e) for e in arange(2 ln D, 2 ln blur, 2 ln scaling)] + [blur²]`.
///
/// `D²` appears twice (once as `D·D`, once as `exp(2 ln D)`), the `arange` excludes its end
/// and is evaluated exactly as numpy does (`count = ceil((stop − start)/step)`, element `i` is
/// `start + i·((start + step) − start)`), so the entries match GeomLoss to the last bits.
/// A zero diameter (all points equal, where GeomLoss would take `log 0`) is floored at `blur`,
/// which gives `[blur², blur²]`.
pub fn epsilon_schedule(diameter: f64, params: &SinkhornParams) -> Result<Vec<f64>, OtError> {
    params.validate()?;
    // log(0) = −∞ would make the arange meaningless; a diameter below blur gives an empty
    // arange anyway, so flooring at blur changes nothing else.
    let diameter = if diameter > 0.0 && diameter.is_finite() {
        diameter
    } else {
        params.blur
    };
    let start = 2.0 * diameter.ln();
    let stop = 2.0 * params.blur.ln();
    let step = 2.0 * params.scaling.ln();
    let steps = ((stop - start) / step).ceil();
    if steps > MAX_EPSILON_STEPS as f64 {
        return Err(OtError::ScheduleTooLong {
            steps,
            diameter,
            blur: params.blur,
            scaling: params.scaling,
        });
    }
    let mut schedule = vec![diameter * diameter];
    schedule.extend(numpy_arange(start, stop, step).into_iter().map(f64::exp));
    schedule.push(params.blur * params.blur);
    Ok(schedule)
}

/// The entries of [`epsilon_schedule`] at or below (`restart` · blur)²: what the warm
/// annealing tail ([`super::VelocityMode::WarmAnnealed`]) runs from the previous step's
/// potentials, on the CPU and the GPU alike.
pub(crate) fn annealing_tail(
    diameter: f64,
    params: &SinkhornParams,
    restart: f64,
) -> Result<Vec<f64>, OtError> {
    let from = (restart * params.blur).powi(2);
    Ok(epsilon_schedule(diameter, params)?
        .into_iter()
        .filter(|&eps| eps <= from)
        .collect())
}

/// numpy's `arange(start, stop, step)` for floats, element by element as numpy fills it.
fn numpy_arange(start: f64, stop: f64, step: f64) -> Vec<f64> {
    let count = ((stop - start) / step).ceil();
    if !(count.is_finite() && count > 0.0) {
        return Vec::new();
    }
    let count = count as usize;
    let delta = (start + step) - start;
    (0..count)
        .map(|i| match i {
            0 => start,
            1 => start + step,
            _ => start + i as f64 * delta,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_schedule_is_refused() {
        let params = SinkhornParams {
            blur: 1e-300,
            scaling: 0.999,
        };
        let error = epsilon_schedule(1e300, &params).unwrap_err();
        assert!(matches!(error, OtError::ScheduleTooLong { .. }), "{error}");
        assert!(
            error
                .to_string()
                .contains("raise --blur or lower --scaling")
        );
    }

    #[test]
    fn arange_counts_like_numpy() {
        assert_eq!(numpy_arange(0.0, 1.0, 0.25), vec![0.0, 0.25, 0.5, 0.75]);
        assert_eq!(numpy_arange(1.0, 0.0, -0.4).len(), 3);
        assert!(numpy_arange(0.0, 1.0, -0.5).is_empty());
    }

    #[test]
    fn tiny_schedule_is_geomlosss() {
        let x = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
        let y = [[2.0, 2.0], [3.0, 2.0]];
        let params = SinkhornParams {
            blur: 0.5,
            scaling: 0.5,
        };
        let schedule = epsilon_schedule(max_diameter(&x, &y), &params).unwrap();
        assert_eq!(
            schedule,
            vec![12.999999999999998, 13.0, 3.25, 0.8125000000000001, 0.25]
        );
    }
}
