//! Derivatives of shape ops and views.

use super::{Ctx, Formula, sum_to, when};
use crate::Tensor;
use crate::error::Result;
use crate::shape::Dims;

/// `view`/`reshape` (`ViewBackward0`) and the copying reshape (`UnsafeViewBackward0`).
pub(crate) struct ViewBackward {
    pub input: Dims,
    pub name: &'static str,
}

impl Formula for ViewBackward {
    fn name(&self) -> &'static str {
        self.name
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            ctx.grad()?.try_reshape(&self.input)
        })?])
    }
}

/// `transpose(d0, d1)`.
pub(crate) struct Transpose(pub usize, pub usize);

impl Formula for Transpose {
    fn name(&self) -> &'static str {
        "TransposeBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            if g.dim() == 0 {
                Ok(g.clone())
            } else {
                g.try_transpose(self.0 as i64, self.1 as i64)
            }
        })?])
    }
}

/// `t()`.
pub(crate) struct TBackward;

impl Formula for TBackward {
    fn name(&self) -> &'static str {
        "TBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || ctx.grad()?.try_t())?])
    }
}

/// `permute(dims)`: the gradient is permuted back.
pub(crate) struct Permute(pub Vec<usize>);

impl Formula for Permute {
    fn name(&self) -> &'static str {
        "PermuteBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let mut inv = vec![0i64; self.0.len()];
        for (i, &d) in self.0.iter().enumerate() {
            inv[d] = i as i64;
        }
        Ok(vec![when(ctx.needs(0), || ctx.grad()?.try_permute(inv))?])
    }
}

/// `expand(sizes)`: the gradient is summed back (`at::sum_to`).
pub(crate) struct ExpandBackward {
    pub input: Dims,
}

impl Formula for ExpandBackward {
    fn name(&self) -> &'static str {
        "ExpandBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            sum_to(ctx.grad()?, &self.input)
        })?])
    }
}

/// `unsqueeze(dim)`.
pub(crate) struct Unsqueeze(pub usize);

impl Formula for Unsqueeze {
    fn name(&self) -> &'static str {
        "UnsqueezeBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            ctx.grad()?.try_squeeze_dim(self.0 as i64)
        })?])
    }
}

/// `squeeze()` (`SqueezeBackward0`) and `squeeze(dims)` (`SqueezeBackward1`/`2`): size-1
/// dims of the input are put back with `unsqueeze`.
pub(crate) struct SqueezeBackward {
    pub input: Dims,
    pub dims: Option<Vec<usize>>,
}

impl Formula for SqueezeBackward {
    fn name(&self) -> &'static str {
        match &self.dims {
            None => "SqueezeBackward0",
            Some(d) if d.len() == 1 => "SqueezeBackward1",
            Some(_) => "SqueezeBackward2",
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            let mut g = ctx.grad()?.clone();
            for (d, &n) in self.input.iter().enumerate() {
                let squeezed = n == 1 && self.dims.as_ref().is_none_or(|ds| ds.contains(&d));
                if squeezed {
                    g = g.try_unsqueeze(d as i64)?;
                }
            }
            Ok(g)
        })?])
    }
}

/// `select(dim, index)`: the gradient is placed back into zeros (`select_backward`).
pub(crate) struct SelectBackward {
    pub input: Dims,
    pub dim: usize,
    pub index: usize,
}

impl Formula for SelectBackward {
    fn name(&self) -> &'static str {
        "SelectBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            Tensor::select_backward(ctx.grad()?, &self.input, self.dim, self.index)
        })?])
    }
}

/// Slicing along one dim (`narrow`, `x[a:b:c]`): the gradient is placed back into zeros.
pub(crate) struct SliceBackward {
    pub input: Dims,
    pub dim: usize,
    pub start: usize,
    pub len: usize,
    pub step: usize,
}

impl Formula for SliceBackward {
    fn name(&self) -> &'static str {
        "SliceBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            Tensor::slice_backward(
                ctx.grad()?,
                &self.input,
                self.dim,
                self.start,
                self.len,
                self.step,
            )
        })?])
    }
}

/// Double backward of `select`: select the gradient again.
pub(crate) struct SelectBackwardBackward {
    pub dim: usize,
    pub index: usize,
}

impl Formula for SelectBackwardBackward {
    fn name(&self) -> &'static str {
        "SelectBackwardBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            ctx.grad()?.try_select(self.dim as i64, self.index as i64)
        })?])
    }
}

/// Double backward of slicing: slice the gradient again.
pub(crate) struct SliceBackwardBackward {
    pub dim: usize,
    pub start: usize,
    pub len: usize,
    pub step: usize,
}

impl Formula for SliceBackwardBackward {
    fn name(&self) -> &'static str {
        "SliceBackwardBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            ctx.grad()?
                .slice_dim(self.dim, self.start, self.len, self.step)
        })?])
    }
}
