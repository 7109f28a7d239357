//! The timeline cursor and playback clock: which recorded frame is shown, whether it plays, and
//! how fast. Plain Rust, no egui.

pub(crate) mod time_sync;
pub(crate) mod timeline;
pub(crate) mod ui;

/// The slowest and fastest playback speeds, in frames per second.
pub(crate) const SPEED_RANGE: std::ops::RangeInclusive<f64> = 0.5..=60.0;

/// What the user does to the timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlaybackCommand {
    /// Start playing.
    Play,
    /// Pause.
    Pause,
    /// Play or pause.
    TogglePlay,
    /// One frame forward (pauses).
    StepForward,
    /// One frame back (pauses).
    StepBack,
    /// Back to frame 0, paused.
    Reset,
    /// Playback speed, frames per second.
    SetSpeed(f64),
    /// Jump to a frame.
    Seek(usize),
    /// Advance the playback clock by this many seconds.
    Tick(f64),
    /// Back to frame 0 for a new flow, playing or not as before.
    Rewind,
}

/// The timeline cursor over recorded frames plus the playback clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Playback {
    /// Index of the shown frame.
    position: usize,
    /// Whether the clock advances the position.
    playing: bool,
    /// Frames per second while playing.
    speed: f64,
    /// Fraction of a frame accumulated by the clock.
    accumulated_frames: f64,
}

impl Default for Playback {
    fn default() -> Self {
        Self {
            position: 0,
            playing: false,
            speed: 8.0,
            accumulated_frames: 0.0,
        }
    }
}

/// How many frames exist now and whether more are coming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameSupply {
    /// Frames recorded so far (the position ranges over `0..available`).
    pub available: usize,
    /// Whether a worker is still producing frames.
    pub more_coming: bool,
}

impl Playback {
    /// The index of the shown frame.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Whether the clock advances the position.
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// Frames per second while playing.
    pub(crate) fn speed(&self) -> f64 {
        self.speed
    }

    /// Applies one command against the frames `supply` offers.
    pub(crate) fn apply(&mut self, command: PlaybackCommand, supply: FrameSupply) {
        match command {
            PlaybackCommand::TogglePlay if self.playing => self.pause(),
            PlaybackCommand::Play | PlaybackCommand::TogglePlay => self.play(supply),
            PlaybackCommand::Pause => self.pause(),
            PlaybackCommand::StepForward => {
                self.pause();
                self.step_forward(supply);
            }
            PlaybackCommand::StepBack => {
                self.pause();
                self.step_back();
            }
            PlaybackCommand::Reset => self.reset(),
            PlaybackCommand::SetSpeed(speed) => self.set_speed(speed),
            PlaybackCommand::Seek(position) => self.seek(position, supply),
            PlaybackCommand::Tick(seconds) => self.tick(seconds, supply),
            PlaybackCommand::Rewind => self.rewind(),
        }
    }

    /// Back to frame 0 for a new flow, playing or not as before.
    fn rewind(&mut self) {
        self.position = 0;
        self.accumulated_frames = 0.0;
    }

    /// Starts playing; from the last frame of a finished timeline, starts again at frame 0.
    fn play(&mut self, supply: FrameSupply) {
        if !supply.more_coming && self.position + 1 >= supply.available {
            self.position = 0;
        }
        self.playing = true;
        self.accumulated_frames = 0.0;
    }

    /// Stops the clock.
    fn pause(&mut self) {
        self.playing = false;
        self.accumulated_frames = 0.0;
    }

    /// One frame forward if that frame exists; returns whether it moved.
    fn step_forward(&mut self, supply: FrameSupply) -> bool {
        if self.position + 1 < supply.available {
            self.position += 1;
            true
        } else {
            false
        }
    }

    /// One frame back if not at the start; returns whether it moved.
    fn step_back(&mut self) -> bool {
        if self.position > 0 {
            self.position -= 1;
            true
        } else {
            false
        }
    }

    /// Back to frame 0, paused.
    fn reset(&mut self) {
        self.position = 0;
        self.pause();
    }

    /// Moves to `position`, clamped to the recorded frames.
    fn seek(&mut self, position: usize, supply: FrameSupply) {
        self.position = position.min(supply.available.saturating_sub(1));
    }

