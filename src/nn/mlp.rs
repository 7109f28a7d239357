//! A fully connected network: `input → [hidden_width, activation] × hidden_layers → output`
//! (linear output), with a hand-written backward pass for the mean squared error.
//!
//! All parameters live in one flat `Vec<f32>`. Layer by layer, first the weights (fan_in ×
//! fan_out, row-major: `W[k][j]` multiplies input `k` into output `j`), then the biases
//! (fan_out). A layer computes `z = h·W + b` on a batch `h` whose rows are samples.

use super::Activation;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// Errors of building an MLP from stored parameters.
#[derive(Debug, thiserror::Error)]
pub enum NnError {
    /// The stored parameter vector does not fit the stored shape.
    #[error(
        "MLP {input}→{hidden_width}×{hidden_layers}→{output} needs {expected} parameters, the file holds {found}"
    )]
    ParameterCount {
        /// Inputs.
        input: usize,
        /// Hidden width.
        hidden_width: usize,
        /// Hidden layers.
        hidden_layers: usize,
        /// Outputs.
        output: usize,
        /// Parameters the shape needs.
        expected: usize,
        /// Parameters stored.
        found: usize,
    },
}

/// The shape of an MLP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MlpConfig {
    /// Inputs per sample.
    pub input: usize,
    /// Units of every hidden layer.
    pub hidden_width: usize,
    /// Number of hidden layers (0: a linear map).
    pub hidden_layers: usize,
    /// Outputs per sample (the output layer is linear).
    pub output: usize,
    /// The hidden activation.
    pub activation: Activation,
}

impl MlpConfig {
    /// The (fan_in, fan_out) of every layer, input layer first.
    fn layer_sizes(&self) -> Vec<(usize, usize)> {
        let mut widths = vec![self.input];
        widths.extend(std::iter::repeat_n(self.hidden_width, self.hidden_layers));
        widths.push(self.output);
        widths.windows(2).map(|pair| (pair[0], pair[1])).collect()
    }

    /// The number of parameters (weights and biases) of a network of this shape.
    pub fn parameter_count(&self) -> usize {
        self.layer_sizes()
            .iter()
            .map(|(fan_in, fan_out)| (fan_in + 1) * fan_out)
            .sum()
    }
}

/// Where one layer's parameters sit in the flat vector.
#[derive(Debug, Clone, Copy)]
struct LayerSpan {
    fan_in: usize,
    fan_out: usize,
    /// Offset of the weights; the biases follow them.
    offset: usize,
}

impl LayerSpan {
    fn weights_range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.fan_in * self.fan_out
    }

    fn bias_range(&self) -> std::ops::Range<usize> {
        let start = self.offset + self.fan_in * self.fan_out;
        start..start + self.fan_out
    }
}

/// The layer spans of a config.
fn spans(config: &MlpConfig) -> Vec<LayerSpan> {
    let mut offset = 0;
    config
        .layer_sizes()
        .into_iter()
        .map(|(fan_in, fan_out)| {
            let span = LayerSpan {
                fan_in,
                fan_out,
                offset,
            };
            offset += (fan_in + 1) * fan_out;
            span
        })
        .collect()
}

/// A multilayer perceptron in f32 with its parameters in one flat vector (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StoredMlp")]
pub struct Mlp {
    config: MlpConfig,
    parameters: Vec<f32>,
}

/// The serialized form of an [`Mlp`], checked before it becomes one.
#[derive(Deserialize)]
struct StoredMlp {
    config: MlpConfig,
    parameters: Vec<f32>,
}

impl TryFrom<StoredMlp> for Mlp {
    type Error = NnError;

    fn try_from(stored: StoredMlp) -> Result<Mlp, NnError> {
        Mlp::from_parameters(stored.config, stored.parameters)
    }
}

/// The gradient of a loss with respect to every parameter of an [`Mlp`], in the same layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradients {
    values: Vec<f32>,
}

impl Gradients {
    /// The gradient values, in the layout of [`Mlp::parameters`].
    pub fn as_slice(&self) -> &[f32] {
        &self.values
    }

    /// The gradient values, mutable (for clipping or scaling).
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.values
    }
}

