//! Fixed, square axes for a whole animation: data space (y up) to image pixels (y down).

use crate::Point;

/// Fraction of all coordinates ignored at each end when fitting (so one stray particle cannot
/// shrink everything else to a dot).
const OUTLIER_QUANTILE: f64 = 0.002;

/// A square window of the plane shown in an image, fixed for a whole animation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// Centre of the window in data units.
    pub center: Point,
    /// Half the side of the window in data units (> 0).
    pub half_side: f64,
}

impl Viewport {
    /// The smallest square that holds (all but the outermost 0.2 % on each axis of) the finite
    /// points of `sets`, grown so that the points fill the image minus a `margin` fraction on each
    /// side (`margin` in [0, 0.45]). With no finite point: the square [-1, 1]².
    pub fn fit<'a>(sets: impl IntoIterator<Item = &'a [Point]>, margin: f64) -> Self {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for set in sets {
            for p in set.iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
                xs.push(p[0]);
                ys.push(p[1]);
            }
        }
        if xs.is_empty() {
            return Self {
                center: [0.0, 0.0],
                half_side: 1.0,
            };
        }
        let (x_low, x_high) = robust_range(&mut xs);
        let (y_low, y_high) = robust_range(&mut ys);
        let half_span = ((x_high - x_low).max(y_high - y_low) / 2.0).max(1e-9);
        let margin = margin.clamp(0.0, 0.45);
        Self {
            center: [f64::midpoint(x_low, x_high), f64::midpoint(y_low, y_high)],
            half_side: half_span / (1.0 - 2.0 * margin),
        }
    }

    /// Image pixels per data unit for a `size_px`-wide square image.
    fn pixels_per_unit(&self, size_px: u32) -> f64 {
        f64::from(size_px) / (2.0 * self.half_side)
    }

    /// The pixel coordinates (x right, y down, pixel centres at +0.5) of data point `point` in a
    /// `size_px`-wide square image.
    pub fn to_pixel(&self, point: Point, size_px: u32) -> (f32, f32) {
        let scale = self.pixels_per_unit(size_px);
        let x = (point[0] - self.center[0] + self.half_side) * scale;
        let y = (self.center[1] + self.half_side - point[1]) * scale;
        (x as f32, y as f32)
    }
}

/// The `OUTLIER_QUANTILE` and `1 − OUTLIER_QUANTILE` quantiles of `values` (reorders them).
fn robust_range(values: &mut [f64]) -> (f64, f64) {
    let last = values.len() - 1;
    let low_index = (last as f64 * OUTLIER_QUANTILE).floor() as usize;
    let high_index = (last as f64 * (1.0 - OUTLIER_QUANTILE)).ceil() as usize;
    let (_, &mut low, _) = values.select_nth_unstable_by(low_index, f64::total_cmp);
    let (_, &mut high, _) = values.select_nth_unstable_by(high_index, f64::total_cmp);
    (low, high)
}
