//! A whole animation of a flow as plain data (frames, times, captions, target, arrows), built
//! from a particle flow or a learned trajectory, and the renderer that draws any one of its
//! frames with fixed axes and stable colours.

use super::RenderError;
use super::colors::colors_by_start;
use super::raster::{caption_scale, check_size, render_frame};
use super::scene::{FrameProgress, FrameScene, FrameStyle};
use super::viewport::Viewport;
use crate::Point;
use crate::flow::FlowFrame;
use crate::model::LearnedTrajectory;
use tiny_skia::Pixmap;

/// Fraction of the image left empty on each side around the fitted points.
pub const DEFAULT_MARGIN: f64 = 0.1;

/// The frames of a flow to draw, one image each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Animation {
    /// The first caption line, e.g. "gaussian -> moons" (empty: none).
    pub title: String,
    /// What flow this is, starting the second caption line: "sinkhorn", "nsgf", "nsgf++"
    /// (empty: none).
    pub kind: String,
    /// Particle positions per frame; every frame holds the same particles in the same order.
    pub frames: Vec<Vec<Point>>,
    /// The time variable of every frame (same length as `frames`), or empty for none.
    pub times: Vec<f64>,
    /// Per-frame captions replacing the generated ones (same length as `frames`), or empty.
    pub labels: Vec<String>,
    /// Target samples drawn in grey underneath (may be empty).
    pub target: Vec<Point>,
    /// Per-frame arrow vectors (one per particle, data units; an arrow from `x` to `x + vector`),
    /// or empty for none; an empty inner vector means no arrows on that frame.
    pub arrows: Vec<Vec<Point>>,
    /// NSGF++: index of the first frame of the straight phase, marked on the progress bar.
    pub phase_boundary: Option<usize>,
}

impl Animation {
    /// An animation of a simulated particle flow: one frame per recorded step, times `t_k`, and
    /// arrows `η·v_k` (the Euler step about to be taken; none on the final frame).
    pub fn from_flow_frames(
        title: impl Into<String>,
        frames: &[FlowFrame],
        target: Vec<Point>,
        eta: f64,
    ) -> Self {
        Self {
            title: title.into(),
            kind: "sinkhorn".into(),
            frames: frames.iter().map(|f| f.particles.clone()).collect(),
            times: frames.iter().map(|f| f.t).collect(),
            labels: Vec::new(),
            target,
            arrows: frames
                .iter()
                .map(|f| {
                    f.velocities
                        .iter()
                        .map(|v| [eta * v[0], eta * v[1]])
                        .collect()
                })
                .collect(),
            phase_boundary: None,
        }
    }

    /// An animation of a learned trajectory (`kind` "nsgf" or "nsgf++"), with arrows to the
    /// next frame.
    pub fn from_learned(
        title: impl Into<String>,
        kind: impl Into<String>,
        trajectory: &LearnedTrajectory,
        target: Vec<Point>,
    ) -> Self {
        let arrows = (0..trajectory.frames.len())
            .map(|k| match trajectory.frames.get(k + 1) {
                Some(next) => trajectory.frames[k]
                    .iter()
                    .zip(next)
                    .map(|(a, b)| [b[0] - a[0], b[1] - a[1]])
                    .collect(),
                None => Vec::new(),
            })
            .collect();
        Self {
            title: title.into(),
            kind: kind.into(),
            frames: trajectory.frames.clone(),
            times: trajectory.times.clone(),
            labels: Vec::new(),
            target,
            arrows,
            phase_boundary: trajectory.phase_boundary,
        }
    }

    /// The caption of frame `index`: the label if one is given, else the title, then the kind,
    /// step and time (NSGF++: "nsgf step" until the phase boundary, then "straight" with s).
    pub fn caption(&self, index: usize) -> String {
        if let Some(label) = self.labels.get(index) {
            return label.clone();
        }
        let last = self.frames.len().saturating_sub(1);
        let time = |name: &str| {
            self.times
                .get(index)
                .map(|t| format!(" {name}={t:.2}"))
                .unwrap_or_default()
        };
        let progress = match self.phase_boundary {
            Some(boundary) if index >= boundary => format!(
                "straight {}/{}{}",
                index - boundary,
                last - boundary.min(last),
                time("s")
            ),
            Some(boundary) => format!("step {index}/{boundary}{}", time("t")),
            None => format!("step {index}/{last}{}", time("t")),
        };
        let second_line = if self.kind.is_empty() || progress.starts_with("straight") {
            progress
        } else {
            format!("{} {progress}", self.kind)
        };
        if self.title.is_empty() {
            second_line
        } else {
            format!("{}\n{second_line}", self.title)
        }
    }

