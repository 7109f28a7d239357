//! View-only state that is not part of the model of the app: arrow length, which extent the plot
//! was last fitted to, and frame-time statistics for the debug corner (the stroke in progress
//! lives in the state's drawing part).

use super::jobs::Extent;
use std::time::Duration;

/// Whether the page's hooks exist (`window.nsgf_*`: the app's platform glue publishes the
/// shown state and the plots on screen, and takes `window.nsgf_train`): in the browser only.
pub(crate) const PAGE_HOOKS: bool = cfg!(target_arch = "wasm32");

/// View-only options and bookkeeping of the UI.
#[derive(Debug, Clone)]
pub struct ViewOptions {
    /// Multiplier of every arrow's length.
    pub arrow_scale: f64,
    /// The extent the plot bounds were last set to (refit when the data's extent changes).
    pub fitted_extent: Option<Extent>,
    /// Frame-time statistics.
    pub frame_times: FrameTimes,
    /// Show the fps readout in the corner.
    pub show_frame_times: bool,
    /// Show the keyboard-shortcut overlay ("?").
    pub show_shortcuts: bool,
    /// Where the flow plots of the last frame put their particles (kept in the browser only,
    /// where `platform::publish_plots` hands them to the page).
    pub plots_on_screen: Vec<PlotOnScreen>,
}

/// Where one flow plot drew its particles, in egui points (the browser check reads the
/// screenshot's pixels there).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlotOnScreen {
    /// What is drawn: the flow "particle" or "learned", or "w2" (the training's W2 curve, whose
    /// checkpoints are the "particles").
    pub kind: &'static str,
    /// The plot's data area: left, top, right, bottom.
    pub frame: [f32; 4],
    /// The centre of each particle drawn inside the data area.
    pub particles: Vec<[f32; 2]>,
    /// The colour each of those particles was drawn in.
    pub colors: Vec<[u8; 3]>,
}

impl Default for ViewOptions {
    fn default() -> Self {
        Self {
            arrow_scale: 1.0,
            fitted_extent: None,
            frame_times: FrameTimes::default(),
            show_frame_times: true,
            show_shortcuts: false,
            plots_on_screen: Vec::new(),
        }
    }
}

/// The frames the statistics average over.
const WINDOW: usize = 120;

/// Rolling statistics of the UI thread's time per frame and of the interval between frames.
#[derive(Debug, Clone, Default)]
pub struct FrameTimes {
    ui_seconds: std::collections::VecDeque<f64>,
    intervals: std::collections::VecDeque<f64>,
    /// Time spent stepping jobs inside each frame (only where jobs run on the UI thread).
    job_seconds: std::collections::VecDeque<f64>,
}

impl FrameTimes {
    /// Records one frame: the time spent building the UI and the interval since the last frame.
    pub(crate) fn record(&mut self, ui_time: Duration, interval_seconds: f64) {
        push_bounded(&mut self.ui_seconds, ui_time.as_secs_f64());
        if interval_seconds.is_finite() && interval_seconds > 0.0 {
            push_bounded(&mut self.intervals, interval_seconds);
        }
    }

    /// Records the time one frame spent stepping jobs (the browser, where they share the UI
    /// thread).
    pub(crate) fn record_jobs(&mut self, job_time: Duration) {
        push_bounded(&mut self.job_seconds, job_time.as_secs_f64());
    }

    /// Worst time a frame in the window spent stepping jobs, in milliseconds (0 where jobs
    /// have threads of their own).
    pub fn max_jobs_ms(&self) -> f64 {
        self.job_seconds.iter().copied().fold(0.0, f64::max) * 1e3
    }

    /// Mean UI time per frame, in milliseconds.
    pub(crate) fn mean_ui_ms(&self) -> f64 {
        mean(&self.ui_seconds) * 1e3
    }

    /// Worst UI time per frame in the window, in milliseconds.
    pub(crate) fn max_ui_ms(&self) -> f64 {
        self.ui_seconds.iter().copied().fold(0.0, f64::max) * 1e3
    }

    /// Frames per second from the mean interval (0 when unknown).
    pub(crate) fn fps(&self) -> f64 {
        let interval = mean(&self.intervals);
        if interval > 0.0 { 1.0 / interval } else { 0.0 }
    }

    /// Frames recorded in the window.
    pub(crate) fn count(&self) -> usize {
        self.ui_seconds.len()
    }
}

fn push_bounded(values: &mut std::collections::VecDeque<f64>, value: f64) {
    if values.len() == WINDOW {
        values.pop_front();
    }
    values.push_back(value);
}

fn mean(values: &std::collections::VecDeque<f64>) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_times_average_over_a_window() {
        let mut times = FrameTimes::default();
        for _ in 0..200 {
            times.record(Duration::from_millis(4), 1.0 / 50.0);
        }
        assert_eq!(times.count(), WINDOW);
        assert!((times.mean_ui_ms() - 4.0).abs() < 1e-9);
        assert!((times.fps() - 50.0).abs() < 1e-9);
        times.record(Duration::from_millis(10), 0.0);
        assert!((times.max_ui_ms() - 10.0).abs() < 1e-9);
        assert_eq!(times.max_jobs_ms(), 0.0);
        times.record_jobs(Duration::from_millis(9));
        for _ in 0..WINDOW - 1 {
            times.record_jobs(Duration::from_millis(3));
        }
        assert!((times.max_jobs_ms() - 9.0).abs() < 1e-9);
        times.record_jobs(Duration::from_millis(3));
        assert!(
            (times.max_jobs_ms() - 3.0).abs() < 1e-9,
            "the 9 ms left the window"
        );
    }
}