/// What the training forward pass keeps for the backward pass.
struct ForwardCache {
    /// Per hidden layer: the activation's derivative at the pre-activations, act'(z).
    derivatives: Vec<Array2<f32>>,
    /// Per hidden layer: activations h = act(z) (the next layer's input).
    activations: Vec<Array2<f32>>,
    /// The network output.
    output: Array2<f32>,
}

impl Mlp {
    /// A fresh network: hidden weights drawn with the activation's init
    /// (`Activation::init_std`), output weights with LeCun's √(1/fan_in), biases zero.
    pub fn new(config: &MlpConfig, rng: &mut impl Rng) -> Mlp {
        let mut parameters = vec![0.0f32; config.parameter_count()];
        let layers = spans(config);
        let last = layers.len() - 1;
        for (index, span) in layers.iter().enumerate() {
            let std = if index == last {
                Activation::Selu.init_std(span.fan_in)
            } else {
                config.activation.init_std(span.fan_in)
            };
            for weight in &mut parameters[span.weights_range()] {
                *weight = std * rng.sample::<f32, _>(StandardNormal);
            }
        }
        Mlp {
            config: *config,
            parameters,
        }
    }

    /// A network of shape `config` with the given parameters (layout in the module docs).
    pub fn from_parameters(config: MlpConfig, parameters: Vec<f32>) -> Result<Mlp, NnError> {
        let expected = config.parameter_count();
        if parameters.len() != expected {
            return Err(NnError::ParameterCount {
                input: config.input,
                hidden_width: config.hidden_width,
                hidden_layers: config.hidden_layers,
                output: config.output,
                expected,
                found: parameters.len(),
            });
        }
        Ok(Mlp { config, parameters })
    }

    /// The shape of the network.
    pub fn config(&self) -> &MlpConfig {
        &self.config
    }

    /// The number of parameters.
    pub fn parameter_count(&self) -> usize {
        self.parameters.len()
    }

    /// All parameters, layer by layer: weights (fan_in × fan_out, row-major), then biases.
    pub fn parameters(&self) -> &[f32] {
        &self.parameters
    }

    /// All parameters, mutable (same layout as [`Mlp::parameters`]).
    pub fn parameters_mut(&mut self) -> &mut [f32] {
        &mut self.parameters
    }

    /// Whether every parameter is finite.
    pub fn is_finite(&self) -> bool {
        self.parameters.iter().all(|p| p.is_finite())
    }

