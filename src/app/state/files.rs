//! Files, export and scenes: what the file commands ask of the file worker, the scene the state makes and opens, the GIF and PNG exports of the shown flow, and the files' events.

use super::dialogs::{DialogKind, DialogPurpose};
use super::inputs::{MAX_PARTICLES, SourceChoice, TargetChoice};
use super::training::TrainCommand;
use super::view::{FlowView, ViewCommand};
use super::{AppState, DRAWN_LABEL, FileCommand};
use crate::app::jobs::{FileOp, FileRequest, GifRequest, Request, Run, WorkerEvent};
use crate::flow::{Frame, PointCloud, Trajectory};
use crate::job::JobError;
use crate::render::{Animation, LookOptions, SIZE_RANGE};
use crate::scene::{SCENE_FORMAT_VERSION, Scene, SceneTarget};
use std::path::PathBuf;
use std::sync::Arc;

impl AppState {
    /// The file worker's events: loaded points, pictures and scenes, saves, the GIF's
    /// progress, failures and dialogs.
    pub(super) fn on_file_event(&mut self, event: WorkerEvent) {
        match event {
            WorkerEvent::PointsLoaded { label, points } => {
                if points.is_empty() {
                    self.messages
                        .fail(format!("{label}: holds no points; the target is kept"));
                } else {
                    self.messages
                        .say(format!("loaded {} points from {label}", points.len()));
                    self.drawing.load(points);
                    self.drawn_target_changed();
                }
            }
            WorkerEvent::SceneOpened { path, scene } => self.open_scene(*scene, &path),
            WorkerEvent::PictureLoaded { mass } => {
                let label = mass.label.clone();
                match self.shapes.set_picture(*mass) {
                    Ok(()) => {
                        self.messages.say(format!("opened the picture {label}"));
                        self.settings.target = TargetChoice::Shape;
                        self.inputs_changed();
                    }
                    Err(error) => self
                        .messages
                        .fail(format!("{error}; the current target is kept")),
                }
            }
            WorkerEvent::Saved { message } => {
                self.gif.end();
                self.messages.say(message);
            }
            WorkerEvent::GifProgress(fraction) => self.gif.advance(fraction),
            WorkerEvent::FileFailed { op, error } => self.on_file_failed(op, &error),
            WorkerEvent::DialogCancelled => {
                self.gif.end();
                self.messages.say("no file chosen");
            }
            WorkerEvent::NativeDialogUnavailable { purpose } => {
                self.gif.end();
                self.dialogs.set_kind(DialogKind::InApp);
                self.dialogs.ask(purpose);
                self.messages.say(
                    "the desktop's file dialog did not answer (no xdg portal?): using the \
                     in-app file dialog from now on",
                );
            }
            // on_event routes no other kind here.
            _ => {}
        }
    }

