//! Looping GIF export: frames drawn, palette-indexed and LZW-compressed in parallel (rayon) in
//! bounded chunks, written in order with one global palette, into a temporary file next to the
//! destination that is renamed into place only when everything succeeded.

use super::RenderError;
use super::animation::{Animation, AnimationRenderer, LookOptions};
use super::palette::GlobalPalette;
use crate::files::TemporaryFile;
use rayon::prelude::*;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use web_time::Instant;

/// Allowed frame rates (GIF delays are whole hundredths of a second).
pub(crate) const FPS_RANGE: std::ops::RangeInclusive<u32> = 1..=50;
/// The longest allowed hold on the last frame, in milliseconds.
pub(crate) const MAX_HOLD_MS: u32 = 60_000;

/// How a GIF is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GifOptions {
    /// How the frames look (size, trails, arrows, target).
    pub look: LookOptions,
    /// Frames per second, in 1..=50; each frame shows for `round(100 / fps)` hundredths.
    pub fps: u32,
    /// Extra time the last frame stays before the loop restarts, in ms (≤ 60 000).
    pub hold_last_ms: u32,
    /// Frames drawn and encoded at a time (bounds memory; at least 1).
    pub chunk_frames: usize,
}

impl Default for GifOptions {
    fn default() -> Self {
        Self {
            look: LookOptions::default(),
            fps: 20,
            hold_last_ms: 1000,
            chunk_frames: 16,
        }
    }
}

impl GifOptions {
    /// Delay of every frame but the last, in hundredths of a second.
    fn frame_delay_cs(&self) -> u16 {
        (100.0 / f64::from(self.fps.max(1))).round().max(1.0) as u16
    }

    /// Delay of the last frame: one frame delay plus the hold, in hundredths of a second.
    fn last_frame_delay_cs(&self) -> u16 {
        let hold_cs = (f64::from(self.hold_last_ms) / 10.0).round() as u16;
        self.frame_delay_cs().saturating_add(hold_cs)
    }

    /// Checks the frame rate and the hold (the size is checked when drawing starts).
    pub(crate) fn validate(&self) -> Result<(), RenderError> {
        if !FPS_RANGE.contains(&self.fps) {
            return Err(RenderError::InvalidFps {
                fps: self.fps,
                min: *FPS_RANGE.start(),
                max: *FPS_RANGE.end(),
            });
        }
        if self.hold_last_ms > MAX_HOLD_MS {
            return Err(RenderError::InvalidHold {
                hold_ms: self.hold_last_ms,
                max: MAX_HOLD_MS,
            });
        }
        Ok(())
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct GifReport {
    /// The GIF file.
    pub path: PathBuf,
    /// Frames written (one per animation frame; the last one held longer).
    pub frames: usize,
    /// Side of the square images in pixels.
    pub size_px: u32,
    /// File size in bytes.
    pub bytes: u64,
    /// Delay of every frame but the last, in hundredths of a second.
    pub frame_delay_cs: u16,
    /// Delay of the last frame (including the hold), in hundredths of a second.
    pub last_frame_delay_cs: u16,
    /// Wall-clock seconds of drawing, encoding and writing.
    pub seconds: f64,
}

/// Writes `animation` as an infinitely looping GIF at `path`. Calls `progress(done, total)` after
/// every chunk of frames; stops with [`RenderError::Cancelled`] when `cancel` becomes true. On any
/// error nothing is left at `path` (an existing file there is untouched) and no temporary file
/// remains.
pub fn export_gif(
    path: &Path,
    animation: &Animation,
    options: &GifOptions,
    progress: &mut dyn FnMut(usize, usize),
    cancel: Option<&AtomicBool>,
) -> Result<GifReport, RenderError> {
    let mut exporter = GifExporter::new(path, animation, options)?;
    progress(0, exporter.total_frames());
    loop {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(RenderError::Cancelled);
        }
        let report = exporter.step()?;
        progress(exporter.frames_done(), exporter.total_frames());
        if let Some(report) = report {
            return Ok(report);
        }
    }
}

/// A GIF export advanced one chunk of frames at a time (so a job can report progress and be
/// cancelled between chunks). Dropping an unfinished exporter removes its temporary file and
/// leaves the destination untouched.
pub struct GifExporter {
    path: PathBuf,
    renderer: AnimationRenderer,
    options: GifOptions,
    palette: &'static GlobalPalette,
    side: u16,
    encoder: Option<gif::Encoder<Sink>>,
    temporary: Option<TemporaryFile>,
    frames_done: usize,
    started: Instant,
    /// In-memory exports: the finished GIF, until [`GifExporter::take_bytes`].
    finished_bytes: Option<Vec<u8>>,
}

/// Where the encoder writes: the temporary file beside the destination, or memory (the browser
/// downloads the bytes).
enum Sink {
    File(BufWriter<File>),
    Memory(Vec<u8>),
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(file) => file.write(bytes),
            Sink::Memory(memory) => memory.write(bytes),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(file) => file.flush(),
            Sink::Memory(_) => Ok(()),
        }
    }
}

impl GifExporter {
    /// An export into memory (`path` only names it in messages and reports); after the last
    /// step, [`GifExporter::take_bytes`] hands out the GIF.
    pub fn in_memory(
        path: &Path,
        animation: &Animation,
        options: &GifOptions,
    ) -> Result<Self, RenderError> {
        Self::with_sink(path, animation, options, None)
    }

    /// The finished GIF of an in-memory export (None before the last step, or for a file).
    pub fn take_bytes(&mut self) -> Option<Vec<u8>> {
        self.finished_bytes.take()
    }

