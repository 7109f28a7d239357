//! The Adam optimiser (Kingma & Ba, 2015) over an [`Mlp`]'s flat parameter vector.

use super::{Gradients, Mlp};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

/// Adam with β1 = 0.9, β2 = 0.999, ε = 1e-8 and bias-corrected moments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adam {
    learning_rate: f32,
    beta1: f32,
    beta2: f32,
    epsilon: f32,
    /// Steps taken so far.
    steps: u64,
    /// Running mean of the gradients.
    first_moment: Vec<f32>,
    /// Running mean of the squared gradients.
    second_moment: Vec<f32>,
}

impl Adam {
    /// An optimiser for `mlp`'s parameters, with zero moments.
    pub fn new(learning_rate: f32, mlp: &Mlp) -> Adam {
        let count = mlp.parameter_count();
        Adam {
            learning_rate,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            steps: 0,
            first_moment: vec![0.0; count],
            second_moment: vec![0.0; count],
        }
    }

    /// The current learning rate.
    pub fn learning_rate(&self) -> f32 {
        self.learning_rate
    }

    /// Changes the learning rate (for schedules); the moments are kept.
    pub fn set_learning_rate(&mut self, learning_rate: f32) {
        self.learning_rate = learning_rate;
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// One update: p ← p − lr·m̂/(√v̂ + ε).
    ///
    /// Panics if `mlp` or `gradients` are not the size of the network this optimiser was made for.
    pub fn step(&mut self, mlp: &mut Mlp, gradients: &Gradients) {
        let parameters = mlp.parameters_mut();
        let gradients = gradients.as_slice();
        assert!(
            parameters.len() == self.first_moment.len() && gradients.len() == parameters.len(),
            "Adam was made for {} parameters, got a network of {} and gradients of {}",
            self.first_moment.len(),
            parameters.len(),
            gradients.len()
        );
        self.steps += 1;
        let t = i32::try_from(self.steps).unwrap_or(i32::MAX);
        let first_correction = 1.0 - f64::from(self.beta1).powi(t);
        let second_correction = 1.0 - f64::from(self.beta2).powi(t);
        let step_size = (f64::from(self.learning_rate) / first_correction) as f32;
        let second_scale = (1.0 / second_correction) as f32;
        let (beta1, beta2, epsilon) = (self.beta1, self.beta2, self.epsilon);
        for (((p, &g), m), v) in parameters
            .iter_mut()
            .zip(gradients)
            .zip(&mut self.first_moment)
            .zip(&mut self.second_moment)
        {
            *m = beta1 * *m + (1.0 - beta1) * g;
            *v = beta2 * *v + (1.0 - beta2) * g * g;
            *p -= step_size * *m / ((*v * second_scale).sqrt() + epsilon);
        }
    }
}

/// One training step on a batch: computes the MSE loss and its gradients, then takes an Adam
/// step. Returns the loss before the step.
pub fn train_step(
    mlp: &mut Mlp,
    adam: &mut Adam,
    input: ArrayView2<f32>,
    target: ArrayView2<f32>,
) -> f32 {
    let (loss, gradients) = mlp.loss_and_gradients(input, target);
    adam.step(mlp, &gradients);
    loss
}
