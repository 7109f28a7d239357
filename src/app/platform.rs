//! What differs between the desktop and the browser, in one place: where jobs run, the
//! defaults suited to each, and how the app starts.

use std::time::Duration;

/// In the browser, the jobs' share of each frame (the page stays above 30 fps: 8 ms of jobs
/// plus drawing fit in 33 ms).
pub const JOB_BUDGET_PER_FRAME: Duration = Duration::from_millis(8);

/// Particles of the first flow: the desktop's default, fewer in the browser, where one thread
/// computes everything.
pub fn default_particles() -> usize {
    if cfg!(target_arch = "wasm32") {
        300
    } else {
        super::state::FlowSettings::default().particles
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
                    let app = super::NsgfApp::new(&cc.egui_ctx, settings, None)?;
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
/// `window.nsgf_frame` (the playback frame) and `window.nsgf_frames` (frames recorded).
/// Elsewhere nothing.
pub fn publish(state: &super::state::AppState) {
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
        for (key, value) in [
            ("nsgf_backend", wasm_bindgen::JsValue::from_str(&backend)),
            (
                "nsgf_frame",
                wasm_bindgen::JsValue::from_f64(state.playback().position() as f64),
            ),
            (
                "nsgf_frames",
                wasm_bindgen::JsValue::from_f64(frames as f64),
            ),
        ] {
            let _ = js_sys::Reflect::set(&window, &key.into(), &value);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = state;
}
