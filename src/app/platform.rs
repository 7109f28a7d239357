//! What differs between the desktop and the browser, in one place: where jobs run, the
//! defaults suited to each, and how the app starts.

use std::time::Duration;

/// In the browser, the jobs' least share of each frame (the page stays above 30 fps where
/// drawing is quick: 8 ms of jobs plus drawing fit in 33 ms).
pub const JOB_BUDGET_PER_FRAME: Duration = Duration::from_millis(8);

/// The most time jobs take in one frame, however slow the drawing.
pub const JOB_BUDGET_MAX: Duration = Duration::from_millis(50);

/// The jobs' budget for the next frame, from the last frame: [`JOB_BUDGET_PER_FRAME`], or as
/// long as the rest of that frame took (up to [`JOB_BUDGET_MAX`]) when drawing is slow. Jobs
/// then take at most about half of each frame: where a software renderer draws a frame in
/// 120 ms, a flow or a training run still gets half the time, not 8 ms in 128.
pub fn job_budget(last_interval: Duration, last_jobs: Duration) -> Duration {
    let rest = last_interval.saturating_sub(last_jobs);
    rest.clamp(JOB_BUDGET_PER_FRAME, JOB_BUDGET_MAX)
}

/// Particles of the first flow: the desktop's default, fewer in the browser, where one thread
/// computes everything.
pub fn default_particles() -> usize {
    if cfg!(target_arch = "wasm32") {
        300
    } else {
        super::state::FlowSettings::default().particles
    }
}

/// Why the browser did not offer a download.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DownloadError {
    /// A browser call failed (a JavaScript exception, shown as the browser describes it: it is
    /// no Rust error to keep as a source).
    #[cfg(target_arch = "wasm32")]
    #[error("{call} failed: {exception}")]
    Browser {
        /// The call that failed.
        call: &'static str,
        /// The exception.
        exception: String,
    },
    /// The page has no document to put the link in.
    #[cfg(target_arch = "wasm32")]
    #[error("the page has no document")]
    NoDocument,
    /// The element created for the link is not an anchor.
    #[cfg(target_arch = "wasm32")]
    #[error("the created element is not a link")]
    NotAnAnchor,
    /// Not in a browser: there is nowhere to download to.
    #[cfg(not(target_arch = "wasm32"))]
    #[error("downloads exist only in the browser")]
    NotInBrowser,
}

/// In the browser, offers `bytes` as a download named `name` (a Blob behind a clicked link);
/// elsewhere there is nowhere to download to.
pub(crate) fn download(name: &str, bytes: Vec<u8>) -> Result<(), DownloadError> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast as _;
        let failed = |call: &'static str| {
            move |exception: wasm_bindgen::JsValue| DownloadError::Browser {
                call,
                exception: format!("{exception:?}"),
            }
        };
        let array = js_sys::Uint8Array::from(bytes.as_slice());
        let parts = js_sys::Array::of1(&array);
        let blob =
            web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(failed("Blob::new"))?;
        let url = web_sys::Url::create_object_url_with_blob(&blob)
            .map_err(failed("URL.createObjectURL"))?;
        let document = web_sys::window()
            .and_then(|window| window.document())
            .ok_or(DownloadError::NoDocument)?;
        let anchor = document
            .create_element("a")
            .map_err(failed("document.createElement"))?
            .dyn_into::<web_sys::HtmlAnchorElement>()
            .map_err(|_| DownloadError::NotAnAnchor)?;
        anchor.set_href(&url);
        anchor.set_download(name);
        anchor.click();
        web_sys::Url::revoke_object_url(&url).map_err(failed("URL.revokeObjectURL"))?;
        Ok(())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (name, bytes);
        Err(DownloadError::NotInBrowser)
    }
}

