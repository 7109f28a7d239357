//! The inputs slice: source, target, particle count, seed and the flow's parameters, with
//! their own [`InputCommand`]s, and the pictures and words a source or target can be
//! ([`ShapeCommand`]s).

pub mod shapes;
pub(crate) mod ui;

use crate::app::state::context::{Change, Context};
use crate::app::state::inputs::shapes::{ShapeCommand, Shapes};

use crate::data::{Preset, Stream, derive_seed};
use crate::flow::{FlowConfig, FlowSolver};
use crate::model::{Method, TrainConfig};
use crate::ot::SinkhornParams;

/// The most particles the app simulates.
pub(crate) const MAX_PARTICLES: usize = 20_000;

/// Which source the flows start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceChoice {
    /// A named preset.
    Preset(Preset),
    /// The source shape (a picture, a word or points, from a scene or the target's shape).
    Shape,
}

/// Which target the flows go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetChoice {
    /// A named preset.
    Preset(Preset),
    /// The drawn (or loaded) point set.
    Drawn,
    /// The shipped 8×8 digits, 64 dimensions (from N(0, I) in 64 dimensions; the view shows
    /// image grids or the first two principal components).
    Digits,
    /// The target shape: a picture or a word.
    Shape,
}

/// The inputs of the particle flow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowSettings {
    /// Source.
    pub source: SourceChoice,
    /// Target.
    pub target: TargetChoice,
    /// Particles (and target samples).
    pub particles: usize,
    /// Seed of the samples.
    pub seed: u64,
    /// Steps, η, blur and scaling.
    pub flow: FlowConfig,
    /// How each Euler step is solved.
    pub solver: FlowSolver,
}

impl Default for FlowSettings {
    fn default() -> Self {
        Self {
            source: SourceChoice::Preset(Preset::Gaussian),
            target: TargetChoice::Preset(Preset::Moons),
            particles: 1000,
            seed: 0,
            flow: FlowConfig {
                steps: 40,
                eta: 0.25,
                sinkhorn: SinkhornParams {
                    blur: 0.05,
                    scaling: 0.8,
                },
            },
            solver: FlowSolver::Exact,
        }
    }
}

/// What the user changes about the inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InputCommand {
    /// Pick the source preset.
    SetSource(Preset),
    /// Pick the target.
    SetTarget(TargetChoice),
    /// Set the number of particles (clamped to 1..=`MAX_PARTICLES`).
    SetParticles(usize),
    /// Set the sample seed.
    SetSeed(u64),
    /// Draw fresh samples (next seed).
    NewSamples,
    /// Set the particle flow's steps, η, blur and scaling.
    SetFlowConfig(FlowConfig),
    /// Choose how the particle flow's steps are solved.
    SetSolver(FlowSolver),
    /// The drawn points changed: the drawn target is the target, and both flows start again
    /// (the flow keeps its parameters).
    UseDrawnTarget,
}

/// What an input command changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputChange {
    /// Nothing.
    None,
    /// The samples (source, target, n or seed): both flows start again.
    Samples,
    /// Only the particle flow's parameters: the particle flow starts again.
    FlowParameters,
}

impl FlowSettings {
    /// Applies one command and says what changed.
    pub fn apply(&mut self, command: InputCommand) -> InputChange {
        let before = *self;
        match command {
            InputCommand::SetSource(preset) => self.source = SourceChoice::Preset(preset),
            InputCommand::SetTarget(choice) => {
                let digits = TargetChoice::Digits;
                if (choice == digits) != (self.target == digits) {
                    // The digits flow at their own scale (blur 1, as `nsgf train --target
                    // digits` simulates it); back in the plane, the plane's defaults.
                    self.flow = if choice == digits {
                        TrainConfig::defaults_for_dim(Method::Nsgf, crate::data::digits::DIM).flow
                    } else {
                        Self::default().flow
                    };
                }
                self.target = choice;
            }
            InputCommand::SetParticles(n) => self.particles = n.clamp(1, MAX_PARTICLES),
            InputCommand::SetSeed(seed) => self.seed = seed,
            InputCommand::NewSamples => {
                self.seed = derive_seed(self.seed, Stream::NextSamples);
                return InputChange::Samples;
            }
            InputCommand::SetFlowConfig(config) => self.flow = config,
            InputCommand::SetSolver(solver) => self.solver = solver,
            InputCommand::UseDrawnTarget => {
                self.target = TargetChoice::Drawn;
                return InputChange::Samples;
            }
        }
        let samples = (before.source, before.target, before.particles, before.seed)
            != (self.source, self.target, self.particles, self.seed);
        if samples {
            InputChange::Samples
        } else if before.flow != self.flow || before.solver != self.solver {
            InputChange::FlowParameters
        } else {
            InputChange::None
        }
    }
}

