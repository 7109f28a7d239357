//! The eframe shell: polls the workers, lays out the panels, turns keys into commands, applies
//! the commands, starts the queued jobs, and keeps repainting while anything moves.

use super::StartupOptions;
use super::state::files::dialog_ui::{InAppDialog, in_app_dialog_ui};
use super::state::learning::ui::training_ui;
use super::state::playback::ui::timeline_ui;
use super::state::view::plot_ui::plot_view_ui;
use super::state::{AppState, Command, FileCommand, FlowSettings, PlaybackCommand, ViewCommand};
use super::view_options::ViewOptions;
use super::workers::{SharedDevice, Waker, Workers};
use crate::flow::Frame;
use crate::job::JobError;
use eframe::egui;
use egui::{CollapsingHeader, Key, RichText, Ui};
use std::sync::Arc;
use std::time::Duration;
use web_time::Instant;

/// The desktop app: the [`AppState`] plus the workers that compute for it.
pub struct NsgfApp {
    state: AppState,
    workers: Workers,
    options: ViewOptions,
    last_frame_at: Option<Instant>,
    log_frame_times: bool,
    /// How long the last frame spent stepping jobs (the browser).
    last_jobs: Duration,
    bench_loop: bool,
    last_log_at: Instant,
    in_app_dialog: Option<InAppDialog>,
}

impl NsgfApp {
    /// An app for `settings`, repainting `ctx` whenever a worker reports. Its compute runs on
    /// `device` (eframe's own wgpu device; None: on the CPU): the app never opens a device.
    pub fn new(
        ctx: &egui::Context,
        settings: FlowSettings,
        device: Option<SharedDevice>,
    ) -> Result<Self, JobError> {
        super::fonts::install(ctx);
        let repaint_ctx = ctx.clone();
        let waker: Waker = Arc::new(move || repaint_ctx.request_repaint());
        let workers = Workers::start(waker, device)?;
        let mut app = Self {
            state: AppState::new(settings),
            workers,
            options: ViewOptions::default(),
            last_frame_at: None,
            log_frame_times: false,
            last_jobs: Duration::ZERO,
            bench_loop: false,
            last_log_at: Instant::now(),
            in_app_dialog: None,
        };
        app.apply_startup_environment();
        app.dispatch_jobs();
        Ok(app)
    }

    /// The app's state (for tests and tools).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The view-only options, to change (tests hide the fps readout for stable snapshots).
    pub fn view_options_mut(&mut self) -> &mut ViewOptions {
        &mut self.options
    }

    /// Takes `scene` (read from `path`) as the whole setup and starts its flows.
    pub(crate) fn open_scene(&mut self, scene: crate::scene::Scene, path: &std::path::Path) {
        self.state.open_scene(scene, path);
        self.dispatch_jobs();
    }

    /// Shows `error` in the status line (a bad share link at start, for example).
    pub fn say_error(&mut self, error: &str) {
        self.state.report_error(error);
    }

    /// Applies `command` as if the user did it, and starts any job it queues.
    pub fn apply(&mut self, command: impl Into<Command>) {
        self.state.apply(command);
        self.dispatch_jobs();
    }

    /// The file dialog this desktop answers in (`super::startup_dialog_kind`).
    fn apply_startup_environment(&mut self) {
        self.state
            .apply(FileCommand::SetDialogKind(super::startup_dialog_kind()));
    }

    /// Applies what `options` asks for at start: a model to load; the frame-time measurement
    /// (the quiver grid on, frame times logged, the playback looping); frame times logged.
    pub fn apply_startup(&mut self, options: &StartupOptions) {
        if let Some(path) = &options.model {
            self.state.apply(FileCommand::LoadModelFile(path.clone()));
        }
        self.log_frame_times |= options.log_frame_times || options.frame_time_bench;
        if options.frame_time_bench {
            self.bench_loop = true;
            let overlays = super::state::Overlays {
                grid_arrows: true,
                ..self.state.overlays()
            };
            self.state.apply(ViewCommand::SetOverlays(overlays));
        }
        self.dispatch_jobs();
    }