/// In the browser, the scene of the page's own link, if it carries one (`#scene=…`); a bad
/// link is reported in the status line by the caller.
pub fn page_scene() -> Option<Result<crate::scene::Scene, crate::scene::SceneError>> {
    #[cfg(target_arch = "wasm32")]
    {
        let href = web_sys::window()?.location().href().ok()?;
        crate::scene_link::is_scene_link(&href).then(|| crate::scene_link::scene_from_link(&href))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// Training's starting hyperparameters: the desktop's tuned NSGF defaults, or in the browser a
/// lighter run (fewer and smaller flows, fewer Adam steps, a narrower network) for one thread.
pub fn default_train_config() -> crate::model::TrainConfig {
    default_train_config_for(crate::model::Method::Nsgf)
}

/// [`default_train_config`] for `method`: its desktop defaults, lighter in the browser.
pub fn default_train_config_for(method: crate::model::Method) -> crate::model::TrainConfig {
    let desktop = crate::model::TrainConfig::defaults_for(method);
    if cfg!(target_arch = "wasm32") {
        browser_train_config(desktop)
    } else {
        desktop
    }
}

/// The browser's lighter version of the desktop's `desktop` defaults: fewer and smaller flows,
/// fewer Adam steps, a narrower network, for one thread.
pub fn browser_train_config(desktop: crate::model::TrainConfig) -> crate::model::TrainConfig {
    use crate::model::{BASE_BLUR, BASE_ETA, Method};
    let mut flow = desktop.flow;
    if desktop.method == Method::Nsgf {
        // This short run learns the base's gentler flow better than NSGF's desktop flow
        // (η = 0.8, blur 0.5): gaussian → moons, five seeds of this preset, W2 at 10 NFE
        // 0.381 ± 0.007 against 0.524 ± 0.032 (docs/browser.md).
        flow.eta = BASE_ETA;
        flow.sinkhorn.blur = BASE_BLUR;
    }
    crate::model::TrainConfig {
        flow,
        particles: 256,
        iterations: 40,
        adam_steps: 20,
        batch_size: 256,
        hidden_width: 64,
        // A W2 checkpoint every 8 of the 40 iterations: the curve shows while it trains.
        eval_every: 8,
        eval_samples: 300,
        ..desktop
    }
}

/// The training method a page's script names (`window.nsgf_train(name)`): a method's
/// command-line name ("nsgf", "nsgfpp", "onestep"), or an error that names the known ones.
pub fn page_method(name: &str) -> Result<crate::model::Method, String> {
    use clap::ValueEnum as _;
    crate::model::Method::from_str(name, false).map_err(|_| {
        let known: Vec<&str> = crate::model::Method::value_variants()
            .iter()
            .map(|method| method.cli_name())
            .collect();
        format!(
            "unknown training method {name:?}: the methods are {}",
            known.join(", ")
        )
    })
}

/// What `window.nsgf_train(method)` asks of the app: that method with its (browser)
/// defaults, then Train.
pub fn train_commands(method: crate::model::Method) -> Vec<super::state::Command> {
    use super::state::TrainCommand;
    vec![
        TrainCommand::SetMethod(method).into(),
        TrainCommand::SetTrainConfig(default_train_config_for(method)).into(),
        TrainCommand::Train.into(),
    ]
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// Commands a page's script queued through `window.nsgf_train`, for the next frame.
    static PAGE_COMMANDS: std::cell::RefCell<Vec<super::state::Command>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The commands a page's script queued since the last frame (none outside the browser).
pub(crate) fn page_commands() -> Vec<super::state::Command> {
    #[cfg(target_arch = "wasm32")]
    {
        PAGE_COMMANDS.with(|commands| std::mem::take(&mut *commands.borrow_mut()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Vec::new()
    }
}

/// Installs `window.nsgf_train(method)`: it queues [`train_commands`] and returns the
/// method's name, or throws an `Error` saying which methods exist ([`page_method`]).
#[cfg(target_arch = "wasm32")]
fn install_train_hook(ctx: eframe::egui::Context) {
    use wasm_bindgen::JsValue;
    use wasm_bindgen::closure::Closure;
    let train = Closure::<dyn Fn(String) -> Result<JsValue, JsValue>>::new(move |name: String| {
        let method = page_method(&name).map_err(|error| js_sys::Error::new(&error))?;
        PAGE_COMMANDS.with(|commands| commands.borrow_mut().extend(train_commands(method)));
        ctx.request_repaint();
        Ok(JsValue::from_str(method.cli_name()))
    });
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(&window, &"nsgf_train".into(), train.as_ref());
    }
    // The hook lives as long as the page.
    train.forget();
}

/// Starts the app in the page's canvas `canvas_id` (the browser's entry point).
#[cfg(target_arch = "wasm32")]
pub fn start_web(canvas_id: &str) {
    use wasm_bindgen::JsCast as _;
    let canvas_id = canvas_id.to_string();
    wasm_bindgen_futures::spawn_local(async move {
        let document = web_sys::window()
            .and_then(|window| window.document())
            .expect("a page with a document");
        let canvas = document
            .get_element_by_id(&canvas_id)
            .and_then(|element| element.dyn_into::<web_sys::HtmlCanvasElement>().ok())
            .expect("the page has the app's canvas");
        let result = eframe::WebRunner::new()
            .start(
                canvas,
                eframe::WebOptions::default(),
                Box::new(|cc| {
                    cc.egui_ctx.set_theme(eframe::egui::Theme::Light);
                    install_train_hook(cc.egui_ctx.clone());
                    let settings = super::state::FlowSettings {
                        particles: default_particles(),
                        ..super::state::FlowSettings::default()
                    };
                    let device = super::shared_device(cc);
                    let mut app = super::NsgfApp::new(&cc.egui_ctx, settings, device)?;
                    app.apply(super::state::TrainCommand::SetTrainConfig(
                        default_train_config(),
                    ));
                    match page_scene() {
                        Some(Ok(scene)) => {
                            app.open_scene(scene, std::path::Path::new("the share link"));
                        }
                        Some(Err(error)) => app.say_error(&error.to_string()),
                        None => {}
                    }
                    Ok(Box::new(app))
                }),
            )
            .await;
        if let Err(error) = result {
            web_sys::console::error_1(&format!("nsgf failed to start: {error:?}").into());
        }
    });
}

/// In the browser, what a page's script (the browser test, a course page) can read of the app:
/// `window.nsgf_backend` (the compute backend in use, as the status line says it),
/// `window.nsgf_frame` (the playback frame), `window.nsgf_frames` (frames recorded),
/// `window.nsgf_jobs_ms_max` and `window.nsgf_ui_ms_max` (the longest time one of the last 120
/// frames spent stepping jobs, and in the app's whole update),
/// `window.nsgf_target` (the target's name, "drawn" for drawn points), `window.nsgf_particles`
/// and `window.nsgf_model` (the trained model's method, empty before one exists).
/// Elsewhere nothing.
pub(crate) fn publish(
    state: &super::state::AppState,
    frame_times: &super::view_options::FrameTimes,
) {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(window) = web_sys::window() else {
            return;
        };
        let backend = state.messages().backend_note().map_or_else(
            || "starting".to_string(),
            crate::gpu::BackendNote::status_text,
        );
        let frames = state.particle().flow().trajectory.len();
        let settings = state.settings();
        for (key, value) in [
            (
                "nsgf_target",
                wasm_bindgen::JsValue::from_str(&state.target_label()),
            ),
            (
                "nsgf_particles",
                wasm_bindgen::JsValue::from_f64(settings.particles as f64),
            ),
            ("nsgf_backend", wasm_bindgen::JsValue::from_str(&backend)),
            (
                "nsgf_frame",
                wasm_bindgen::JsValue::from_f64(state.playback().position() as f64),
            ),
            (
                "nsgf_jobs_ms_max",
                wasm_bindgen::JsValue::from_f64(frame_times.max_jobs_ms()),
            ),
            (
                "nsgf_ui_ms_max",
                wasm_bindgen::JsValue::from_f64(frame_times.max_ui_ms()),
            ),
            (
                "nsgf_frames",
                wasm_bindgen::JsValue::from_f64(frames as f64),
            ),
            (
                "nsgf_model",
                wasm_bindgen::JsValue::from_str(
                    state
                        .training()
                        .model()
                        .map_or("", |model| model.method.display_name()),
                ),
            ),
        ] {
            let _ = js_sys::Reflect::set(&window, &key.into(), &value);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (state, frame_times);
}

/// In the browser, `window.nsgf_plots`: per flow plot drawn in the last frame, `kind`
/// ("particle" or "learned"), `frame` (its data area: left, top, right, bottom) and
/// `particles` (x, y of each particle's centre, one after the other), in the canvas's CSS
/// pixels, and `colors` (r, g, b of each particle). Elsewhere nothing.
pub(crate) fn publish_plots(plots: &[super::view_options::PlotOnScreen], pixels_per_point: f32) {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(window) = web_sys::window() else {
            return;
        };
        // egui points to CSS pixels (the page's zoom is in both).
        let scale = pixels_per_point / window.device_pixel_ratio() as f32;
        let css = |values: &[f32]| -> js_sys::Float32Array {
            let scaled: Vec<f32> = values.iter().map(|v| v * scale).collect();
            js_sys::Float32Array::from(scaled.as_slice())
        };
        let list = js_sys::Array::new();
        for plot in plots {
            let object = js_sys::Object::new();
            let flat: Vec<f32> = plot.particles.iter().flatten().copied().collect();
            let colors: Vec<u8> = plot.colors.iter().flatten().copied().collect();
            for (key, value) in [
                ("kind", wasm_bindgen::JsValue::from_str(plot.kind)),
                ("frame", css(&plot.frame).into()),
                ("particles", css(&flat).into()),
                ("colors", js_sys::Uint8Array::from(colors.as_slice()).into()),
            ] {
                let _ = js_sys::Reflect::set(&object, &key.into(), &value);
            }
            list.push(&object);
        }
        let _ = js_sys::Reflect::set(&window, &"nsgf_plots".into(), &list);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (plots, pixels_per_point);
}

/// A line in the browser's console (the browser check prints the ones starting "nsgf:");
/// nothing elsewhere.
pub(crate) fn console_note(line: &str) {
    #[cfg(target_arch = "wasm32")]
    web_sys::console::log_1(&line.into());
    #[cfg(not(target_arch = "wasm32"))]
    let _ = line;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_names_methods_as_the_command_line_does_and_hears_which_exist() {
        for method in crate::model::Method::ALL {
            assert_eq!(page_method(method.cli_name()), Ok(method));
            assert_eq!(train_commands(method).len(), 3);
        }
        let error = page_method("flow-matching").unwrap_err();
        assert_eq!(
            error,
            "unknown training method \"flow-matching\": the methods are nsgf, nsgfpp, onestep, \
             icfm, otcfm, rf"
        );
    }
}
