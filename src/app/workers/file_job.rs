//! File dialogs, loading, saving and exports other than the GIF.

use super::super::jobs::{FileOp, FileRequest, WorkerEvent};
use super::super::state::DialogPurpose;
use super::EventSender;
use crate::flow::Trajectory;
use crate::job::{Job, JobError, Progress};
use crate::model::TrainedModel;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A file dialog and what follows it, in one step.
pub(crate) struct FileJob {
    pub(super) request: Option<FileRequest>,
    pub(super) sender: EventSender,
}

impl Job<()> for FileJob {
    fn name(&self) -> &'static str {
        "file"
    }

    fn step(&mut self, _context: &mut (), _budget: Duration) -> Progress {
        if let Some(request) = self.request.take() {
            // In the browser a load without a path asks through the browser's file picker,
            // which answers asynchronously.
            #[cfg(target_arch = "wasm32")]
            if request.path().is_none() && !request.purpose().saves() {
                pick_and_load_web(request.purpose(), self.sender.clone());
                return Progress::Finished;
            }
            self.sender.send(run_file_request(request));
        }
        Progress::Finished
    }

    fn stop(&mut self, reason: JobError) {
        let op = self
            .request
            .take()
            .map_or(FileOp::Purpose(DialogPurpose::LoadPoints), |request| {
                request.op()
            });
        self.sender
            .send(WorkerEvent::FileFailed { op, error: reason });
    }
}

/// A native dialog that returns in less than this found no portal to ask: no person cancels a
/// dialog that fast.
#[cfg(not(target_arch = "wasm32"))]
const NATIVE_DIALOG_GAVE_UP: Duration = Duration::from_millis(400);

/// In the browser: the browser's file picker (rfd's asynchronous dialog) for `purpose`, then the
/// chosen file loaded like a dropped one; the event goes to `sender` when the person answers.
#[cfg(target_arch = "wasm32")]
fn pick_and_load_web(purpose: DialogPurpose, sender: EventSender) {
    wasm_bindgen_futures::spawn_local(async move {
        let picked = rfd::AsyncFileDialog::new()
            .add_filter(purpose.kind_name(), purpose.extensions())
            .set_title(purpose.title())
            .pick_file()
            .await;
        let event = match picked {
            None => WorkerEvent::DialogCancelled,
            Some(handle) => {
                let name = PathBuf::from(handle.file_name());
                let bytes = handle.read().await;
                open_dropped_bytes(&bytes, &name).unwrap_or_else(|error| WorkerEvent::FileFailed {
                    op: FileOp::OpenDropped,
                    error,
                })
            }
        };
        sender.send(event);
    });
}

/// In the browser there is no blocking native dialog: saves become downloads and loads use the
/// browser's picker (both before this is reached).
#[cfg(target_arch = "wasm32")]
pub(crate) fn native_dialog(purpose: DialogPurpose) -> Result<PathBuf, Box<WorkerEvent>> {
    let message = if purpose.saves() {
        format!(
            "{}: not available in the browser yet (scenes, models, CSV, PNG frames and the \
             digits' GIF download)",
            purpose.title()
        )
    } else {
        format!(
            "{}: in the browser, drop the file on the page to load it",
            purpose.title()
        )
    };
    Err(Box::new(WorkerEvent::Notice { message }))
}

/// Runs a native (rfd) dialog for `purpose`: the chosen path, or the event to send instead
/// (cancelled, or no dialog at all: the in-app dialog takes over).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn native_dialog(purpose: DialogPurpose) -> Result<PathBuf, Box<WorkerEvent>> {
    let dialog = rfd::FileDialog::new()
        .add_filter(purpose.kind_name(), purpose.extensions())
        .set_title(purpose.title());
    let started = web_time::Instant::now();
    let chosen = if purpose.saves() {
        dialog
            .set_file_name(purpose.default_file_name())
            .save_file()
    } else {
        dialog.pick_file()
    };
    match chosen {
        Some(path) => Ok(path),
        None if started.elapsed() < NATIVE_DIALOG_GAVE_UP => {
            Err(Box::new(WorkerEvent::NativeDialogUnavailable { purpose }))
        }
        None => Err(Box::new(WorkerEvent::DialogCancelled)),
    }
}