    fn dispatch_jobs(&mut self) {
        for request in self.state.take_requests() {
            self.workers.dispatch(request);
        }
    }

    fn keyboard_commands(ui: &Ui, commands: &mut Vec<Command>) {
        // Keys belong to a text field while one has focus.
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        ui.input(|input| {
            if input.key_pressed(Key::Space) {
                commands.push(PlaybackCommand::TogglePlay.into());
            }
            if input.key_pressed(Key::ArrowRight) {
                commands.push(PlaybackCommand::StepForward.into());
            }
            if input.key_pressed(Key::ArrowLeft) {
                commands.push(PlaybackCommand::StepBack.into());
            }
            if input.key_pressed(Key::Home) {
                commands.push(PlaybackCommand::Reset.into());
            }
        });
    }

    fn log_frame_times(&mut self) {
        if !self.log_frame_times || self.last_log_at.elapsed().as_secs_f64() < 2.0 {
            return;
        }
        self.last_log_at = Instant::now();
        let times = &self.options.frame_times;
        let particles = self
            .state
            .shown_kinds()
            .iter()
            .filter_map(|&kind| self.state.shown_frame(kind))
            .map(Frame::len)
            .sum::<usize>();
        eprintln!(
            "frame times: {:.1} fps, ui mean {:.2} ms, max {:.2} ms over {} frames ({} particles shown, playing: {})",
            times.fps(),
            times.mean_ui_ms(),
            times.max_ui_ms(),
            times.count(),
            particles,
            self.state.playback().playing()
        );
    }
}

impl eframe::App for NsgfApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        let started = Instant::now();
        // In the browser the jobs run here, within a frame budget; elsewhere on their threads.
        if cfg!(target_arch = "wasm32") {
            let since_last = self
                .last_frame_at
                .map_or(Duration::ZERO, |last| started.duration_since(last));
            let budget = super::platform::job_budget(since_last, self.last_jobs);
            self.workers.pump(budget);
            self.last_jobs = started.elapsed();
            self.options.frame_times.record_jobs(self.last_jobs);
            if self.workers.busy() {
                ui.ctx().request_repaint();
            }
        }
        for event in self.workers.poll() {
            self.state.on_event(event);
        }
        super::platform::publish(&self.state, &self.options.frame_times);
        for command in super::platform::page_commands() {
            self.apply(command);
        }

        let mut commands = Vec::new();
        Self::keyboard_commands(ui, &mut commands);
        super::shortcuts_ui::shortcut_keys(ui, &mut self.options);
        let dt = ui.input(|input| input.stable_dt);
        if self.state.playback().playing() {
            commands.push(PlaybackCommand::Tick(f64::from(dt)).into());
        } else if self.bench_loop && self.state.supply().available > 1 {
            commands.push(PlaybackCommand::Play.into());
        }

        layout_ui(ui, &self.state, &mut self.options, &mut commands);
        super::platform::publish_plots(&self.options.plots_on_screen, ui.ctx().pixels_per_point());
        in_app_dialog_ui(
            ui.ctx(),
            &mut self.in_app_dialog,
            &self.state,
            &mut commands,
        );
        #[cfg(target_arch = "wasm32")]
        for file in ui.input(|input| input.raw.dropped_files.clone()) {
            self.workers.open_dropped_web(file);
        }
        #[cfg(not(target_arch = "wasm32"))]
        commands.extend(dropped_files(ui));
        for command in commands {
            self.state.apply(command);
        }
        self.dispatch_jobs();
        if self.state.playback().playing() || self.state.work_pending() {
            ui.ctx().request_repaint();
        }

        let now = Instant::now();
        let interval = self
            .last_frame_at
            .map_or(0.0, |last| now.duration_since(last).as_secs_f64());
        self.last_frame_at = Some(now);
        self.options.frame_times.record(started.elapsed(), interval);
        self.log_frame_times();
    }
}

