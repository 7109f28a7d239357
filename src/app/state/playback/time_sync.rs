//! Showing two flows at the same time: every [`crate::flow::Trajectory`] puts its frames on one
//! timeline t in [0, 1] (the particle flow at `t_k = k / steps`, the learned flow at its
//! integration times, NSGF++'s two phases joined at τ̄), and the side-by-side view pairs a frame
//! of one flow with the frame of the other whose t is nearest.
//! Plain Rust, no egui.

/// The index of the frame whose time is nearest `t`; on a tie the earlier frame (never show the
/// future). Frames with a non-finite time are never picked; None when no frame has a finite time
/// or `t` is not finite.
pub(crate) fn nearest_frame(times: impl IntoIterator<Item = f64>, t: f64) -> Option<usize> {
    if !t.is_finite() {
        return None;
    }
    let mut best: Option<(usize, f64)> = None;
    for (index, time) in times.into_iter().enumerate() {
        if !time.is_finite() {
            continue;
        }
        let distance = (time - t).abs();
        if best.is_none_or(|(_, best_distance)| distance < best_distance) {
            best = Some((index, distance));
        }
    }
    best.map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uniform(steps: usize) -> Vec<f64> {
        (0..=steps).map(|k| k as f64 / steps as f64).collect()
    }

    #[test]
    fn a_40_step_flow_pairs_with_a_10_step_flow_by_t() {
        let particle = uniform(40);
        let learned = uniform(10);
        // Particle frame 4 (t = 0.1) shows learned frame 1 (t = 0.1), not learned frame 4.
        assert_eq!(nearest_frame(learned.iter().copied(), particle[4]), Some(1));
        assert_eq!(
            nearest_frame(learned.iter().copied(), particle[20]),
            Some(5)
        );
        assert_eq!(
            nearest_frame(learned.iter().copied(), particle[40]),
            Some(10)
        );
        assert_eq!(nearest_frame(learned.iter().copied(), particle[0]), Some(0));
        // And the other way: learned frame 3 (t = 0.3) shows particle frame 12.
        assert_eq!(
            nearest_frame(particle.iter().copied(), learned[3]),
            Some(12)
        );
        // Every pair is within half a learned step.
        for &t in &particle {
            let index = nearest_frame(learned.iter().copied(), t).expect("frames exist");
            assert!((learned[index] - t).abs() <= 0.05 + 1e-12, "t = {t}");
        }
    }

    #[test]
    fn ties_pick_the_earlier_frame_and_bad_times_are_skipped() {
        assert_eq!(nearest_frame([0.0, 0.5, 1.0], 0.25), Some(0));
        assert_eq!(nearest_frame([f64::NAN, 0.9], 0.0), Some(1));
        assert_eq!(nearest_frame([f64::NAN], 0.0), None);
        assert_eq!(nearest_frame([], 0.5), None);
        assert_eq!(nearest_frame([0.0, 1.0], f64::NAN), None);
    }
}