    /// Sets the speed, clamped to [`SPEED_RANGE`].
    fn set_speed(&mut self, frames_per_second: f64) {
        if frames_per_second.is_finite() {
            self.speed = frames_per_second.clamp(*SPEED_RANGE.start(), *SPEED_RANGE.end());
        }
    }

    /// Advances the clock by `seconds`; moves over the frames that are due and available.
    /// Stops at the end of a finished timeline; waits (still playing) for frames being computed.
    fn tick(&mut self, seconds: f64, supply: FrameSupply) {
        self.position = self.position.min(supply.available.saturating_sub(1));
        if !self.playing || !seconds.is_finite() || seconds <= 0.0 {
            return;
        }
        // A long stall (window hidden, slow frame) must not fast-forward through the flow.
        self.accumulated_frames += (seconds * self.speed).min(2.0);
        while self.accumulated_frames >= 1.0 {
            if self.step_forward(supply) {
                self.accumulated_frames -= 1.0;
            } else {
                self.accumulated_frames = 0.0;
                if !supply.more_coming {
                    self.playing = false;
                }
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DONE_10: FrameSupply = FrameSupply {
        available: 10,
        more_coming: false,
    };

    #[test]
    fn tick_advances_by_speed_times_time() {
        let mut playback = Playback::default();
        playback.set_speed(10.0);
        playback.play(DONE_10);
        playback.tick(0.15, DONE_10);
        assert_eq!(playback.position, 1);
        playback.tick(0.05, DONE_10);
        assert_eq!(playback.position, 2, "fractions of a frame accumulate");
        playback.tick(10.0, DONE_10);
        assert_eq!(playback.position, 4, "a stall moves at most two frames");
    }

    #[test]
    fn paused_tick_does_not_move() {
        let mut playback = Playback::default();
        playback.tick(5.0, DONE_10);
        assert_eq!(playback.position, 0);
    }

    #[test]
    fn playback_stops_at_the_end_of_a_finished_flow() {
        let mut playback = Playback::default();
        playback.set_speed(60.0);
        playback.play(DONE_10);
        for _ in 0..100 {
            playback.tick(0.1, DONE_10);
        }
        assert_eq!(playback.position, 9);
        assert!(!playback.playing);
        playback.play(DONE_10);
        assert_eq!(playback.position, 0, "play at the end restarts");
    }

    #[test]
    fn playback_waits_for_frames_being_computed() {
        let mut playback = Playback::default();
        playback.set_speed(60.0);
        let partial = FrameSupply {
            available: 3,
            more_coming: true,
        };
        playback.play(partial);
        for _ in 0..10 {
            playback.tick(0.1, partial);
        }
        assert_eq!(playback.position, 2);
        assert!(playback.playing);
        playback.tick(0.1, DONE_10);
        assert!(playback.position > 2);
    }

    #[test]
    fn steps_move_exactly_one_frame_and_stay_in_range() {
        let mut playback = Playback::default();
        assert!(!playback.step_back());
        assert!(playback.step_forward(DONE_10));
        assert_eq!(playback.position, 1);
        assert!(playback.step_back());
        assert_eq!(playback.position, 0);
        playback.seek(50, DONE_10);
        assert_eq!(playback.position, 9);
        assert!(!playback.step_forward(DONE_10));
        playback.reset();
        assert_eq!(playback.position, 0);
    }

    #[test]
    fn commands_step_and_toggle() {
        let supply = FrameSupply {
            available: 5,
            more_coming: false,
        };
        let mut playback = Playback::default();
        playback.apply(PlaybackCommand::TogglePlay, supply);
        assert!(playback.playing());
        playback.apply(PlaybackCommand::StepForward, supply);
        assert_eq!((playback.position(), playback.playing()), (1, false));
        playback.apply(PlaybackCommand::Seek(9), supply);
        assert_eq!(playback.position(), 4, "seek is clamped to the frames");
        playback.apply(PlaybackCommand::StepBack, supply);
        assert_eq!(playback.position(), 3);
        playback.rewind();
        assert_eq!(playback.position(), 0);
    }

    #[test]
    fn speed_is_clamped() {
        let mut playback = Playback::default();
        playback.set_speed(1e6);
        assert_eq!(playback.speed, *SPEED_RANGE.end());
        playback.set_speed(f64::NAN);
        assert_eq!(playback.speed, *SPEED_RANGE.end());
    }
}
