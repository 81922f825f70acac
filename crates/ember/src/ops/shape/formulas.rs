//! Derivatives of shape ops and views.

use crate::Tensor;
use crate::error::Result;
use crate::shape::Dims;
use crate::tensor::graph::formula::{Ctx, Formula, sum_to, when};

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

/// `cat(tensors, dim)`: each input gets its slice of the gradient. `sizes[i]` is `None`
/// for an input that `cat` skipped (a legacy 1-D empty tensor).
pub(crate) struct CatBackward {
    pub dim: usize,
    pub sizes: Vec<Option<usize>>,
}

impl Formula for CatBackward {
    fn name(&self) -> &'static str {
        "CatBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        let mut at = 0i64;
        let mut out = Vec::with_capacity(self.sizes.len());
        for (i, s) in self.sizes.iter().enumerate() {
            out.push(when(ctx.needs(i), || match s {
                Some(n) => g.try_narrow(self.dim as i64, at, *n),
                None => crate::try_zeros_with([0], (g.dtype(), g.device())),
            })?);
            at += s.unwrap_or(0) as i64;
        }
        Ok(out)
    }
}

/// `stack(tensors, dim)`: each input gets its entry of the gradient along `dim`.
pub(crate) struct StackBackward {
    pub dim: usize,
}

impl Formula for StackBackward {
    fn name(&self) -> &'static str {
        "StackBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        (0..ctx.inputs.len())
            .map(|i| when(ctx.needs(i), || g.try_select(self.dim as i64, i as i64)))
            .collect()
    }
}

/// The gradient of output `i` of a multi-output view op, or zeros of `shape` when that
/// output received none.
fn grad_or_zeros(ctx: &Ctx<'_>, i: usize, shape: &[usize]) -> Result<Tensor> {
    let any = ctx.grads.iter().flatten().next();
    match (ctx.grads.get(i).and_then(Option::as_ref), any) {
        (Some(g), _) => Ok(g.clone()),
        (None, Some(g)) => crate::try_zeros_with(shape, (g.dtype(), g.device())),
        (None, None) => Err(crate::Error::Autograd("missing output gradient".into())),
    }
}

/// `split`/`chunk` (`SplitBackward0`) and `split_with_sizes` (`SplitWithSizesBackward0`):
/// the gradients of the pieces are joined back, zeros standing in for unused pieces.
pub(crate) struct SplitBackward {
    pub dim: usize,
    pub sizes: Vec<usize>,
    pub input: Dims,
    pub name: &'static str,
}

impl Formula for SplitBackward {
    fn name(&self) -> &'static str {
        self.name
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            let parts = self
                .sizes
                .iter()
                .enumerate()
                .map(|(i, &n)| {
                    let mut shape = self.input.clone();
                    shape[self.dim] = n;
                    grad_or_zeros(ctx, i, &shape)
                })
                .collect::<Result<Vec<_>>>()?;
            let refs: Vec<&Tensor> = parts.iter().collect();
            crate::try_cat(&refs, self.dim as i64)
        })?])
    }
}

/// `unbind(dim)`: the gradients of the slices are stacked back.
pub(crate) struct UnbindBackward {
    pub dim: usize,
    pub input: Dims,
}

impl Formula for UnbindBackward {
    fn name(&self) -> &'static str {
        "UnbindBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            let mut shape = self.input.clone();
            shape.remove(self.dim);
            let parts = (0..self.input[self.dim])
                .map(|i| grad_or_zeros(ctx, i, &shape))
                .collect::<Result<Vec<_>>>()?;
            let refs: Vec<&Tensor> = parts.iter().collect();
            crate::try_stack(&refs, self.dim as i64)
        })?])
    }
}

/// `repeat(repeats)`: the gradient summed over the copies.
pub(crate) struct RepeatBackward {
    pub repeats: Vec<usize>,
    pub input: Dims,
}

impl Formula for RepeatBackward {
    fn name(&self) -> &'static str {
        "RepeatBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            let lead = self.repeats.len() - self.input.len();
            let mut split = Vec::with_capacity(2 * self.repeats.len());
            let mut sum = Vec::new();
            for (i, &r) in self.repeats.iter().enumerate() {
                let s = if i < lead { 1 } else { self.input[i - lead] };
                sum.push(split.len() as i64);
                split.push(r as i64);
                split.push(s as i64);
            }
            let g = ctx.grad()?.try_reshape(split)?.try_sum_dim(sum, false)?;
            g.try_reshape(&self.input)
        })?])
    }
}

/// `flip(dims)`: the gradient flipped back.
pub(crate) struct FlipBackward(pub Vec<usize>);

impl Formula for FlipBackward {
    fn name(&self) -> &'static str {
        "FlipBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || ctx.grad()?.try_flip(&self.0))?])
    }
}

/// `roll(shifts, dims)`: the gradient rolled back.
pub(crate) struct RollBackward {
    pub shifts: Vec<i64>,
    pub dims: Vec<i64>,
}

impl Formula for RollBackward {
    fn name(&self) -> &'static str {
        "RollBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let back: Vec<i64> = self.shifts.iter().map(|s| -s).collect();
        Ok(vec![when(ctx.needs(0), || {
            ctx.grad()?.try_roll(back, self.dims.clone())
        })?])
    }
}

/// `tril(k)` / `triu(k)`: the gradient masked the same way.
pub(crate) struct TriBackward {
    pub upper: bool,
    pub diagonal: i64,
}

impl Formula for TriBackward {
    fn name(&self) -> &'static str {
        if self.upper {
            "TriuBackward0"
        } else {
            "TrilBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            if self.upper {
                g.try_triu(self.diagonal)
            } else {
                g.try_tril(self.diagonal)
            }
        })?])
    }
}

/// `diag` of a matrix (`DiagonalBackward0_copy`): the gradient goes back on the diagonal;
/// `diag` of a vector (`DiagEmbedBackward0`): the diagonal of the gradient.
pub(crate) struct DiagBackward {
    pub input: Dims,
    pub diagonal: i64,
}

impl Formula for DiagBackward {
    fn name(&self) -> &'static str {
        if self.input.len() == 2 {
            "DiagonalBackward0_copy"
        } else {
            "DiagEmbedBackward0"
        }
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        let g = ctx.grad()?;
        Ok(vec![when(ctx.needs(0), || {
            if self.input.len() == 2 {
                Tensor::diagonal_backward(g, &self.input, self.diagonal)
            } else {
                g.try_diag(self.diagonal)
            }
        })?])
    }
}

/// Double backward of `diag` of a matrix: the diagonal again.
pub(crate) struct DiagonalBackwardBackward {
    pub diagonal: i64,
}

impl Formula for DiagonalBackwardBackward {
    fn name(&self) -> &'static str {
        "DiagonalBackwardBackward0"
    }

    fn backward(&self, ctx: &Ctx<'_>) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![when(ctx.needs(0), || {
            ctx.grad()?.try_diag(self.diagonal)
        })?])
    }
}
