//! Offscreen rendering of flows with tiny-skia (no window, no GPU) and looping GIF export with the
//! gif crate. The app and the CLI share [`export_gif`] and [`colors_by_start`].
//!
//! - [`colors`]: particle colours by starting position, on a fixed quantised colour map.
//! - `viewport`: fixed square axes for a whole animation.
//! - `scene` / `raster`: one frame as plain data, drawn into a pixmap.
//! - `animation`: the frames of a flow and the renderer that draws any of them.
//! - `gif_export`: parallel, chunked, palette-stable GIF encoding into a temp file + rename,
//!   one chunk per [`GifExporter::step`].

pub(crate) mod animation;
pub mod colors;
pub(crate) mod figure;
mod gif_export;
pub mod image_grid;
pub mod palette;
pub mod pca;
pub(crate) mod raster;
mod scene;
pub mod text;
mod viewport;

pub use animation::{Animation, AnimationRenderer, LookOptions};
pub use colors::colors_by_start;
pub use figure::{DEFAULT_TIMES, Figure};
pub use gif_export::{GifExporter, GifOptions, GifReport, export_gif};
pub use raster::{SIZE_RANGE, render_frame};
pub use scene::{FrameProgress, FrameScene, FrameStyle};
pub use viewport::Viewport;

/// Errors of drawing and exporting; every message names the value, frame or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// An image side outside the allowed range.
    #[error("image size {size} px is outside the allowed range {min}..={max} px")]
    InvalidSize {
        /// The requested side.
        size: u32,
        /// Smallest allowed side.
        min: u32,
        /// Largest allowed side.
        max: u32,
    },
    /// A frame rate outside the allowed range.
    #[error("frame rate {fps} fps is outside the allowed range {min}..={max} fps")]
    InvalidFps {
        /// The requested rate.
        fps: u32,
        /// Lowest allowed rate.
        min: u32,
        /// Highest allowed rate.
        max: u32,
    },
    /// A hold on the last frame that is too long.
    #[error("hold on the last frame {hold_ms} ms is longer than the allowed {max} ms")]
    InvalidHold {
        /// The requested hold.
        hold_ms: u32,
        /// Longest allowed hold.
        max: u32,
    },
    /// An animation with no frames.
    #[error("the animation has no frames")]
    NoFrames,
    /// An animation whose frames hold no particles.
    #[error("the animation's frames hold no particles")]
    NoParticles,
    /// Two lengths that must agree do not.
    #[error("{what}: {len} given, {expected} expected")]
    LengthMismatch {
        /// What has the wrong length.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The length it must have.
        expected: usize,
    },
    /// A NaN or infinite coordinate.
    #[error("{what} holds a non-finite coordinate at index {index}")]
    NonFinite {
        /// Where ("frame 3", "the target samples").
        what: String,
        /// Index of the point.
        index: usize,
    },
    /// A frame index past the end.
    #[error("frame {index} does not exist (the animation has {count} frames)")]
    FrameOutOfRange {
        /// The requested frame.
        index: usize,
        /// Frames in the animation.
        count: usize,
    },
    /// The file could not be created, written or renamed into place.
    #[error("cannot write {path}")]
    Io {
        /// The destination file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The GIF encoder failed.
    #[error("cannot write {path}")]
    Encode {
        /// The destination file.
        path: String,
        /// The encoder's error.
        #[source]
        source: gif::EncodingError,
    },
    /// A size beyond its limit.
    #[error(transparent)]
    TooLarge(#[from] crate::limits::LimitError),
    /// The export was cancelled.
    #[error("GIF export cancelled")]
    Cancelled,
    /// Figure options out of range.
    #[error("{0}")]
    InvalidFigure(String),
}
