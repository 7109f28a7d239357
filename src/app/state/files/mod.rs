//! The files slice: the file commands it turns into file-worker requests, the file dialogs,
//! the GIF and PNG exports of the shown flow, scenes saved and opened, and the files' events.
//! It reads the other slices through [`FileInputs`] and changes them only by sending
//! commands.

pub(crate) mod dialog_ui;
pub mod dialogs;
pub(crate) mod ui;

use super::{DRAWN_LABEL, FileCommand};
use crate::app::jobs::{FileOp, FileRequest, GifRequest, Request, Run, WorkerEvent};
use crate::app::state::context::Context;
use crate::app::state::drawing::DrawCommand;
use crate::app::state::files::dialogs::{DialogKind, DialogPurpose, Dialogs};
use crate::app::state::inputs::shapes::ShapeCommand;
use crate::app::state::inputs::{InputCommand, MAX_PARTICLES, TargetChoice};
use crate::app::state::learning::Learning;
use crate::app::state::learning::training::TrainCommand;
use crate::app::state::messages::GifExport;
use crate::app::state::playback::timeline::Timeline;
use crate::app::state::setup::Setup;
use crate::app::state::view::{FlowView, Overlays, ViewCommand};
use crate::flow::{Frame, PointCloud, Trajectory};
use crate::job::JobError;
use crate::model::TrainedModel;
use crate::render::{Animation, LookOptions, SIZE_RANGE};
use crate::scene::{SCENE_FORMAT_VERSION, Scene, SceneTarget};
use std::path::PathBuf;
use std::sync::Arc;

/// What the files slice reads from the others: the inputs, the shown flows, the model and the
/// overlays. Read-only.
#[derive(Clone, Copy)]
pub(crate) struct FileInputs<'a> {
    pub(super) setup: Setup<'a>,
    pub(super) timeline: Timeline<'a>,
    pub(super) learning: &'a Learning,
    pub(super) overlays: Overlays,
}

/// The file dialogs, the GIF export in progress and the size of saved PNG frames.
#[derive(Debug)]
pub(crate) struct Files {
    dialogs: Dialogs,
    gif: GifExport,
    png_size: u32,
}

impl Default for Files {
    fn default() -> Self {
        Self {
            dialogs: Dialogs::default(),
            gif: GifExport::default(),
            png_size: 960,
        }
    }
}

impl Files {
    /// The in-app dialog to show, if one is asked for.
    pub(crate) fn pending_dialog(&self) -> Option<DialogPurpose> {
        self.dialogs.pending()
    }

    /// The folder the in-app dialog opens in (the last chosen one).
    pub(crate) fn dialog_folder(&self) -> Option<&PathBuf> {
        self.dialogs.folder()
    }

    /// The side in pixels of saved PNG frames.
    pub(crate) fn png_size(&self) -> u32 {
        self.png_size
    }

    /// The GIF export in progress.
    pub(crate) fn gif(&self) -> &GifExport {
        &self.gif
    }

    /// The file worker's events: loaded points, pictures and scenes, saves, the GIF's
    /// progress, failures and dialogs.
    pub(crate) fn on_event(&mut self, event: WorkerEvent, context: &mut Context) {
        match event {
            WorkerEvent::PointsLoaded { label, points } => {
                if points.is_empty() {
                    context.fail(format!("{label}: holds no points; the target is kept"));
                } else {
                    context.say(format!("loaded {} points from {label}", points.len()));
                    context.send(DrawCommand::LoadPoints(points));
                }
            }
            WorkerEvent::SceneOpened { path, scene } => open_scene(*scene, &path, context),
            WorkerEvent::PictureLoaded { mass } => context.send(ShapeCommand::SetPicture(mass)),
            WorkerEvent::Saved { message } => {
                self.gif.end();
                context.say(message);
            }
            WorkerEvent::GifProgress(fraction) => self.gif.advance(fraction),
            WorkerEvent::FileFailed { op, error } => self.on_file_failed(op, &error, context),
            WorkerEvent::DialogCancelled => {
                self.gif.end();
                context.say("no file chosen");
            }
            WorkerEvent::NativeDialogUnavailable { purpose } => {
                self.gif.end();
                self.dialogs.set_kind(DialogKind::InApp);
                self.dialogs.ask(purpose);
                context.say(
                    "the desktop's file dialog did not answer (no xdg portal?): using the \
                     in-app file dialog from now on",
                );
            }
            // The router sends no other kind here.
            _ => {}
        }
    }

