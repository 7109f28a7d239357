//! The activation functions and their derivatives, in f32 (training) and f64 (reference).

use super::Activation;

/// SELU's scale λ.
const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
/// SELU's α.
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;

impl Activation {
    /// The activation of a pre-activation `z`.
    pub fn apply(self, z: f32) -> f32 {
        match self {
            Activation::Silu => z * (1.0 / (1.0 + (-z).exp())),
            Activation::Selu => {
                if z > 0.0 {
                    SELU_LAMBDA as f32 * z
                } else {
                    (SELU_LAMBDA * SELU_ALPHA) as f32 * z.exp_m1()
                }
            }
        }
    }

    /// The derivative of the activation at `z`.
    pub fn derivative(self, z: f32) -> f32 {
        match self {
            Activation::Silu => {
                let sigmoid = 1.0 / (1.0 + (-z).exp());
                sigmoid * (1.0 + z * (1.0 - sigmoid))
            }
            Activation::Selu => {
                if z > 0.0 {
                    SELU_LAMBDA as f32
                } else {
                    (SELU_LAMBDA * SELU_ALPHA) as f32 * z.exp()
                }
            }
        }
    }

    /// The activation and its derivative at `z` (one exponential for SiLU); the value is
    /// bit-identical to [`Activation::apply`].
    pub(crate) fn apply_with_derivative(self, z: f32) -> (f32, f32) {
        match self {
            Activation::Silu => {
                let sigmoid = 1.0 / (1.0 + (-z).exp());
                (z * sigmoid, sigmoid * (1.0 + z * (1.0 - sigmoid)))
            }
            Activation::Selu => {
                if z > 0.0 {
                    (SELU_LAMBDA as f32 * z, SELU_LAMBDA as f32)
                } else {
                    let scale = (SELU_LAMBDA * SELU_ALPHA) as f32;
                    (scale * z.exp_m1(), scale * z.exp())
                }
            }
        }
    }

    /// The activation in f64 arithmetic (the reference forward pass).
    pub fn apply_f64(self, z: f64) -> f64 {
        match self {
            Activation::Silu => z / (1.0 + (-z).exp()),
            Activation::Selu => {
                if z > 0.0 {
                    SELU_LAMBDA * z
                } else {
                    SELU_LAMBDA * SELU_ALPHA * z.exp_m1()
                }
            }
        }
    }

    /// The standard deviation of the initial weights of a hidden layer with `fan_in` inputs:
    /// He (√(2/fan_in)) for SiLU, LeCun (√(1/fan_in)) for SELU, as each activation expects.
    pub(crate) fn init_std(self, fan_in: usize) -> f32 {
        let gain = match self {
            Activation::Silu => 2.0,
            Activation::Selu => 1.0,
        };
        (gain / fan_in.max(1) as f32).sqrt()
    }
}
