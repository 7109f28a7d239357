//! A whole animation of a flow (a shared [`Trajectory`] plus title, target and captions) and the
//! renderer that draws any one of its frames with fixed axes and stable colours.

use super::RenderError;
use super::colors::colors_by_start;
use super::raster::{caption_scale, check_size, render_frame};
use super::scene::{FrameProgress, FrameScene, FrameStyle};
use super::viewport::Viewport;
use crate::flow::{Frame, PointCloud, Trajectory};
use tiny_skia::Pixmap;

/// Fraction of the image left empty on each side around the fitted points.
pub(crate) const DEFAULT_MARGIN: f64 = 0.1;

/// A flow to draw, one image per frame: a [`Trajectory`] (shared, not copied) with a title, the
/// target samples drawn underneath, and optional per-frame captions.
#[derive(Debug, Clone, PartialEq)]
pub struct Animation {
    /// The first caption line, e.g. "gaussian -> moons" (empty: none).
    pub title: String,
    /// The flow: its frames, times, velocities (the arrows are `step_size · v`), kind and
    /// phase boundary.
    pub trajectory: Trajectory,
    /// Target samples drawn in grey underneath (may be empty).
    pub target: PointCloud,
    /// Per-frame captions replacing the generated ones (one per frame), or empty.
    pub labels: Vec<String>,
}

impl Animation {
    /// An animation of `trajectory` with the `target` samples underneath.
    pub fn new(
        title: impl Into<String>,
        trajectory: Trajectory,
        target: impl Into<PointCloud>,
    ) -> Self {
        Self {
            title: title.into(),
            trajectory,
            target: target.into(),
            labels: Vec::new(),
        }
    }

    /// The number of frames.
    pub fn frame_count(&self) -> usize {
        self.trajectory.len()
    }

    /// The caption of frame `index`: the label if one is given, else the title, then the kind,
    /// step and time (NSGF++: "step" until the phase boundary, then "straight" with s).
    pub fn caption(&self, index: usize) -> String {
        if let Some(label) = self.labels.get(index) {
            return label.clone();
        }
        let last = self.frame_count().saturating_sub(1);
        let time = |name: &str| {
            self.trajectory
                .frame(index)
                .map(|frame| format!(" {name}={:.2}", frame.t))
                .unwrap_or_default()
        };
        let second_line = match self.trajectory.boundary_frame() {
            Some(boundary) if index >= boundary => format!(
                "straight {}/{}{}",
                index - boundary,
                last - boundary.min(last),
                time("s")
            ),
            Some(boundary) => format!(
                "{} step {index}/{boundary}{}",
                self.trajectory.kind(),
                time("t")
            ),
            None => format!(
                "{} step {index}/{last}{}",
                self.trajectory.kind(),
                time("t")
            ),
        };
        if self.title.is_empty() {
            second_line
        } else {
            format!("{}\n{second_line}", self.title)
        }
    }

    /// Checks the animation can be drawn: at least one frame, frames of equal non-zero length,
    /// finite coordinates, times and arrows, and `labels` either empty or one per frame.
    pub fn validate(&self) -> Result<(), RenderError> {
        let frames = self.trajectory.frames();
        let Some(first) = frames.first() else {
            return Err(RenderError::NoFrames);
        };
        if first.is_empty() {
            return Err(RenderError::NoParticles);
        }
        if !self.labels.is_empty() && self.labels.len() != frames.len() {
            return Err(RenderError::LengthMismatch {
                what: "labels",
                len: self.labels.len(),
                expected: frames.len(),
            });
        }
        for (frame_index, frame) in frames.iter().enumerate() {
            if frame.len() != first.len() {
                return Err(RenderError::LengthMismatch {
                    what: "particles in a later frame",
                    len: frame.len(),
                    expected: first.len(),
                });
            }
            check_finite(&frame.positions, || format!("frame {frame_index}"))?;
            if !frame.t.is_finite() {
                return Err(RenderError::NonFinite {
                    what: format!("the time of frame {frame_index}"),
                    index: 0,
                });
            }
            if let Some(velocities) = &frame.velocities {
                if velocities.len() != first.len() {
                    return Err(RenderError::LengthMismatch {
                        what: "arrows in a frame",
                        len: velocities.len(),
                        expected: first.len(),
                    });
                }
                check_finite(velocities, || format!("the arrows of frame {frame_index}"))?;
            }
        }
        check_finite(&self.target, || "the target samples".to_string())
    }
}