    /// Carries out a file command. (Over 80 lines: one arm for every `FileCommand`.)
    pub(crate) fn apply(&mut self, command: FileCommand, read: FileInputs, context: &mut Context) {
        match command {
            FileCommand::LoadPoints => self.ask_path(DialogPurpose::LoadPoints, read, context),
            FileCommand::LoadPicture => self.ask_path(DialogPurpose::LoadPicture, read, context),
            FileCommand::LoadPictureFrom(path) => {
                self.file_request(FileRequest::LoadPicture(Some(path)), context);
            }
            FileCommand::LoadPointsFrom(path) => {
                self.file_request(FileRequest::LoadPoints(Some(path)), context);
            }
            FileCommand::SavePoints | FileCommand::SavePointsTo(_)
                if read.setup.drawing().drawn().is_empty() =>
            {
                context.fail("nothing to save: the drawn target is empty");
            }
            FileCommand::SavePoints => self.ask_path(DialogPurpose::SavePoints, read, context),
            FileCommand::SavePointsTo(path) => {
                let points = read.setup.drawing().drawn().points().to_vec();
                let request = FileRequest::SavePoints {
                    points,
                    path: Some(path),
                };
                self.file_request(request, context);
            }
            FileCommand::SaveModel | FileCommand::SaveModelTo(_) if read.model().is_none() => {
                context.fail("no model to save: train or load one first");
            }
            FileCommand::SaveModel => self.ask_path(DialogPurpose::SaveModel, read, context),
            FileCommand::SaveModelTo(path) => {
                if let Some(model) = read.model() {
                    let request = FileRequest::SaveModel {
                        model: Arc::clone(model),
                        path: Some(path),
                    };
                    self.file_request(request, context);
                }
            }
            FileCommand::LoadModel => self.ask_path(DialogPurpose::LoadModel, read, context),
            FileCommand::LoadModelFile(path) => {
                self.file_request(FileRequest::LoadModel(Some(path)), context);
            }
            FileCommand::ExportGif => {
                if self.gif.running() {
                    context.say("a GIF export is already running");
                } else {
                    self.ask_path(DialogPurpose::ExportGif, read, context);
                }
            }
            FileCommand::ExportGifTo(path) => self.export_gif(Some(path), read, context),
            FileCommand::SavePng => {
                if read.shown_animation().is_some() {
                    self.ask_path(DialogPurpose::SavePng, read, context);
                } else {
                    context.fail("nothing to save yet: no frames recorded");
                }
            }
            FileCommand::SavePngTo(path) => self.save_png(Some(path), read, context),
            FileCommand::SetPngSize(size) => {
                self.png_size = size.clamp(*SIZE_RANGE.start(), *SIZE_RANGE.end());
            }
            FileCommand::CancelGif => {
                if self.gif.cancel() {
                    context.say("cancelling the GIF export…");
                }
            }
            FileCommand::SaveScene | FileCommand::SaveSceneTo(_)
                if read.setup.drawn_target_is_empty() =>
            {
                context.fail("nothing to save: the drawn target is empty");
            }
            FileCommand::SaveScene => self.ask_path(DialogPurpose::SaveScene, read, context),
            FileCommand::SaveSceneTo(path) => {
                let request = FileRequest::SaveScene {
                    scene: Box::new(read.scene()),
                    path: Some(path),
                };
                self.file_request(request, context);
            }
            FileCommand::OpenScene => self.ask_path(DialogPurpose::OpenScene, read, context),
            FileCommand::OpenSceneFrom(path) => {
                self.file_request(FileRequest::OpenScene(Some(path)), context);
            }
            FileCommand::OpenDropped(path) => {
                self.file_request(FileRequest::OpenDropped(path), context);
            }
            FileCommand::ExportDigitsGif => {
                if read.wide_gif_trajectory().is_some() {
                    self.ask_path(DialogPurpose::ExportDigitsGif, read, context);
                } else {
                    context.fail("nothing to export yet: no frames of 8×8 images");
                }
            }
            FileCommand::ExportDigitsGifTo(path) => {
                if let Some(trajectory) = read.wide_gif_trajectory() {
                    let request = FileRequest::ExportDigitsGif {
                        trajectory,
                        path: Some(path),
                    };
                    self.file_request(request, context);
                }
            }
            FileCommand::SetDialogKind(kind) => self.dialogs.set_kind(kind),
            FileCommand::DialogCancelled => {
                if self.dialogs.close().is_some() {
                    context.say("no file chosen");
                }
            }
        }
    }