/// Runs one file request on the calling thread (a native dialog first, where it has no path)
/// and returns the event it ends with (the files worker, tests and tools).
pub fn run_file_request(request: FileRequest) -> WorkerEvent {
    let op = request.op();
    // In the browser a save without a path is a download.
    if cfg!(target_arch = "wasm32") && request.path().is_none() && request.purpose().saves() {
        return match download_bytes(request) {
            Ok((name, bytes)) => {
                let size = bytes.len();
                match super::super::platform::download(&name, bytes) {
                    Ok(()) => WorkerEvent::Saved {
                        message: format!("downloaded {name} ({size} bytes)"),
                    },
                    Err(reason) => WorkerEvent::FileFailed {
                        op,
                        error: JobError::Browser(format!("refused the download: {reason}")),
                    },
                }
            }
            Err(error) => WorkerEvent::FileFailed { op, error },
        };
    }
    let path = match request.path() {
        Some(path) => path.clone(),
        None => match native_dialog(request.purpose()) {
            Ok(path) => path,
            Err(event) => return *event,
        },
    };
    match carry_out(request, &path) {
        Ok(event) => event,
        Err(error) => WorkerEvent::FileFailed { op, error },
    }
}

/// What a save request writes, in memory, with the file name a download proposes.
pub fn download_bytes(request: FileRequest) -> Result<(String, Vec<u8>), JobError> {
    let name = request.purpose().default_file_name().to_string();
    let bytes = match request {
        FileRequest::SavePoints { points, .. } => {
            let mut out = Vec::new();
            crate::data::csv_points::write_points(&mut out, &points).map_err(|source| {
                JobError::from(crate::data::DataError::Unwritable {
                    path: name.clone(),
                    source,
                })
            })?;
            out
        }
        FileRequest::SaveModel { model, .. } => model.to_json()?.into_bytes(),
        FileRequest::SaveScene { scene, .. } => scene.to_json().into_bytes(),
        FileRequest::SavePng {
            animation,
            look,
            frame,
            ..
        } => frame_png(&animation, look, frame, &name)?,
        FileRequest::ExportDigitsGif { trajectory, .. } => {
            crate::render::image_grid::grid_gif_bytes(
                &trajectory,
                crate::render::image_grid::GridLayout::default(),
                super::super::state::view::wide_ui::GRID_GIF_FPS,
            )?
            .0
        }
        FileRequest::LoadPoints(_)
        | FileRequest::LoadPicture(_)
        | FileRequest::LoadModel(_)
        | FileRequest::OpenScene(_)
        | FileRequest::OpenDropped(_) => {
            return Err(JobError::Browser(
                "cannot download a load: pick or drop the file instead".into(),
            ));
        }
    };
    Ok((name, bytes))
}

/// Frame `frame` of `animation` drawn with `look`, as PNG bytes; errors name `destination`.
fn frame_png(
    animation: &crate::render::Animation,
    look: crate::render::LookOptions,
    frame: usize,
    destination: &str,
) -> Result<Vec<u8>, JobError> {
    let image = match animation.trajectory.frame(frame) {
        Some(shown) if shown.positions.dim() != 2 => grid_png(&animation.trajectory, frame)?,
        _ => crate::render::AnimationRenderer::new(animation, look)?.render(frame)?,
    };
    image.encode_png().map_err(|error| {
        JobError::from(crate::render::RenderError::Io {
            path: destination.to_string(),
            source: std::io::Error::other(error.to_string()),
        })
    })
}

/// Frame `frame` of a flow of 8×8 images as a grid of its first 64 images.
fn grid_png(trajectory: &Trajectory, frame: usize) -> Result<tiny_skia::Pixmap, JobError> {
    use crate::render::image_grid::{GridLayout, frame_caption, render_grid};
    let positions = crate::render::image_grid::first_images(&trajectory.frames()[frame].positions);
    let invalid =
        |reason: &str| JobError::from(crate::render::RenderError::InvalidFigure(reason.into()));
    let (width, height, grey) = render_grid(
        &positions,
        &frame_caption(trajectory, frame),
        GridLayout::default(),
    )
    .ok_or_else(|| invalid("the frame's points are not 8×8 images"))?;
    crate::render::image_grid::grey_pixmap(width, height, &grey)
        .ok_or_else(|| invalid("the grid is too large"))
}