    /// Carries out a file command. (Over 80 lines: one arm for every `FileCommand`.)
    pub(super) fn apply_file(&mut self, command: FileCommand) {
        match command {
            FileCommand::LoadPoints => self.ask_path(DialogPurpose::LoadPoints),
            FileCommand::LoadPicture => self.ask_path(DialogPurpose::LoadPicture),
            FileCommand::LoadPictureFrom(path) => {
                self.file_request(FileRequest::LoadPicture(Some(path)));
            }
            FileCommand::LoadPointsFrom(path) => {
                self.file_request(FileRequest::LoadPoints(Some(path)));
            }
            FileCommand::SavePoints | FileCommand::SavePointsTo(_)
                if self.drawing.drawn().is_empty() =>
            {
                self.messages
                    .fail("nothing to save: the drawn target is empty");
            }
            FileCommand::SavePoints => self.ask_path(DialogPurpose::SavePoints),
            FileCommand::SavePointsTo(path) => {
                let points = self.drawing.drawn().points().to_vec();
                self.file_request(FileRequest::SavePoints {
                    points,
                    path: Some(path),
                });
            }
            FileCommand::SaveModel | FileCommand::SaveModelTo(_)
                if self.training.model().is_none() =>
            {
                self.messages
                    .fail("no model to save: train or load one first");
            }
            FileCommand::SaveModel => self.ask_path(DialogPurpose::SaveModel),
            FileCommand::SaveModelTo(path) => {
                if let Some(model) = self.training.model() {
                    let model = Arc::clone(model);
                    self.file_request(FileRequest::SaveModel {
                        model,
                        path: Some(path),
                    });
                }
            }
            FileCommand::LoadModel => self.ask_path(DialogPurpose::LoadModel),
            FileCommand::LoadModelFile(path) => {
                self.file_request(FileRequest::LoadModel(Some(path)));
            }
            FileCommand::ExportGif => {
                if self.gif.running() {
                    self.messages.say("a GIF export is already running");
                } else {
                    self.ask_path(DialogPurpose::ExportGif);
                }
            }
            FileCommand::ExportGifTo(path) => self.export_gif(Some(path)),
            FileCommand::SavePng => {
                if self.shown_animation().is_some() {
                    self.ask_path(DialogPurpose::SavePng);
                } else {
                    self.messages
                        .fail("nothing to save yet: no frames recorded");
                }
            }
            FileCommand::SavePngTo(path) => self.save_png(Some(path)),
            FileCommand::SetPngSize(size) => {
                self.png_size = size.clamp(*SIZE_RANGE.start(), *SIZE_RANGE.end());
            }
            FileCommand::CancelGif => {
                if self.gif.cancel() {
                    self.messages.say("cancelling the GIF export…");
                }
            }
            FileCommand::SaveScene | FileCommand::SaveSceneTo(_)
                if matches!(self.settings.target, TargetChoice::Drawn)
                    && self.drawing.drawn().is_empty() =>
            {
                self.messages
                    .fail("nothing to save: the drawn target is empty");
            }
            FileCommand::SaveScene => self.ask_path(DialogPurpose::SaveScene),
            FileCommand::SaveSceneTo(path) => {
                let scene = Box::new(self.scene());
                self.file_request(FileRequest::SaveScene {
                    scene,
                    path: Some(path),
                });
            }
            FileCommand::OpenScene => self.ask_path(DialogPurpose::OpenScene),
            FileCommand::OpenSceneFrom(path) => {
                self.file_request(FileRequest::OpenScene(Some(path)));
            }
            FileCommand::OpenDropped(path) => self.file_request(FileRequest::OpenDropped(path)),
            FileCommand::ExportDigitsGif => {
                if self.wide_gif_trajectory().is_some() {
                    self.ask_path(DialogPurpose::ExportDigitsGif);
                } else {
                    self.messages
                        .fail("nothing to export yet: no frames of 8×8 images");
                }
            }
            FileCommand::ExportDigitsGifTo(path) => {
                if let Some(trajectory) = self.wide_gif_trajectory() {
                    self.file_request(FileRequest::ExportDigitsGif {
                        trajectory,
                        path: Some(path),
                    });
                }
            }
            FileCommand::SetDialogKind(kind) => self.dialogs.set_kind(kind),
            FileCommand::DialogCancelled => {
                if self.dialogs.close().is_some() {
                    self.messages.say("no file chosen");
                }
            }
        }
    }

    /// Asks for a path for `purpose`: the in-app dialog opens, or the native one runs on the
    /// files worker (a request without a path).
    pub(super) fn ask_path(&mut self, purpose: DialogPurpose) {
        if self.dialogs.kind() == DialogKind::InApp {
            self.dialogs.ask(purpose);
            return;
        }
        let request = match purpose {
            DialogPurpose::LoadPoints => FileRequest::LoadPoints(None),
            DialogPurpose::LoadPicture => FileRequest::LoadPicture(None),
            DialogPurpose::SavePoints => FileRequest::SavePoints {
                points: self.drawing.drawn().points().to_vec(),
                path: None,
            },
            DialogPurpose::LoadModel => FileRequest::LoadModel(None),
            DialogPurpose::SaveModel => match self.training.model() {
                Some(model) => FileRequest::SaveModel {
                    model: Arc::clone(model),
                    path: None,
                },
                None => return,
            },
            DialogPurpose::ExportGif => return self.export_gif(None),
            DialogPurpose::SavePng => return self.save_png(None),
            DialogPurpose::SaveScene => FileRequest::SaveScene {
                scene: Box::new(self.scene()),
                path: None,
            },
            DialogPurpose::OpenScene => FileRequest::OpenScene(None),
            DialogPurpose::ExportDigitsGif => match self.wide_gif_trajectory() {
                Some(trajectory) => FileRequest::ExportDigitsGif {
                    trajectory,
                    path: None,
                },
                None => return,
            },
        };
        self.file_request(request);
    }

