//! Showing two flows at the same time: both flows put their frames on one timeline t in [0, 1]
//! (the particle flow at `t_k = k / steps`, the learned flow at its integration times), and the
//! side-by-side view pairs a frame of one flow with the frame of the other whose t is nearest.
//! Plain Rust, no egui.

/// The index of the frame whose time is nearest `t`; on a tie the earlier frame (never show the
/// future). Frames with a non-finite time are never picked; None when no frame has a finite time
/// or `t` is not finite.
pub fn nearest_frame(times: impl IntoIterator<Item = f64>, t: f64) -> Option<usize> {
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

/// The times of a learned trajectory on the one [0, 1] timeline.
///
/// NSGF: its integration times `j / nfe` as they are. NSGF++ (`phase_boundary = Some(b)`): the
/// model's times restart in the straight phase (the Sinkhorn phase runs on its own clock
/// `j / T₁`, ending at 1 in frame b; the straight phase runs s from τ to 1), so the Sinkhorn
/// phase is scaled into [0, `straight_start`] (τ̄, the mean predicted transition time, where the
/// straight phase begins) and the straight frames keep their s. Without `straight_start` the
/// straight phase is taken to begin at the first straight frame's time minus one step.
pub fn learned_timeline(
    times: &[f64],
    phase_boundary: Option<usize>,
    straight_start: Option<f64>,
) -> Vec<f64> {
    let Some(boundary) = phase_boundary.filter(|&b| b < times.len()) else {
        return times.to_vec();
    };
    let start = straight_start
        .filter(|s| s.is_finite())
        .or_else(|| {
            let first = *times.get(boundary + 1)?;
            let second = times.get(boundary + 2).copied().unwrap_or(1.0);
            Some(first - (second - first))
        })
        .unwrap_or(1.0)
        .clamp(0.0, 1.0);
    let sinkhorn_end = times[boundary];
    times
        .iter()
        .enumerate()
        .map(|(index, &time)| {
            if index > boundary {
                time
            } else if sinkhorn_end > 0.0 {
                time / sinkhorn_end * start
            } else {
                0.0
            }
        })
        .collect()
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

    #[test]
    fn nsgf_times_are_kept() {
        let times = uniform(10);
        assert_eq!(learned_timeline(&times, None, None), times);
    }

    #[test]
    fn nsgfpp_phases_become_one_increasing_timeline() {
        // 5 Sinkhorn steps on their own clock, then 4 straight steps of s from τ̄ = 0.92 to 1.
        let mut times = uniform(5);
        times.extend([0.94, 0.96, 0.98, 1.0]);
        let timeline = learned_timeline(&times, Some(5), Some(0.92));
        assert_eq!(timeline.len(), 10);
        assert!((timeline[5] - 0.92).abs() < 1e-12, "the boundary sits at τ̄");
        assert!((timeline[1] - 0.184).abs() < 1e-12);
        assert_eq!(&timeline[6..], &times[6..]);
        assert!(timeline.windows(2).all(|pair| pair[0] < pair[1]));
        // Without τ̄ the straight phase starts one step before its first frame.
        let guessed = learned_timeline(&times, Some(5), None);
        assert!((guessed[5] - 0.92).abs() < 1e-12);
        // On the timeline, t = 0.95 falls in the straight phase.
        assert!(nearest_frame(timeline.iter().copied(), 0.95).expect("frames") > 5);
    }
}