    /// Asks for a path for `purpose`: the in-app dialog opens, or the native one runs on the
    /// files worker (a request without a path).
    fn ask_path(&mut self, purpose: DialogPurpose, read: FileInputs, context: &mut Context) {
        if self.dialogs.kind() == DialogKind::InApp {
            self.dialogs.ask(purpose);
            return;
        }
        let request = match purpose {
            DialogPurpose::LoadPoints => FileRequest::LoadPoints(None),
            DialogPurpose::LoadPicture => FileRequest::LoadPicture(None),
            DialogPurpose::SavePoints => FileRequest::SavePoints {
                points: read.setup.drawing().drawn().points().to_vec(),
                path: None,
            },
            DialogPurpose::LoadModel => FileRequest::LoadModel(None),
            DialogPurpose::SaveModel => match read.model() {
                Some(model) => FileRequest::SaveModel {
                    model: Arc::clone(model),
                    path: None,
                },
                None => return,
            },
            DialogPurpose::ExportGif => return self.export_gif(None, read, context),
            DialogPurpose::SavePng => return self.save_png(None, read, context),
            DialogPurpose::SaveScene => FileRequest::SaveScene {
                scene: Box::new(read.scene()),
                path: None,
            },
            DialogPurpose::OpenScene => FileRequest::OpenScene(None),
            DialogPurpose::ExportDigitsGif => match read.wide_gif_trajectory() {
                Some(trajectory) => FileRequest::ExportDigitsGif {
                    trajectory,
                    path: None,
                },
                None => return,
            },
        };
        self.file_request(request, context);
    }

    /// Queues `request` for the files worker; a path chosen in the in-app dialog closes it.
    fn file_request(&mut self, request: FileRequest, context: &mut Context) {
        if let Some(path) = request.path() {
            self.dialogs.chose(path);
            self.dialogs.close();
        }
        context.request(Request::File(request));
    }

    /// Queues the GIF of the shown flow: its trajectory shared, not copied, with the caption
    /// the flow's kind gives it (the same as `nsgf gif`'s).
    fn export_gif(&mut self, path: Option<PathBuf>, read: FileInputs, context: &mut Context) {
        if read.setup.dimension() != 2 {
            // A flow of 8×8 images is exported as a GIF of image grids.
            let command = match path {
                Some(path) => FileCommand::ExportDigitsGifTo(path),
                None => FileCommand::ExportDigitsGif,
            };
            return self.apply(command, read, context);
        }
        if let Some(path) = &path {
            self.dialogs.chose(path);
            self.dialogs.close();
        }
        if self.gif.running() {
            context.say("a GIF export is already running");
            return;
        }
        let Some((animation, look, _)) = read.shown_animation() else {
            context.fail("nothing to export yet: no frames recorded");
            return;
        };
        let cancel = self.gif.start();
        context.request(Request::ExportGif(GifRequest {
            animation,
            look,
            path,
            cancel,
        }));
    }

    /// Queues the shown frame as a PNG of [`Files::png_size`] pixels.
    fn save_png(&mut self, path: Option<PathBuf>, read: FileInputs, context: &mut Context) {
        let Some((animation, look, frame)) = read.shown_animation() else {
            context.fail("nothing to save yet: no frames recorded");
            return;
        };
        let look = LookOptions {
            size_px: self.png_size,
            ..look
        };
        let request = FileRequest::SavePng {
            animation: Box::new(animation),
            look,
            frame,
            path,
        };
        self.file_request(request, context);
    }

    fn on_file_failed(&mut self, op: FileOp, error: &JobError, context: &mut Context) {
        if op == FileOp::Purpose(DialogPurpose::ExportGif) {
            self.gif.end();
            if error.is_cancelled() {
                context.say("GIF export cancelled; nothing was written");
            } else {
                context.fail(format!("GIF export failed: {}", error.describe()));
            }
            return;
        }
        context.fail(match op {
            FileOp::Purpose(DialogPurpose::LoadPoints | DialogPurpose::LoadPicture) => {
                format!("{}; the current target is kept", error.describe())
            }
            _ => error.describe(),
        });
    }
}

