//! Which flow the plot shows and its overlays, with their own [`ViewCommand`]s.

/// Which flow the plot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowView {
    /// The empirical Sinkhorn particle flow.
    Particle,
    /// The learned NSGF / NSGF++ flow.
    Learned,
    /// Both side by side at the same time t (the timeline steps through the particle flow;
    /// the learned flow shows its frame nearest in t).
    Split,
}

/// The overlays of the plot, each toggled: the scene file's own type, so a scene keeps them
/// as they are.
pub use crate::scene::SceneOverlays as Overlays;

/// What the user changes about the view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ViewCommand {
    /// Which flow the plot shows.
    SetView(FlowView),
    /// Overlay toggles.
    SetOverlays(Overlays),
}

/// The view: which flow is shown, and the overlays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewSettings {
    view: FlowView,
    overlays: Overlays,
}

impl Default for ViewSettings {
    fn default() -> Self {
        Self {
            view: FlowView::Particle,
            overlays: Overlays::default(),
        }
    }
}

impl ViewSettings {
    /// Which flow is shown.
    pub fn view(&self) -> FlowView {
        self.view
    }

    /// The overlay toggles.
    pub fn overlays(&self) -> Overlays {
        self.overlays
    }

    /// Applies one command.
    pub fn apply(&mut self, command: ViewCommand) {
        match command {
            ViewCommand::SetView(view) => self.view = view,
            ViewCommand::SetOverlays(overlays) => self.overlays = overlays,
        }
    }

    /// Shows the learned flow when the particle flow alone is shown (a model just arrived).
    pub fn reveal_learned(&mut self) {
        if self.view == FlowView::Particle {
            self.view = FlowView::Learned;
        }
    }
}