    fn weights(&self, span: &LayerSpan) -> ArrayView2<'_, f32> {
        ArrayView2::from_shape(
            (span.fan_in, span.fan_out),
            &self.parameters[span.weights_range()],
        )
        .expect("layer spans match the parameter vector")
    }

    fn bias(&self, span: &LayerSpan) -> ArrayView1<'_, f32> {
        ArrayView1::from(&self.parameters[span.bias_range()])
    }

    /// Panics with a clear message when a batch does not fit the network.
    fn check_batch(&self, input: &ArrayView2<f32>, target: Option<&ArrayView2<f32>>) {
        assert_eq!(
            input.ncols(),
            self.config.input,
            "MLP input has {} columns, the network takes {}",
            input.ncols(),
            self.config.input
        );
        if let Some(target) = target {
            assert_eq!(
                target.dim(),
                (input.nrows(), self.config.output),
                "MLP target shape does not match (batch {}, outputs {})",
                input.nrows(),
                self.config.output
            );
        }
    }

    /// One layer: `h·W + b`, then the activation on hidden layers.
    fn layer(&self, span: &LayerSpan, h: ArrayView2<f32>, hidden: bool) -> Array2<f32> {
        let mut z = h.dot(&self.weights(span));
        z += &self.bias(span);
        if hidden {
            let activation = self.config.activation;
            z.mapv_inplace(|value| activation.apply(value));
        }
        z
    }

    /// The outputs for a batch (rows = samples; `input.ncols()` must equal `config().input`).
    /// Inference only: keeps no intermediate results.
    pub fn forward(&self, input: ArrayView2<f32>) -> Array2<f32> {
        self.check_batch(&input, None);
        let layers = spans(&self.config);
        let last = layers.len() - 1;
        let mut h = self.layer(&layers[0], input, last > 0);
        for (index, span) in layers.iter().enumerate().skip(1) {
            h = self.layer(span, h.view(), index < last);
        }
        h
    }

    /// The same forward pass in f64 arithmetic on the (widened) f32 parameters: a slow
    /// reference for gradient checks and numerical comparisons.
    pub fn forward_f64(&self, input: ArrayView2<f64>) -> Array2<f64> {
        assert_eq!(input.ncols(), self.config.input, "MLP input width");
        let layers = spans(&self.config);
        let last = layers.len() - 1;
        let mut h = input.to_owned();
        for (index, span) in layers.iter().enumerate() {
            let weights = self.weights(span).mapv(f64::from);
            let bias = self.bias(span).mapv(f64::from);
            h = h.dot(&weights) + &bias;
            if index < last {
                let activation = self.config.activation;
                h.mapv_inplace(|value| activation.apply_f64(value));
            }
        }
        h
    }

    /// The forward pass that keeps what the backward pass needs.
    fn forward_cached(&self, input: ArrayView2<f32>) -> ForwardCache {
        let layers = spans(&self.config);
        let last = layers.len() - 1;
        let mut derivatives = Vec::with_capacity(last);
        let mut activations: Vec<Array2<f32>> = Vec::with_capacity(last);
        let activation = self.config.activation;
        for span in &layers[..last] {
            let h = activations.last().map_or(input, |a| a.view());
            let mut z = h.dot(&self.weights(span));
            z += &self.bias(span);
            let mut derivative = Array2::zeros(z.raw_dim());
            Zip::from(&mut z)
                .and(&mut derivative)
                .for_each(|value, slope| {
                    (*value, *slope) = activation.apply_with_derivative(*value);
                });
            derivatives.push(derivative);
            activations.push(z);
        }
        let h = activations.last().map_or(input, |a| a.view());
        let output = self.layer(&layers[last], h, false);
        ForwardCache {
            derivatives,
            activations,
            output,
        }
    }

    /// The mean squared error L = (1/B)·Σ_b ‖pred_b − target_b‖² (summed over outputs,
    /// averaged over the batch).
    pub fn loss(&self, input: ArrayView2<f32>, target: ArrayView2<f32>) -> f32 {
        self.check_batch(&input, Some(&target));
        let prediction = self.forward(input);
        squared_error_sum(&prediction, &target) / input.nrows().max(1) as f32
    }

    /// The loss [`Mlp::loss`] and its gradient with respect to every parameter.
    pub fn loss_and_gradients(
        &self,
        input: ArrayView2<f32>,
        target: ArrayView2<f32>,
    ) -> (f32, Gradients) {
        self.check_batch(&input, Some(&target));
        let batch = input.nrows().max(1) as f32;
        let cache = self.forward_cached(input);
        let loss = squared_error_sum(&cache.output, &target) / batch;

        let mut gradients = vec![0.0f32; self.parameters.len()];
        // dL/dpred = 2·(pred − target)/B.
        let mut delta = cache.output;
        Zip::from(&mut delta)
            .and(&target)
            .for_each(|d, &t| *d = 2.0 * (*d - t) / batch);
        let layers = spans(&self.config);
        for (index, span) in layers.iter().enumerate().rev() {
            let h = if index == 0 {
                input
            } else {
                cache.activations[index - 1].view()
            };
            let (weight_part, bias_part) = gradients[span.offset..span.bias_range().end]
                .split_at_mut(span.fan_in * span.fan_out);
            let mut weight_gradient =
                ArrayViewMut2::from_shape((span.fan_in, span.fan_out), weight_part)
                    .expect("layer spans match the gradient vector");
            general_mat_mul(1.0, &h.t(), &delta, 0.0, &mut weight_gradient);
            ArrayViewMut1::from(bias_part).assign(&delta.sum_axis(Axis(0)));
            if index > 0 {
                let mut previous = delta.dot(&self.weights(span).t());
                previous *= &cache.derivatives[index - 1];
                delta = previous;
            }
        }
        (loss, Gradients { values: gradients })
    }
}

/// Σ (pred − target)² over every entry.
fn squared_error_sum(prediction: &Array2<f32>, target: &ArrayView2<f32>) -> f32 {
    let mut sum = 0.0f32;
    Zip::from(prediction)
        .and(target)
        .for_each(|&p, &t| sum += (p - t) * (p - t));
    sum
}
