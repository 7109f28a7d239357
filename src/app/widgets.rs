//! Small widget helpers shared by the panels.

use eframe::egui;
use egui::{Response, Ui, Widget};

/// What a control means, with its unit, by the control's label (the tooltips of the controls
/// that have no tooltip of their own where they are drawn).
pub(crate) fn tip(label: &str) -> Option<&'static str> {
    Some(match label {
        "Source" => "The distribution the particles start from",
        "Target" => {
            "The distribution the particles flow to (a preset, the drawn points, a picture, \
             a word, or the 8×8 digits in 64 dimensions)"
        }
        "Word" => {
            "Type a word: the target becomes its letters, drawn in the built-in font (lower \
             case, digits, Greek and Cyrillic work)"
        }
        "Picture" => {
            "A PNG, JPEG or WebP picture as the target (or drop one on the window): mass from \
             dark pixels, or from opaque ones where the picture has transparency"
        }
        "Particles" => "Number of particles, and of target samples (count)",
        "Mean-field limit…" => {
            "How the empirical velocity field approaches its large-n limit as the number of \
             samples grows: error against n, and the field at a chosen n beside the reference"
        }
        "Solver" => {
            "How each Euler step is solved: exact runs GeomLoss's whole ε-annealing; fast \
             restarts its tail at 16·blur from the previous step (about a quarter of the time, \
             within 1 % of the diameter of the exact flow; ≥ 10 steps/s up to about 4000 \
             particles on 2 cores); multiscale anneals every step coarse-to-fine on clusters \
             (about 0.4 of the time, closer still; CPU only). On the CPU all skip negligible \
             terms from 1000 × 1000 points"
        }
        "Seed" => "Seed of the source and target samples (integer)",
        "Step η" => "Euler step size η of x ← x + η·v(x) (dimensionless)",
        "Steps" => "Euler steps T of the particle flow (count)",
        "Paint" => "Drags on the plot add target points",
        "Erase" => "Drags on the plot remove target points",
        "Brush radius" => "Radius of the brush, in plot units",
        "Density" => "Points added per brush dab (count)",
        "Undo" => "Undo the last stroke, clear or load",
        "Clear" => "Remove every drawn point (undoable)",
        "Load CSV…" => "Load x,y points from a CSV file as the drawn target",
        "Save CSV…" => "Save the drawn points as an x,y CSV file",
        "Colour by starting position" => "Colour each particle by where it started",
        "Trails" => "Draw each particle's recent path",
        "Target samples" => "Draw the target samples in grey",
        "Arrows at particles" => "Draw η·v at every particle (the Euler step about to be taken)",
        "Arrows on a grid (quiver)" => "Draw the velocity field on a 32 × 32 grid over the plot",
        "NSGF++ phase boundary" => "Mark where NSGF++ switches to its straight flow",
        "Arrow length ×" => "Scale of the drawn arrows (×, display only)",
        "Speed" => "Playback speed, in frames per second",
        "Particle flow" => "Show the Sinkhorn particle flow",
        "Learned flow" => "Show the flow the trained network generates",
        "Side by side" => "Show both flows next to each other, synchronised by t",
        "Method" => {
            "NSGF (velocity field), NSGF++ (≤ 5 Sinkhorn steps, then a straight flow) or one-step \
             (a generator G(z) that jumps in one network evaluation)"
        }
        "Mode" => {
            "direct: G learns from the debiased Sinkhorn-flow velocity of its own samples (no \
             teacher); distilled: G learns the endpoints of the shown NSGF or NSGF++ model"
        }
        "Iterations" => "Outer training iterations: flows simulated into the pool, then Adam steps",
        "Flow steps T" => "Euler steps of each simulated training flow (count)",
        "Particles / flow" => "Particles of each simulated training flow (count)",
        "Adam steps / iter" => "Adam steps on pool minibatches per iteration (count)",
        "Learning rate" => "Adam learning rate (per step)",
        "Hidden width" => "Neurons per hidden layer of the MLPs (count)",
        "Straight-flow steps" => "NSGF++: Adam steps of the straight flow and time predictor",
        "Cancel" => "Stop training; the previous model is kept",
        "Save model…" => "Save the trained model as JSON (for nsgf sample, eval and gif)",
        "Load model…" => "Load a model saved by nsgf or the app",
        _ => return None,
    })
}

/// `response` with the tooltip [`tip`] has for `label`, if any.
pub(crate) fn with_tip(response: Response, label: &str) -> Response {
    match tip(label) {
        Some(text) => response.on_hover_text(text),
        None => response,
    }
}

/// A button with the tooltip of its label.
pub(crate) fn button(ui: &mut Ui, text: &str) -> Response {
    with_tip(ui.button(text), text)
}

/// A checkbox with the tooltip of its label.
pub(crate) fn checkbox(ui: &mut Ui, checked: &mut bool, text: &str) -> Response {
    with_tip(ui.checkbox(checked, text), text)
}

/// A label followed by `widget`, which the label names for screen readers and UI tests; both
/// carry the label's tooltip.
pub(crate) fn labelled(ui: &mut Ui, label: &str, widget: impl Widget) -> Response {
    let shown = with_tip(ui.label(label), label);
    with_tip(ui.add(widget).labelled_by(shown.id), label)
}