/// Takes `scene` (opened from `path`) as the whole setup: it sends the inputs, the drawn
/// points, the training configuration and the overlays to their slices (the flows then start
/// again once), and queues its model, if it names one.
pub(crate) fn open_scene(scene: Scene, path: &std::path::Path, context: &mut Context) {
    // A scene is checked when read: its word renders and its picture has mass.
    let shape = |part: &SceneTarget| part.distribution().ok();
    match &scene.source {
        SceneTarget::Preset { name } => context.send(InputCommand::SetSource(*name)),
        // The source of a d-dimensional target follows from the target.
        SceneTarget::StandardNormal { .. } | SceneTarget::Digits | SceneTarget::Rows { .. } => {}
        other => {
            if let Some(source) = shape(other) {
                context.send(ShapeCommand::SetSource(source));
            }
        }
    }
    match &scene.target {
        SceneTarget::Preset { name } => {
            context.send(InputCommand::SetTarget(TargetChoice::Preset(*name)));
        }
        SceneTarget::Points { points, .. } => context.send(DrawCommand::LoadPoints(points.clone())),
        SceneTarget::Digits => context.send(InputCommand::SetTarget(TargetChoice::Digits)),
        other @ (SceneTarget::Word { .. } | SceneTarget::Picture { .. }) => {
            if let Some(target) = shape(other) {
                context.send(ShapeCommand::SetTarget(target));
            }
        }
        // Targets the app does not offer (a file of another width, the normal).
        SceneTarget::StandardNormal { .. } | SceneTarget::Rows { .. } => {
            context.fail("this scene's target is not one the app shows: opened its preset");
        }
    }
    // After the target: a target of another dimension brings its own defaults first.
    context.send(InputCommand::SetParticles(scene.particles));
    context.send(InputCommand::SetSeed(scene.seed));
    context.send(InputCommand::SetFlowConfig(scene.flow));
    context.send(InputCommand::SetSolver(scene.solver));
    context.send(TrainCommand::SetTrainConfig(scene.training.clone()));
    context.send(ViewCommand::SetOverlays(scene.overlays));
    let title = if scene.title.is_empty() {
        path.display().to_string()
    } else {
        scene.title.clone()
    };
    if scene.particles.clamp(1, MAX_PARTICLES) == scene.particles {
        context.say(format!("opened scene: {title}"));
    } else {
        context.say(format!(
            "opened scene: {title} ({} particles lowered to the app's {MAX_PARTICLES})",
            scene.particles
        ));
    }
    if let Some(model) = scene.model_path(path) {
        context.request(Request::File(FileRequest::LoadModel(Some(model))));
    }
}

impl FileInputs<'_> {
    /// The shown model, if any.
    fn model(&self) -> Option<&Arc<TrainedModel>> {
        self.learning.training().model()
    }

    /// The run the shown frame belongs to (the particle flow, side by side).
    fn shown_run(&self) -> Run {
        match self.timeline.view.view() {
            FlowView::Learned => Run::Learned,
            FlowView::Particle | FlowView::Split => Run::Particle,
        }
    }

    /// The whole setup as a scene: inputs (the drawn points themselves when the target is
    /// drawn), flow and training parameters, overlays, and the model's file when it came from
    /// one.
    pub(crate) fn scene(&self) -> Scene {
        let settings = self.setup.settings();
        let target = match settings.target {
            TargetChoice::Preset(name) => SceneTarget::Preset { name },
            TargetChoice::Drawn => SceneTarget::Points {
                label: DRAWN_LABEL.to_string(),
                points: self.setup.drawing().drawn().points().to_vec(),
            },
            TargetChoice::Digits => SceneTarget::Digits,
            TargetChoice::Shape => {
                SceneTarget::from_distribution(&self.setup.target_distribution())
            }
        };
        Scene {
            format_version: SCENE_FORMAT_VERSION,
            title: format!(
                "{} to {}",
                self.setup.source_label(),
                self.setup.target_label()
            ),
            source: SceneTarget::from_distribution(&self.setup.source_distribution()),
            target,
            particles: settings.particles,
            seed: settings.seed,
            flow: settings.flow,
            solver: settings.solver,
            training: self.learning.training().config().clone(),
            overlays: self.overlays,
            model: self.learning.model_path().cloned(),
        }
    }

    /// The shown flow of more than two dimensions, its first 64 points a frame, for a GIF of
    /// image grids (None in 2D or before its first frame).
    fn wide_gif_trajectory(&self) -> Option<Arc<Trajectory>> {
        let flow = self.timeline.flow_of(self.shown_run()).filter(|flow| {
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
    fn shown_animation(&self) -> Option<(Animation, LookOptions, usize)> {
        let run = self.shown_run();
        let flow = self
            .timeline
            .flow_of(run)
            .filter(|flow| !flow.trajectory.is_empty())?;
        let title = format!(
            "{} to {}: {}",
            self.setup.source_label(),
            self.setup.target_label(),
            flow.trajectory.kind().title()
        );
        let overlays = self.overlays;
        let target = if overlays.target {
            self.timeline.particle.target().clone()
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
        let shown = self.timeline.shown_index(run).unwrap_or(0);
        Some((animation, look, shown))
    }
}