    /// Queues `request` for the files worker; a path chosen in the in-app dialog closes it.
    pub(super) fn file_request(&mut self, request: FileRequest) {
        if let Some(path) = request.path() {
            self.dialogs.chose(path);
            self.dialogs.close();
        }
        self.requests.push(Request::File(request));
    }

    /// The in-app dialog to show, if one is asked for.
    pub fn pending_dialog(&self) -> Option<DialogPurpose> {
        self.dialogs.pending()
    }

    /// The folder the in-app dialog opens in (the last chosen one).
    pub(crate) fn dialog_folder(&self) -> Option<&PathBuf> {
        self.dialogs.folder()
    }

    /// The whole setup as a scene: inputs (the drawn points themselves when the target is
    /// drawn), flow and training parameters, overlays, and the model's file when it came from
    /// one.
    pub fn scene(&self) -> Scene {
        let target = match self.settings.target {
            TargetChoice::Preset(name) => SceneTarget::Preset { name },
            TargetChoice::Drawn => SceneTarget::Points {
                label: DRAWN_LABEL.to_string(),
                points: self.drawing.drawn().points().to_vec(),
            },
            TargetChoice::Digits => SceneTarget::Digits,
            TargetChoice::Shape => SceneTarget::from_distribution(&self.target_distribution()),
        };
        Scene {
            format_version: SCENE_FORMAT_VERSION,
            title: format!("{} to {}", self.source_label(), self.target_label()),
            source: SceneTarget::from_distribution(&self.source_distribution()),
            target,
            particles: self.settings.particles,
            seed: self.settings.seed,
            flow: self.settings.flow,
            solver: self.settings.solver,
            training: self.training.config().clone(),
            overlays: self.overlays(),
            model: self.model_path.clone(),
        }
    }

    /// Takes `scene` (opened from `path`) as the whole setup: inputs, parameters and overlays,
    /// then the flows start again and its model, if it names one, loads.
    pub fn open_scene(&mut self, scene: Scene, path: &std::path::Path) {
        let particles = scene.particles.clamp(1, MAX_PARTICLES);
        // A scene is checked when read: its word renders and its picture has mass.
        let shape = |part: &SceneTarget| part.distribution().ok();
        match &scene.source {
            SceneTarget::Preset { name } => self.settings.source = SourceChoice::Preset(*name),
            // The source of a d-dimensional target follows from the target.
            SceneTarget::StandardNormal { .. } | SceneTarget::Digits | SceneTarget::Rows { .. } => {
            }
            other => {
                if let Some(source) = shape(other) {
                    self.shapes.set_source(source);
                    self.settings.source = SourceChoice::Shape;
                }
            }
        }
        self.settings.particles = particles;
        self.settings.seed = scene.seed;
        self.settings.flow = scene.flow;
        self.settings.solver = scene.solver;
        match &scene.target {
            SceneTarget::Preset { name } => self.settings.target = TargetChoice::Preset(*name),
            SceneTarget::Points { points, .. } => {
                self.drawing.load(points.clone());
                self.settings.target = TargetChoice::Drawn;
            }
            SceneTarget::Digits => self.settings.target = TargetChoice::Digits,
            other @ (SceneTarget::Word { .. } | SceneTarget::Picture { .. }) => {
                if let Some(target) = shape(other) {
                    self.shapes.set_target(target);
                    self.settings.target = TargetChoice::Shape;
                }
            }
            // Targets the app does not offer (a file of another width, the normal).
            SceneTarget::StandardNormal { .. } | SceneTarget::Rows { .. } => {
                self.messages
                    .fail("this scene's target is not one the app shows: opened its preset");
            }
        }
        self.training.set_dimension(self.dimension());
        let _ = self
            .training
            .apply(TrainCommand::SetTrainConfig(scene.training.clone()));
        self.view.apply(ViewCommand::SetOverlays(scene.overlays));
        self.inputs_changed();
        let title = if scene.title.is_empty() {
            path.display().to_string()
        } else {
            scene.title.clone()
        };
        if particles == scene.particles {
            self.messages.say(format!("opened scene: {title}"));
        } else {
            self.messages.say(format!(
                "opened scene: {title} ({} particles lowered to the app's {MAX_PARTICLES})",
                scene.particles
            ));
        }
        if let Some(model) = scene.model_path(path) {
            self.requests
                .push(Request::File(FileRequest::LoadModel(Some(model))));
        }
    }

