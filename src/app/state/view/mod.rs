//! Which flow the plot shows and its overlays, with their own [`ViewCommand`]s.

pub(crate) mod plot_items;
pub(crate) mod plot_ui;
pub(crate) mod ui;
pub(crate) mod wide_ui;

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
    /// How flows of more than two dimensions are drawn.
    SetWideView(WideView),
    /// Show the learned flow when the particle flow alone is shown (a model just arrived).
    RevealLearned,
}

/// How the plot draws a flow of more than two dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WideView {
    /// Each point as an 8×8 image, in a grid (the first 64 points).
    #[default]
    Images,
    /// Every point on the target's first two principal components.
    PrincipalComponents,
}

/// The view: which flow is shown, the overlays, and how a flow of more than two dimensions is
/// drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ViewSettings {
    view: FlowView,
    overlays: Overlays,
    wide_view: WideView,
}

impl Default for ViewSettings {
    fn default() -> Self {
        Self {
            view: FlowView::Particle,
            overlays: Overlays::default(),
            wide_view: WideView::default(),
        }
    }
}

impl ViewSettings {
    /// How a flow of more than two dimensions is drawn.
    pub(crate) fn wide_view(self) -> WideView {
        self.wide_view
    }

    /// Which flow is shown.
    pub(crate) fn view(self) -> FlowView {
        self.view
    }

    /// The overlay toggles.
    pub(crate) fn overlays(self) -> Overlays {
        self.overlays
    }

    /// Applies one command.
    pub(crate) fn apply(&mut self, command: ViewCommand) {
        match command {
            ViewCommand::SetView(view) => self.view = view,
            ViewCommand::SetOverlays(overlays) => self.overlays = overlays,
            ViewCommand::SetWideView(wide_view) => self.wide_view = wide_view,
            ViewCommand::RevealLearned => {
                if self.view == FlowView::Particle {
                    self.view = FlowView::Learned;
                }
            }
        }
    }
}