/// Reads or writes `path` for `request`.
fn carry_out(request: FileRequest, path: &Path) -> Result<WorkerEvent, JobError> {
    let path_buf = path.to_path_buf();
    Ok(match request {
        FileRequest::LoadPoints(_) => WorkerEvent::PointsLoaded {
            label: path.display().to_string(),
            points: crate::data::csv_points::read_points(path)?,
        },
        FileRequest::SavePoints { points, .. } => {
            crate::data::csv_points::save_points(path, &points)?;
            WorkerEvent::Saved {
                message: format!("saved {} points to {}", points.len(), path.display()),
            }
        }
        FileRequest::LoadModel(_) => WorkerEvent::ModelLoaded {
            model: Box::new(TrainedModel::load(path)?),
            path: path_buf,
        },
        FileRequest::SaveModel { model, .. } => {
            model.save(path)?;
            WorkerEvent::Saved {
                message: format!("saved the model to {}", path.display()),
            }
        }
        FileRequest::SaveScene { scene, .. } => {
            scene.save(path)?;
            WorkerEvent::Saved {
                message: format!("saved the scene to {}", path.display()),
            }
        }
        FileRequest::OpenScene(_) => WorkerEvent::SceneOpened {
            scene: Box::new(crate::scene::Scene::load(path)?),
            path: path_buf,
        },
        FileRequest::OpenDropped(_) => open_dropped(path)?,
        FileRequest::LoadPicture(_) => WorkerEvent::PictureLoaded {
            mass: Box::new(crate::data::PictureMass::read(path)?),
        },
        FileRequest::SavePng {
            animation,
            look,
            frame,
            ..
        } => {
            let bytes = frame_png(&animation, look, frame, &path.display().to_string())?;
            crate::files::write_atomically(path, |out| std::io::Write::write_all(out, &bytes))
                .map_err(|source| {
                    JobError::from(crate::render::RenderError::Io {
                        path: path.display().to_string(),
                        source,
                    })
                })?;
            WorkerEvent::Saved {
                message: format!(
                    "saved frame {frame} ({} px) to {}",
                    look.size_px,
                    path.display()
                ),
            }
        }
        FileRequest::ExportDigitsGif { trajectory, .. } => {
            let frames = crate::render::image_grid::export_grid_gif(
                &trajectory,
                path,
                crate::render::image_grid::GridLayout::default(),
                super::super::state::view::wide_ui::GRID_GIF_FPS,
            )?;
            WorkerEvent::Saved {
                message: format!("wrote {frames} frames of digits to {}", path.display()),
            }
        }
    })
}

/// A dropped file, told apart by its content: a PNG, JPEG or WebP picture becomes the target,
/// JSON with `networks` is a model, JSON with a `target` a scene, anything else is read as CSV
/// points.
fn open_dropped(path: &Path) -> Result<WorkerEvent, JobError> {
    let bytes = std::fs::read(path).map_err(|source| {
        JobError::from(crate::scene::SceneError::Io {
            action: "read",
            path: path.display().to_string(),
            source,
        })
    })?;
    open_dropped_bytes(&bytes, path)
}

/// A dropped or picked file's `bytes` (from `path`, or a browser's file name), told apart by
/// their content: a picture by its first bytes, else text as [`open_dropped_text`] reads it.
pub fn open_dropped_bytes(bytes: &[u8], path: &Path) -> Result<WorkerEvent, JobError> {
    if image::guess_format(bytes).is_ok() {
        return Ok(WorkerEvent::PictureLoaded {
            mass: Box::new(crate::data::PictureMass::decode(
                bytes,
                &path.display().to_string(),
            )?),
        });
    }
    open_dropped_text(&String::from_utf8_lossy(bytes), path)
}

/// A dropped file's `text` (from `path`, or a browser's file name), told apart by its content.
pub fn open_dropped_text(text: &str, path: &Path) -> Result<WorkerEvent, JobError> {
    let json = serde_json::from_str::<serde_json::Value>(text).ok();
    let path_buf = path.to_path_buf();
    Ok(match json {
        Some(value) if value.get("networks").is_some() => WorkerEvent::ModelLoaded {
            model: Box::new(TrainedModel::from_json(text, path)?),
            path: path_buf,
        },
        Some(value) if value.get("target").is_some() || value.get("format_version").is_some() => {
            WorkerEvent::SceneOpened {
                scene: Box::new(crate::scene::Scene::from_json(text, path)?),
                path: path_buf,
            }
        }
        _ => WorkerEvent::PointsLoaded {
            label: path.display().to_string(),
            points: crate::data::csv_points::parse_points(text, &path.display().to_string())?,
        },
    })
}