/// The inputs slice: the settings and the pictures and words a source or target can be. It
/// handles [`InputCommand`]s and [`ShapeCommand`]s and notes what they changed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inputs {
    settings: FlowSettings,
    shapes: Shapes,
}

impl Inputs {
    /// The inputs `settings`, with no shapes yet.
    pub(crate) fn new(settings: FlowSettings) -> Self {
        Self {
            settings,
            shapes: Shapes::default(),
        }
    }

    /// Source, target, n, seed and the flow's parameters.
    pub(crate) fn settings(&self) -> &FlowSettings {
        &self.settings
    }

    /// The pictures and words of the data-source menu.
    pub(crate) fn shapes(&self) -> &Shapes {
        &self.shapes
    }

    /// Applies an input command and notes what it changed.
    pub(crate) fn apply(&mut self, command: InputCommand, context: &mut Context) {
        match self.settings.apply(command) {
            InputChange::None => {}
            InputChange::Samples => context.note(Change::Samples),
            InputChange::FlowParameters => context.note(Change::FlowParameters),
        }
    }

    /// Applies a picture or word command; an unusable word or picture is an error that keeps
    /// the current source and target.
    pub(crate) fn apply_shape(&mut self, command: ShapeCommand, context: &mut Context) {
        let result = match command {
            ShapeCommand::SetWord(text) => self.shapes.set_word(text).map(|()| true),
            ShapeCommand::SetPictureOptions(options) => self.shapes.set_options(options),
            ShapeCommand::SetPicture(mass) => {
                let label = mass.label.clone();
                match self.shapes.set_picture(*mass) {
                    Ok(()) => {
                        context.say(format!("opened the picture {label}"));
                        self.settings.target = TargetChoice::Shape;
                        context.note(Change::Samples);
                    }
                    Err(error) => context.fail(format!("{error}; the current target is kept")),
                }
                return;
            }
            ShapeCommand::SetTarget(target) => {
                self.shapes.set_target(target);
                self.settings.target = TargetChoice::Shape;
                context.note(Change::Samples);
                return;
            }
            ShapeCommand::SetSource(source) => {
                self.shapes.set_source(source);
                self.settings.source = SourceChoice::Shape;
                context.note(Change::Samples);
                return;
            }
            ShapeCommand::TargetAsSource => match self.shapes.target().cloned() {
                Some(target) if self.settings.target == TargetChoice::Shape => {
                    self.shapes.set_source(target);
                    self.settings.source = SourceChoice::Shape;
                    context.note(Change::Samples);
                    return;
                }
                _ => {
                    context.fail("the target is not a picture or a word");
                    return;
                }
            },
        };
        match result {
            Ok(true) => {
                context.messages_mut().dismiss_error();
                self.settings.target = TargetChoice::Shape;
                context.note(Change::Samples);
            }
            Ok(false) => {}
            Err(error) => context.fail(format!("{error}; the current target is kept")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_changes_count() {
        let mut settings = FlowSettings::default();
        assert_eq!(
            settings.apply(InputCommand::SetTarget(TargetChoice::Preset(Preset::Moons))),
            InputChange::None
        );
        assert_eq!(
            settings.apply(InputCommand::SetParticles(1_000_000)),
            InputChange::Samples
        );
        assert_eq!(settings.particles, MAX_PARTICLES);
        let mut flow = settings.flow;
        flow.steps = 7;
        assert_eq!(
            settings.apply(InputCommand::SetFlowConfig(flow)),
            InputChange::FlowParameters
        );
        assert_eq!(
            settings.apply(InputCommand::NewSamples),
            InputChange::Samples
        );
        assert_eq!(settings.seed, 1);
    }
}