/// Files dropped on the window, as commands (a CSV becomes the drawn target, a model loads, a
/// scene opens; the files worker tells them apart).
#[cfg(not(target_arch = "wasm32"))]
fn dropped_files(ui: &Ui) -> Vec<Command> {
    ui.input(|input| {
        input
            .raw
            .dropped_files
            .iter()
            .map(|file| FileCommand::OpenDropped(file.path().to_path_buf()).into())
            .collect()
    })
}

/// The whole window: timeline and status at the bottom, controls on the left, the plot(s) in
/// the middle. Draws `state` and pushes the user's actions onto `commands`.
pub fn layout_ui(
    ui: &mut Ui,
    state: &AppState,
    options: &mut ViewOptions,
    commands: &mut Vec<Command>,
) {
    options.plots_on_screen.clear();
    egui::Panel::bottom("timeline")
        .resizable(false)
        .show(ui, |ui| {
            ui.add_space(4.0);
            timeline_ui(ui, state, commands);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
                if ui
                    .button("?")
                    .on_hover_text("Keyboard shortcuts and mouse gestures (? or F1)")
                    .clicked()
                {
                    options.show_shortcuts = !options.show_shortcuts;
                }
                debug_corner_ui(ui, options);
                ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                    super::status_ui::status_ui(ui, state, commands);
                });
            });
            ui.add_space(2.0);
        });
    egui::Panel::left("controls")
        .resizable(true)
        .default_size(310.0)
        .show(ui, |ui| side_panel_ui(ui, state, options, commands));
    // Training sits in its own panel: its parameters, progress, curves, Cancel and the model's
    // actions stay in view together while the flow plays.
    egui::Panel::right("training")
        .resizable(true)
        .default_size(330.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("training_scroll")
                .show(ui, |ui| {
                    ui.heading("Learned flow (training)");
                    training_ui(ui, state, commands, &mut options.plots_on_screen);
                });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        plot_view_ui(ui, state, options, commands);
    });
    super::shortcuts_ui::shortcuts_ui(ui.ctx(), options);
    super::state::meanfield::ui::meanfield_ui(ui.ctx(), state, commands);
}

fn side_panel_ui(
    ui: &mut Ui,
    state: &AppState,
    options: &mut ViewOptions,
    commands: &mut Vec<Command>,
) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading("NSGF playground");
        super::state::files::ui::scene_ui(ui, state, commands);
        super::state::view::ui::view_picker_ui(ui, state, commands);
        ui.separator();
        CollapsingHeader::new("Data")
            .default_open(true)
            .show(ui, |ui| {
                super::state::inputs::ui::data_ui(ui, state, commands);
            });
        CollapsingHeader::new("Particle flow (Sinkhorn)")
            .default_open(true)
            .show(ui, |ui| {
                super::state::particle_flow::ui::particle_flow_ui(ui, state, commands);
            });
        CollapsingHeader::new("Draw a target")
            .default_open(true)
            .show(ui, |ui| {
                super::state::drawing::ui::draw_ui(ui, state, commands);
            });
        CollapsingHeader::new("Overlays")
            .default_open(true)
            .show(ui, |ui| {
                super::state::view::ui::overlays_ui(ui, state, options, commands);
            });
        CollapsingHeader::new("Export")
            .default_open(false)
            .show(ui, |ui| {
                super::state::files::ui::export_ui(ui, state, commands);
            });
    });
}

/// The fps readout (hidden when `options.show_frame_times` is off, e.g. in snapshots).
fn debug_corner_ui(ui: &mut Ui, options: &ViewOptions) {
    if !options.show_frame_times {
        return;
    }
    let times = &options.frame_times;
    ui.label(
        RichText::new(format!(
            "{:.0} fps · ui {:.1} ms (max {:.1})",
            times.fps(),
            times.mean_ui_ms(),
            times.max_ui_ms()
        ))
        .small()
        .weak(),
    );
}