    /// Checks the options and the animation and opens the temporary file beside `path`.
    pub(crate) fn new(
        path: &Path,
        animation: &Animation,
        options: &GifOptions,
    ) -> Result<Self, RenderError> {
        let io_error = |source: std::io::Error| RenderError::Io {
            path: path.display().to_string(),
            source,
        };
        if path.is_dir() {
            return Err(io_error(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory",
            )));
        }
        options.validate()?;
        let temporary = TemporaryFile::create_beside(path).map_err(io_error)?;
        Self::with_sink(path, animation, options, Some(temporary))
    }

    /// The exporter writing into `temporary` (None: into memory).
    fn with_sink(
        path: &Path,
        animation: &Animation,
        options: &GifOptions,
        temporary: Option<TemporaryFile>,
    ) -> Result<Self, RenderError> {
        let started = Instant::now();
        options.validate()?;
        let renderer = AnimationRenderer::new(animation, options.look)?;
        let pixels = u64::from(options.look.size_px).pow(2);
        crate::limits::check_u64(
            "GIF frames × pixels",
            (animation.frame_count() as u64).saturating_mul(pixels),
            crate::limits::MAX_GIF_PIXELS,
            1,
        )?;
        let io_error = |source: std::io::Error| RenderError::Io {
            path: path.display().to_string(),
            source,
        };
        let sink = match &temporary {
            Some(temporary) => Sink::File(BufWriter::new(
                temporary.file.try_clone().map_err(io_error)?,
            )),
            None => Sink::Memory(Vec::new()),
        };
        let size = options.look.size_px;
        let side = u16::try_from(size).map_err(|_| RenderError::InvalidSize {
            size,
            min: *super::raster::SIZE_RANGE.start(),
            max: *super::raster::SIZE_RANGE.end(),
        })?;
        let palette = GlobalPalette::shared();
        let encode_error = |source| RenderError::Encode {
            path: path.display().to_string(),
            source,
        };
        let mut encoder =
            gif::Encoder::new(sink, side, side, &palette.rgb_bytes()).map_err(encode_error)?;
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .map_err(encode_error)?;
        Ok(Self {
            path: path.to_path_buf(),
            renderer,
            options: *options,
            palette,
            side,
            encoder: Some(encoder),
            temporary,
            frames_done: 0,
            started,
            finished_bytes: None,
        })
    }

    /// Frames in the animation.
    pub(crate) fn total_frames(&self) -> usize {
        self.renderer.frame_count()
    }

    /// Frames written so far.
    pub(crate) fn frames_done(&self) -> usize {
        self.frames_done
    }

    /// Draws and writes the next chunk of frames (in parallel); after the last chunk, moves the
    /// file into place and returns the report.
    pub fn step(&mut self) -> Result<Option<GifReport>, RenderError> {
        let total = self.total_frames();
        let Some(encoder) = self.encoder.as_mut() else {
            return Err(RenderError::NoFrames);
        };
        let path = &self.path;
        let encode_error = |source| RenderError::Encode {
            path: path.display().to_string(),
            source,
        };
        let chunk_start = self.frames_done;
        let chunk_end = (chunk_start + self.options.chunk_frames.max(1)).min(total);
        let (renderer, options, palette, side) =
            (&self.renderer, &self.options, self.palette, self.side);
        let last_index = total - 1;
        let frames: Vec<gif::Frame<'static>> = (chunk_start..chunk_end)
            .into_par_iter()
            .map(|index| {
                let pixmap = renderer.render(index)?;
                let mut frame = gif::Frame {
                    width: side,
                    height: side,
                    delay: if index == last_index {
                        options.last_frame_delay_cs()
                    } else {
                        options.frame_delay_cs()
                    },
                    buffer: Cow::Owned(palette.index_rgba(pixmap.data())),
                    ..gif::Frame::default()
                };
                frame.make_lzw_pre_encoded();
                Ok(frame)
            })
            .collect::<Result<_, RenderError>>()?;
        for frame in &frames {
            encoder
                .write_lzw_pre_encoded_frame(frame)
                .map_err(encode_error)?;
        }
        self.frames_done = chunk_end;
        if chunk_end < total {
            return Ok(None);
        }
        self.finish().map(Some)
    }

    fn finish(&mut self) -> Result<GifReport, RenderError> {
        let io_error = |source| RenderError::Io {
            path: self.path.display().to_string(),
            source,
        };
        let Some(encoder) = self.encoder.take() else {
            return Err(RenderError::NoFrames);
        };
        let mut writer = encoder.into_inner().map_err(|source| RenderError::Encode {
            path: self.path.display().to_string(),
            source,
        })?;
        writer.flush().map_err(io_error)?;
        let bytes = match (writer, self.temporary.take()) {
            (Sink::Memory(memory), _) => {
                let size = memory.len() as u64;
                self.finished_bytes = Some(memory);
                size
            }
            (Sink::File(file), Some(temporary)) => {
                drop(file);
                temporary.commit(&self.path).map_err(io_error)?
            }
            (Sink::File(_), None) => return Err(RenderError::NoFrames),
        };
        Ok(GifReport {
            path: self.path.clone(),
            frames: self.total_frames(),
            size_px: self.options.look.size_px,
            bytes,
            frame_delay_cs: self.options.frame_delay_cs(),
            last_frame_delay_cs: self.options.last_frame_delay_cs(),
            seconds: self.started.elapsed().as_secs_f64(),
        })
    }
}