    /// Queues the GIF of the shown flow: its trajectory shared, not copied, with the caption
    /// the flow's kind gives it (the same as `nsgf gif`'s).
    pub(super) fn export_gif(&mut self, path: Option<PathBuf>) {
        if self.dimension() != 2 {
            // A flow of 8×8 images is exported as a GIF of image grids.
            return match path {
                Some(path) => self.apply_file(FileCommand::ExportDigitsGifTo(path)),
                None => self.apply_file(FileCommand::ExportDigitsGif),
            };
        }
        if let Some(path) = &path {
            self.dialogs.chose(path);
            self.dialogs.close();
        }
        if self.gif.running() {
            self.messages.say("a GIF export is already running");
            return;
        }
        let Some((animation, look, _)) = self.shown_animation() else {
            self.messages
                .fail("nothing to export yet: no frames recorded");
            return;
        };
        let cancel = self.gif.start();
        self.requests.push(Request::ExportGif(GifRequest {
            animation,
            look,
            path,
            cancel,
        }));
    }

    /// The shown flow of more than two dimensions, its first 64 points a frame, for a GIF of
    /// image grids (None in 2D or before its first frame).
    pub(super) fn wide_gif_trajectory(&self) -> Option<Arc<Trajectory>> {
        let run = match self.view() {
            FlowView::Learned => Run::Learned,
            FlowView::Particle | FlowView::Split => Run::Particle,
        };
        let flow = self.flow_of(run).filter(|flow| {
            flow.trajectory
                .frame(0)
                .is_some_and(|frame| frame.positions.dim() != 2)
        })?;
        let mut shown = Trajectory::new(flow.trajectory.kind());
        for frame in flow.trajectory.frames() {
            shown.push(Frame {
                positions: crate::render::image_grid::first_images(&frame.positions),
                velocities: frame
                    .velocities
                    .as_ref()
                    .map(crate::render::image_grid::first_images),
                ..frame.clone()
            });
        }
        shown.add_nfe(flow.trajectory.nfe());
        if let Some(boundary) = flow.trajectory.phase_boundary() {
            shown.set_phase_boundary(boundary.clone());
        }
        Some(Arc::new(shown))
    }

    /// The shown flow as an animation (its trajectory shared, not copied, captioned as
    /// `nsgf gif` captions it), how the overlays make it look, and the shown frame's index.
    pub(super) fn shown_animation(&self) -> Option<(Animation, LookOptions, usize)> {
        let run = match self.view() {
            FlowView::Learned => Run::Learned,
            FlowView::Particle | FlowView::Split => Run::Particle,
        };
        let flow = self
            .flow_of(run)
            .filter(|flow| !flow.trajectory.is_empty())?;
        let title = format!(
            "{} to {}: {}",
            self.source_label(),
            self.target_label(),
            flow.trajectory.kind().title()
        );
        let overlays = self.overlays();
        let target = if overlays.target {
            self.particle.target().clone()
        } else {
            PointCloud::default()
        };
        let animation = Animation::new(title, flow.trajectory.clone(), target);
        let look = LookOptions {
            trails: if overlays.trails { 6 } else { 0 },
            arrows: overlays.particle_arrows,
            show_target: overlays.target,
            ..LookOptions::default()
        };
        let shown = self.shown_index(run).unwrap_or(0);
        Some((animation, look, shown))
    }

    /// Queues the shown frame as a PNG of [`AppState::png_size`] pixels.
    pub(super) fn save_png(&mut self, path: Option<PathBuf>) {
        let Some((animation, look, frame)) = self.shown_animation() else {
            self.messages
                .fail("nothing to save yet: no frames recorded");
            return;
        };
        let look = LookOptions {
            size_px: self.png_size,
            ..look
        };
        self.file_request(FileRequest::SavePng {
            animation: Box::new(animation),
            look,
            frame,
            path,
        });
    }

    /// The side in pixels of saved PNG frames.
    pub fn png_size(&self) -> u32 {
        self.png_size
    }

    pub(super) fn on_file_failed(&mut self, op: FileOp, error: &JobError) {
        if op == FileOp::ExportGif {
            self.gif.end();
            if error.is_cancelled() {
                self.messages
                    .say("GIF export cancelled; nothing was written");
            } else {
                self.messages
                    .fail(format!("GIF export failed: {}", error.describe()));
            }
            return;
        }
        self.messages.fail(match op {
            FileOp::LoadPoints | FileOp::LoadPicture => {
                format!("{}; the current target is kept", error.describe())
            }
            _ => error.describe(),
        });
    }
}
