//! Derivatives of padding. Constant padding's gradient is the same pad negated (a crop).
//! Reflection and replication are a gather by per-dim index maps, so their gradient is the
//! scatter-add of those maps, and the gradient of that is the gather again: double backward
//! needs nothing more.

use crate::Tensor;
use crate::error::Result;
use crate::ops::pad::PadMode;
use crate::ops::pad::{PadPlan, pad_gather, pad_scatter};
use crate::tensor::graph::formula::{Ctx, Formula, when};
use std::sync::Arc;

/// PyTorch's node names, indexed by the number of padded dims minus one.
fn names(plan: &PadPlan) -> [&'static str; 2] {
    const REFLECT: [[&str; 2]; 3] = [
        [
            "ReflectionPad1DBackward0",
            "ReflectionPad1DBackwardBackward0",
        ],
        [
            "ReflectionPad2DBackward0",
            "ReflectionPad2DBackwardBackward0",
        ],
        [
            "ReflectionPad3DBackward0",
            "ReflectionPad3DBackwardBackward0",
        ],
    ];
    const REPLICATE: [[&str; 2]; 3] = [
        [
            "ReplicationPad1DBackward0",
            "ReplicationPad1DBackwardBackward0",
        ],
        [
            "ReplicationPad2DBackward0",
            "ReplicationPad2DBackwardBackward0",
        ],
        [
            "ReplicationPad3DBackward0",
            "ReplicationPad3DBackwardBackward0",
        ],
    ];
    let k = plan.maps.len().clamp(1, 3) - 1;
    match plan.mode {
        PadMode::Reflect => REFLECT[k],
        _ => REPLICATE[k],
    }
}

/// `reflection_padNd` / `replication_padNd`: the gradient sums each output back into the
/// input element it was read from.
pub(crate) struct PadNd {
    pub plan: Arc<PadPlan>,
}

impl Formula for PadNd {
    fn name(&self) -> &'static str {
        names(&self.plan)[0]
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || pad_scatter(g, &self.plan))?])
    }
}

/// `reflection_padNd_backward` (of the output gradient): linear in it, with the padding
/// itself as its adjoint.
pub(crate) struct PadNdBackward {
    pub plan: Arc<PadPlan>,
}

impl Formula for PadNdBackward {
    fn name(&self) -> &'static str {
        names(&self.plan)[1]
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || pad_gather(g, &self.plan))?])
    }
}

/// `constant_pad_nd(self, pad, value)`: the gradient is the input's window of the incoming
/// one, i.e. the same pad negated.
pub(crate) struct ConstantPad {
    pub pad: Vec<i64>,
}

impl Formula for ConstantPad {
    fn name(&self) -> &'static str {
        "ConstantPadNdBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            let neg: Vec<i64> = self.pad.iter().map(|p| -p).collect();
            crate::ops::pad::pad(g, &neg, crate::ops::pad::PadMode::Constant, None)
        })?])
    }
}
