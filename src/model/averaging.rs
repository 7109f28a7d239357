//! An exponential moving average of a network's parameters: the averaged network is what gets
//! sampled, which smooths out the minibatch noise of the last Adam steps.

use crate::nn::Mlp;

/// Decay of the moving average per Adam step.
pub(super) const EMA_DECAY: f32 = 0.995;

/// The running average of one network's parameters.
pub(super) struct ParameterAverage {
    averaged: Mlp,
    updates: u32,
}

impl ParameterAverage {
    /// Starts the average at the network's current parameters.
    pub fn new(network: &Mlp) -> Self {
        Self {
            averaged: network.clone(),
            updates: 0,
        }
    }

    /// Folds in the network's parameters after one Adam step. The decay ramps up from 0 so that
    /// early averages are not dominated by the random initialisation.
    pub fn update(&mut self, network: &Mlp) {
        self.updates += 1;
        let warmup = (1.0 + self.updates as f32) / (10.0 + self.updates as f32);
        let decay = EMA_DECAY.min(warmup);
        for (average, &current) in self
            .averaged
            .parameters_mut()
            .iter_mut()
            .zip(network.parameters())
        {
            *average = decay * *average + (1.0 - decay) * current;
        }
    }

    /// The averaged network.
    pub fn network(&self) -> &Mlp {
        &self.averaged
    }

    /// The averaged network, by value.
    pub fn into_network(self) -> Mlp {
        self.averaged
    }
}
