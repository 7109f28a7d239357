//! The desktop app (eframe + egui_plot): pick or draw a target, watch and step the Sinkhorn
//! particle flow, train NSGF / NSGF++ live and play the learned flow.
//!
//! Layout of the module:
//! - [`state`]: the [`state::AppState`] router and the feature slices it composes (inputs,
//!   drawing, the particle flow, training, playback, the view, files, the mean field,
//!   readouts), each owning its state, its [`state::Command`]s, its events and its `_ui`
//!   functions; the plain parts are tested without a window;
//! - [`jobs`] (requests and worker results), [`field`] (the quiver's empirical field),
//!   [`view_options`];
//! - [`workers`]: the app's jobs and the named worker threads that step them off the UI thread,
//!   all compute on one velocity backend on eframe's own wgpu device;
//! - the shell: [`app_ui`] (eframe: lays out the slices' panels, applies their commands, starts
//!   the requested jobs), `status_ui`, `shortcuts_ui`, `platform` (desktop or browser).

#[cfg(not(target_arch = "wasm32"))]
use eframe::egui;
pub mod app_ui;
mod compute_context;
mod dialog_purpose;
pub use state::drawing;
pub mod field;
mod fonts;
pub mod jobs;
pub mod platform;
mod polled_gpu;
mod share_base;
pub mod shortcuts_ui;
pub mod state;
mod status_ui;
pub mod view_options;
mod widgets;
pub mod workers;

pub use app_ui::NsgfApp;
use state::FlowSettings;

/// The window title.
pub const TITLE: &str = "NSGF playground: Sinkhorn flows on 2D point clouds";

/// What the desktop app does at start beyond its defaults (tools that measure it set these;
/// the binary reads them from the environment: `nsgf::cli::app_startup_from_env`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartupOptions {
    /// Particles of the first flow (clamped to 1 ..= the app's limit), to measure frame times
    /// with large clouds.
    pub particles: Option<usize>,
    /// A model file to load at start.
    pub model: Option<std::path::PathBuf>,
    /// The frame-time measurement: the quiver grid on, frame times logged, the playback looping.
    pub frame_time_bench: bool,
    /// Log frame times every 2 s.
    pub log_frame_times: bool,
}

impl StartupOptions {
    /// Settings of the first flow: the defaults, with [`StartupOptions::particles`] particles
    /// when set.
    pub fn settings(&self) -> FlowSettings {
        let mut settings = FlowSettings::default();
        if let Some(n) = self.particles {
            settings.particles = n.clamp(1, state::MAX_PARTICLES);
        }
        settings
    }
}

/// Which file dialog the app starts with: `NSGF_FILE_DIALOG=in-app|native` decides; else the
/// in-app one on Linux without a D-Bus session (where no xdg portal can answer), the native
/// one otherwise. A native dialog that gives up at once switches to the in-app one too.
fn startup_dialog_kind() -> state::DialogKind {
    match std::env::var("NSGF_FILE_DIALOG").ok().as_deref() {
        Some("in-app") => return state::DialogKind::InApp,
        Some("native") => return state::DialogKind::Native,
        _ => {}
    }
    if cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        state::DialogKind::InApp
    } else {
        state::DialogKind::Native
    }
}

/// eframe's wgpu device, queue and adapter, for the compute worker (None with another
/// renderer).
pub fn shared_device(cc: &eframe::CreationContext<'_>) -> Option<workers::SharedDevice> {
    let render_state = cc.wgpu_render_state.as_ref()?;
    Some(workers::SharedDevice {
        device: render_state.device.clone(),
        queue: render_state.queue.clone(),
        adapter: render_state.adapter.get_info(),
        compute_shaders: render_state
            .adapter
            .get_downlevel_capabilities()
            .flags
            .contains(wgpu::DownlevelFlags::COMPUTE_SHADERS),
    })
}

/// The desktop window could not be opened, or failed while open.
#[derive(Debug, thiserror::Error)]
#[error("the app window failed: {message}")]
pub struct WindowError {
    /// eframe's error as text: `eframe::Error` is neither `Send` nor `Sync` (a glutin variant
    /// holds a plain `Box<dyn Error>`), so it cannot travel as a source to the binary.
    pub message: String,
}

/// Opens the desktop app window, on `scene` (read from its path) when given, started as
/// `startup` asks.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn run_native(
    scene: Option<(crate::scene::Scene, std::path::PathBuf)>,
    startup: &StartupOptions,
) -> Result<(), WindowError> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(TITLE)
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([800.0, 500.0]),
        ..Default::default()
    };
    let startup = startup.clone();
    eframe::run_native(
        TITLE,
        options,
        Box::new(|cc| {
            cc.egui_ctx.set_theme(egui::Theme::Light);
            let mut app = NsgfApp::new(&cc.egui_ctx, startup.settings(), shared_device(cc))?;
            app.apply_startup(&startup);
            if let Some((scene, path)) = scene {
                app.open_scene(scene, &path);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|error| WindowError {
        message: error.to_string(),
    })
}