/// Errors at the first non-finite coordinate of `points`, naming `what()` and the index.
fn check_finite(points: &PointCloud, what: impl Fn() -> String) -> Result<(), RenderError> {
    match points.first_non_finite() {
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
pub struct AnimationRenderer {
    animation: Animation,
    look: LookOptions,
    viewport: Viewport,
    colors: Vec<[u8; 3]>,
    style: FrameStyle,
}

impl AnimationRenderer {
    /// Validates `animation` and the size, fits the axes and picks the colours (the renderer
    /// keeps a clone of the animation, which shares its frames).
    pub fn new(animation: &Animation, look: LookOptions) -> Result<Self, RenderError> {
        check_size(look.size_px)?;
        animation.validate()?;
        let frames = animation.trajectory.frames();
        let viewport = Viewport::fit(
            frames
                .iter()
                .map(Frame::points)
                .chain([animation.target.points()]),
            look.margin,
        );
        let colors = colors_by_start(frames[0].points());
        let mut style = FrameStyle::for_size(look.size_px, frames[0].len());
        if let Some(radius) = look
            .particle_radius_px
            .filter(|r| r.is_finite() && *r > 0.0)
        {
            style.particle_radius_px = radius;
        }
        // One caption size for the whole animation: the size at which the longest caption fits.
        style.caption_scale = (0..animation.frame_count())
            .map(|index| caption_scale(&animation.caption(index), &style))
            .min()
            .unwrap_or(style.text_scale);
        Ok(Self {
            animation: animation.clone(),
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
    pub(crate) fn style(&self) -> &FrameStyle {
        &self.style
    }

    /// Number of frames.
    pub(crate) fn frame_count(&self) -> usize {
        self.animation.frame_count()
    }

    /// Draws frame `index` (errors when it is out of range).
    pub fn render(&self, index: usize) -> Result<Pixmap, RenderError> {
        self.with_scene(index, |scene| {
            render_frame(scene, &self.viewport, &self.style)
        })?
    }

    /// Calls `draw` with the description of frame `index` that [`AnimationRenderer::render`]
    /// draws (the SVG figure writes the same one).
    pub(crate) fn with_scene<R>(
        &self,
        index: usize,
        draw: impl FnOnce(&FrameScene<'_>) -> R,
    ) -> Result<R, RenderError> {
        let animation = &self.animation;
        let frames = animation.trajectory.frames();
        let frame = frames.get(index).ok_or(RenderError::FrameOutOfRange {
            index,
            count: frames.len(),
        })?;
        let trail_start = index.saturating_sub(self.look.trails);
        let last = frames.len() - 1;
        let arrows = if self.look.arrows {
            frame.displacements()
        } else {
            None
        };
        let scene = FrameScene {
            particles: frame.points(),
            colors: &self.colors,
            trails: frames[trail_start..index]
                .iter()
                .map(Frame::points)
                .collect(),
            target: if self.look.show_target {
                animation.target.points()
            } else {
                &[]
            },
            arrows: arrows.as_deref(),
            caption: animation.caption(index),
            progress: Some(FrameProgress {
                fraction: if last == 0 {
                    1.0
                } else {
                    index as f64 / last as f64
                },
                marker: animation
                    .trajectory
                    .boundary_frame()
                    .filter(|_| last > 0)
                    .map(|b| b as f64 / last as f64),
            }),
        };
        Ok(draw(&scene))
    }
}
