//! A read-only look at the flow's inputs ([`Setup`]): the settings, the shapes and the drawn
//! points, and the source and target distributions, dimension and labels made from them. The
//! slices that start work (the flow, training, the mean field, files) read their inputs here.

use super::drawing::Drawing;
use super::inputs::{Inputs, SourceChoice, TargetChoice};
use super::learning::training::ModelInputs;
use super::{DRAWN_LABEL, FlowSettings};
use crate::data::Distribution;
use crate::model::TrainConfig;

/// The inputs of both flows, read-only.
#[derive(Clone, Copy)]
pub(crate) struct Setup<'a> {
    pub(super) inputs: &'a Inputs,
    pub(super) drawing: &'a Drawing,
}

impl<'a> Setup<'a> {
    /// Source, target, n, seed and the flow's parameters.
    pub(crate) fn settings(&self) -> &'a FlowSettings {
        self.inputs.settings()
    }

    /// The drawn points.
    pub(crate) fn drawing(&self) -> &'a Drawing {
        self.drawing
    }

    /// The dimension of the flows' points (2, or 64 for the digits).
    pub(crate) fn dimension(&self) -> usize {
        match self.settings().target {
            TargetChoice::Digits => crate::data::digits::DIM,
            _ => 2,
        }
    }

    /// The source distribution: the source preset or shape, or N(0, I) in the target's
    /// dimension when that is not 2.
    pub(crate) fn source_distribution(&self) -> Distribution {
        let settings = self.settings();
        match (
            settings.target,
            settings.source,
            self.inputs.shapes().source(),
        ) {
            (TargetChoice::Digits, _, _) => Distribution::StandardNormal {
                dim: crate::data::digits::DIM,
            },
            (_, SourceChoice::Shape, Some(shape)) => shape.clone(),
            (_, SourceChoice::Preset(preset), _) => Distribution::Preset(preset),
            // `Shape` is only chosen together with a shape.
            (_, SourceChoice::Shape, None) => Distribution::Preset(crate::data::Preset::Gaussian),
        }
    }

    /// The target distribution (the drawn points for a drawn target).
    pub(crate) fn target_distribution(&self) -> Distribution {
        match self.settings().target {
            TargetChoice::Preset(preset) => Distribution::Preset(preset),
            TargetChoice::Drawn => Distribution::Points {
                label: DRAWN_LABEL.to_string(),
                points: self.drawing.drawn().points().to_vec(),
            },
            TargetChoice::Digits => Distribution::Digits,
            TargetChoice::Shape => {
                self.inputs
                    .shapes()
                    .target()
                    .cloned()
                    .unwrap_or(Distribution::Points {
                        label: DRAWN_LABEL.to_string(),
                        points: Vec::new(),
                    })
            }
        }
    }

    /// Whether the target is drawn and holds no point yet.
    pub(crate) fn drawn_target_is_empty(&self) -> bool {
        self.settings().target == TargetChoice::Drawn && self.drawing.drawn().points().is_empty()
    }

    /// A short name of the source for labels.
    pub(crate) fn source_label(&self) -> String {
        self.source_distribution().label()
    }

    /// A short name of the target for labels.
    pub(crate) fn target_label(&self) -> String {
        match self.settings().target {
            TargetChoice::Preset(preset) => preset.name().to_string(),
            TargetChoice::Drawn => DRAWN_LABEL.to_string(),
            TargetChoice::Digits => "digits".to_string(),
            TargetChoice::Shape => self
                .inputs
                .shapes()
                .target()
                .map_or_else(|| DRAWN_LABEL.to_string(), Distribution::label),
        }
    }

    /// What a model trained now with `config` would be trained on.
    pub(crate) fn model_inputs(&self, config: TrainConfig) -> ModelInputs {
        ModelInputs {
            source: self.source_distribution(),
            target: self.target_distribution(),
            config,
        }
    }
}
