//! Where share links point: the page's own address in the browser, `NSGF_SHARE_BASE` on the
//! desktop. A leaf module, so the scene panel can read it without depending on the platform glue.

/// The address a share link starts with: the page's own in the browser; on the desktop
/// `NSGF_SHARE_BASE` (where the browser build is served), else nothing (the link is then its
/// `#scene=…` part, which `nsgf --scene` opens and any page of the browser build takes).
pub(crate) fn share_base() -> String {
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