    /// Checks the animation can be drawn: at least one frame, frames of equal non-zero length,
    /// finite coordinates, and `times`, `labels`, `arrows` either empty or one per frame.
    pub fn validate(&self) -> Result<(), RenderError> {
        let Some(first) = self.frames.first() else {
            return Err(RenderError::NoFrames);
        };
        if first.is_empty() {
            return Err(RenderError::NoParticles);
        }
        let per_frame = |what: &'static str, len: usize| {
            if len == 0 || len == self.frames.len() {
                Ok(())
            } else {
                Err(RenderError::LengthMismatch {
                    what,
                    len,
                    expected: self.frames.len(),
                })
            }
        };
        per_frame("times", self.times.len())?;
        per_frame("labels", self.labels.len())?;
        per_frame("arrow frames", self.arrows.len())?;
        for (frame_index, frame) in self.frames.iter().enumerate() {
            if frame.len() != first.len() {
                return Err(RenderError::LengthMismatch {
                    what: "particles in a later frame",
                    len: frame.len(),
                    expected: first.len(),
                });
            }
            check_finite(frame, || format!("frame {frame_index}"))?;
        }
        check_finite(&self.target, || "the target samples".to_string())?;
        for (frame_index, arrows) in self.arrows.iter().enumerate() {
            if !arrows.is_empty() && arrows.len() != first.len() {
                return Err(RenderError::LengthMismatch {
                    what: "arrows in a frame",
                    len: arrows.len(),
                    expected: first.len(),
                });
            }
            check_finite(arrows, || format!("the arrows of frame {frame_index}"))?;
        }
        Ok(())
    }
}

/// Errors at the first non-finite coordinate of `points`, naming `what()` and the index.
fn check_finite(points: &[Point], what: impl Fn() -> String) -> Result<(), RenderError> {
    match points
        .iter()
        .position(|p| !(p[0].is_finite() && p[1].is_finite()))
    {
        Some(index) => Err(RenderError::NonFinite {
            what: what(),
            index,
        }),
        None => Ok(()),
    }
}

/// How an animation's frames look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LookOptions {
    /// Side of the square images in pixels, in 64..=2048.
    pub size_px: u32,
    /// Earlier frames each particle's trail runs through (0: no trails).
    pub trails: usize,
    /// Draw the per-frame arrows (when the animation has them).
    pub arrows: bool,
    /// Draw the target samples.
    pub show_target: bool,
    /// Particle dot radius in pixels; None picks one from the size and the particle count.
    pub particle_radius_px: Option<f32>,
    /// Fraction of the image left empty on each side around the points, in [0, 0.45].
    pub margin: f64,
}

impl Default for LookOptions {
    fn default() -> Self {
        Self {
            size_px: 480,
            trails: 3,
            arrows: false,
            show_target: true,
            particle_radius_px: None,
            margin: DEFAULT_MARGIN,
        }
    }
}

/// Draws the frames of one validated animation with FIXED axes (fitted once to all frames and
/// the target) and colours from the first frame.
pub struct AnimationRenderer<'a> {
    animation: &'a Animation,
    look: LookOptions,
    viewport: Viewport,
    colors: Vec<[u8; 3]>,
    style: FrameStyle,
}

impl<'a> AnimationRenderer<'a> {
    /// Validates `animation` and the size, fits the axes and picks the colours.
    pub fn new(animation: &'a Animation, look: LookOptions) -> Result<Self, RenderError> {
        check_size(look.size_px)?;
        animation.validate()?;
        let viewport = Viewport::fit(
            animation
                .frames
                .iter()
                .map(Vec::as_slice)
                .chain([animation.target.as_slice()]),
            look.margin,
        );
        let colors = colors_by_start(&animation.frames[0]);
        let mut style = FrameStyle::for_size(look.size_px, animation.frames[0].len());
        if let Some(radius) = look
            .particle_radius_px
            .filter(|r| r.is_finite() && *r > 0.0)
        {
            style.particle_radius_px = radius;
        }
        // One caption size for the whole animation: the size at which the longest caption fits.
        style.caption_scale = (0..animation.frames.len())
            .map(|index| caption_scale(&animation.caption(index), &style))
            .min()
            .unwrap_or(style.text_scale);
        Ok(Self {
            animation,
            look,
            viewport,
            colors,
            style,
        })
    }

    /// The fixed axes.
    pub fn viewport(&self) -> &Viewport {
        &self.viewport
    }

    /// The particle colours (by starting position).
    pub fn colors(&self) -> &[[u8; 3]] {
        &self.colors
    }

    /// The drawing style.
    pub fn style(&self) -> &FrameStyle {
        &self.style
    }

    /// Number of frames.
    pub fn frame_count(&self) -> usize {
        self.animation.frames.len()
    }

    /// Draws frame `index` (errors when it is out of range).
    pub fn render(&self, index: usize) -> Result<Pixmap, RenderError> {
        let animation = self.animation;
        let particles = animation
            .frames
            .get(index)
            .ok_or(RenderError::FrameOutOfRange {
                index,
                count: animation.frames.len(),
            })?;
        let trail_start = index.saturating_sub(self.look.trails);
        let last = animation.frames.len() - 1;
        let scene = FrameScene {
            particles,
            colors: &self.colors,
            trails: animation.frames[trail_start..index]
                .iter()
                .map(Vec::as_slice)
                .collect(),
            target: if self.look.show_target {
                &animation.target
            } else {
                &[]
            },
            arrows: animation
                .arrows
                .get(index)
                .filter(|a| self.look.arrows && !a.is_empty())
                .map(Vec::as_slice),
            caption: animation.caption(index),
            progress: Some(FrameProgress {
                fraction: if last == 0 {
                    1.0
                } else {
                    index as f64 / last as f64
                },
                marker: animation
                    .phase_boundary
                    .filter(|_| last > 0)
                    .map(|b| b as f64 / last as f64),
            }),
        };
        render_frame(&scene, &self.viewport, &self.style)
    }
}
