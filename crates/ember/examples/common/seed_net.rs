//! The two-layer network of seeds 001/002, shared by the `two_layer_net` and `bench_seed`
//! examples so both run exactly the same model: the sizes, seed 002's custom `MyReLU`
//! Function and its `TwoLayerNet` module. Included with `#[path]`; a folder without a
//! `main.rs` is not an example of its own.

use ember::autograd::{Function, FunctionCtx};
use ember::nn::{self, Module};
use ember::{Result, Tensor};

/// Batch size.
pub const N: usize = 64;
/// Input features.
pub const D_IN: usize = 1000;
/// Hidden units.
pub const H: usize = 100;
/// Output features.
pub const D_OUT: usize = 10;

/// `MyReLU` of seed 002: saves its input and zeroes the gradient where the input was negative.
pub struct MyReLU;

impl Function for MyReLU {
    fn forward(&self, ctx: &mut FunctionCtx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let input = &inputs[0];
        ctx.save_for_backward(&[input]);
        Ok(vec![input.try_clamp(0.0, None)?])
    }

    fn backward(&self, ctx: &FunctionCtx, grad_outputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let input = &ctx.saved_tensors()?[0];
        let grad_input = grad_outputs[0].clone_tensor();
        grad_input.try_masked_fill_(&input.try_lt(0.0)?, 0.0)?;
        Ok(vec![Some(grad_input)])
    }
}

/// Seed 002's `TwoLayerNet(nn.Module)`: two `Linear` layers and a clamp in between.
#[derive(nn::Module)]
pub struct TwoLayerNet {
    linear1: nn::Linear,
    linear2: nn::Linear,
}

impl TwoLayerNet {
    /// `TwoLayerNet(D_in, H, D_out)`.
    pub fn new(d_in: usize, h: usize, d_out: usize) -> TwoLayerNet {
        TwoLayerNet {
            linear1: nn::Linear::new(d_in, h),
            linear2: nn::Linear::new(h, d_out),
        }
    }
}

impl Module for TwoLayerNet {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let h_relu = self.linear1.forward(x)?.try_clamp(0.0, None)?;
        self.linear2.forward(&h_relu)
    }
}
