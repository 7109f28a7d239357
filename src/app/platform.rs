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

/// The address a share link starts with: the page's own in the browser; on the desktop
/// `NSGF_SHARE_BASE` (where the browser build is served), else nothing (the link is then its
/// `#scene=…` part, which `nsgf --scene` opens and any page of the browser build takes).
pub fn share_base() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|window| window.location().href().ok())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::env::var("NSGF_SHARE_BASE").unwrap_or_default()
    }
}

/// In the browser, offers `bytes` as a download named `name` (a Blob behind a clicked link);
/// elsewhere there is nowhere to download to.
pub fn download(name: &str, bytes: Vec<u8>) -> Result<(), String> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast as _;
        let describe = |error: wasm_bindgen::JsValue| format!("{error:?}");
        let array = js_sys::Uint8Array::from(bytes.as_slice());
        let parts = js_sys::Array::of1(&array);
        let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(describe)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
        let document = web_sys::window()
            .and_then(|window| window.document())
            .ok_or("no document")?;
        let anchor = document
            .create_element("a")
            .map_err(describe)?
            .dyn_into::<web_sys::HtmlAnchorElement>()
            .map_err(|_| "not an anchor".to_string())?;
        anchor.set_href(&url);
        anchor.set_download(name);
        anchor.click();
        web_sys::Url::revoke_object_url(&url).map_err(describe)?;
        Ok(())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (name, bytes);
        Err("downloads exist only in the browser".into())
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
    let desktop = crate::model::TrainConfig::defaults_for(crate::model::Method::Nsgf);
    if cfg!(target_arch = "wasm32") {
        crate::model::TrainConfig {
            particles: 256,
            iterations: 40,
            adam_steps: 20,
            batch_size: 256,
            hidden_width: 64,
            eval_every: 0,
            eval_samples: 300,
            ..desktop
        }
    } else {
        desktop
    }
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
pub fn publish(state: &super::state::AppState, frame_times: &super::view_options::FrameTimes) {
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

/// A line in the browser's console (the browser check prints the ones starting "nsgf:");
/// nothing elsewhere.
pub fn console_note(line: &str) {
    #[cfg(target_arch = "wasm32")]
    web_sys::console::log_1(&line.into());
    #[cfg(not(target_arch = "wasm32"))]
    let _ = line;
}
