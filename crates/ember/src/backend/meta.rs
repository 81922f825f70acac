//! PyTorch's meta device: buffers with a size and no memory. Every primitive succeeds
//! without doing anything, so ops compute their outputs' shapes, dtypes and strides (in the
//! op layer, as on any device) and never touch data. Reading values is an error
//! ("Cannot copy out of meta tensor; no data!"); ops whose output shape depends on values
//! (`nonzero`, `masked_select`) refuse to run, as in PyTorch.

use crate::backend::{AdamScalars, Backend, Buffer, In, NllDims, PadMaps, Window};
use crate::error::Result;
use crate::layout::Layout;
use crate::ops::table::{BinaryOp, CmpOp, ParamOp, ReduceOp, ScanOp, UnaryOp};
use crate::{DType, Scalar};

/// The meta backend.
pub(crate) struct Meta;

#[allow(unused_variables)]
impl Backend for Meta {
    fn alloc(&self, bytes: usize, zeroed: bool) -> Result<Buffer> {
        Ok(Buffer::Meta)
    }

    fn read_i64(&self, src: In<'_>, dt: DType) -> Result<Option<Vec<i64>>> {
        Ok(None)
    }

    fn copy_strided(
        &self,
        src: In<'_>,
        src_dt: DType,
        dst: &mut Buffer,
        dst_l: &Layout,
        dst_dt: DType,
    ) -> Result<()> {
        Ok(())
    }

    fn fill(&self, dst: &mut Buffer, dst_l: &Layout, dt: DType, value: Scalar) -> Result<()> {
        Ok(())
    }

    fn unary(
        &self,
        op: UnaryOp,
        src: Option<In<'_>>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
    ) -> Result<()> {
        Ok(())
    }

    fn param(
        &self,
        op: ParamOp,
        src: Option<In<'_>>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
    ) -> Result<()> {
        Ok(())
    }

    fn binary(
        &self,
        op: BinaryOp,
        a: Option<In<'_>>,
        b: In<'_>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
    ) -> Result<()> {
        Ok(())
    }

    fn cmp(
        &self,
        op: CmpOp,
        a: In<'_>,
        b: In<'_>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
    ) -> Result<()> {
        Ok(())
    }

    fn where_(
        &self,
        cond: In<'_>,
        a: In<'_>,
        b: In<'_>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
    ) -> Result<()> {
        Ok(())
    }

    fn reduce(
        &self,
        op: ReduceOp,
        src: In<'_>,
        src_dt: DType,
        dims: &[usize],
        dst: &mut Buffer,
        dst_l: &Layout,
        dst_dt: DType,
    ) -> Result<()> {
        Ok(())
    }

    fn scan(
        &self,
        op: ScanOp,
        src: In<'_>,
        src_dt: DType,
        dim: usize,
        reverse: bool,
        dst: &mut Buffer,
        dst_l: &Layout,
        dst_dt: DType,
    ) -> Result<()> {
        Ok(())
    }

    fn matmul(
        &self,
        a: In<'_>,
        b: In<'_>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
        alpha: f64,
        beta: Option<f64>,
    ) -> Result<()> {
        Ok(())
    }

    fn inverse(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<Option<(usize, usize)>> {
        Ok(None)
    }

    fn det(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
        Ok(())
    }

    fn inverse_perturbed(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
        Ok(())
    }

    fn solve(&self, a: In<'_>, b: In<'_>, dst: &mut Buffer, dt: DType) -> Result<Option<usize>> {
        Ok(None)
    }

    fn cholesky(
        &self,
        a: In<'_>,
        dst: &mut Buffer,
        dt: DType,
        upper: bool,
    ) -> Result<Option<(usize, usize)>> {
        Ok(None)
    }

    fn solve_triangular(
        &self,
        a: In<'_>,
        b: In<'_>,
        dst: &mut Buffer,
        dt: DType,
        upper: bool,
        left: bool,
        unit: bool,
    ) -> Result<()> {
        Ok(())
    }

    fn cofactor(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
        Ok(())
    }

    fn copy_rows(
        &self,
        src: &Buffer,
        src_rows: (&[usize], &[usize]),
        dst: &mut Buffer,
        dst_rows: (&[usize], &[usize]),
        rest: &[usize],
        dt: DType,
        accumulate: bool,
    ) -> Result<()> {
        Ok(())
    }

    fn adam_step(
        &self,
        p: (&mut Buffer, usize),
        g: (&Buffer, usize),
        m: (&mut Buffer, usize),
        v: (&mut Buffer, usize),
        n: usize,
        dt: DType,
        s: &AdamScalars,
    ) -> Result<()> {
        Ok(())
    }

    fn im2col(&self, src: In<'_>, dst: &mut Buffer, dt: DType, g: &Window) -> Result<()> {
        Ok(())
    }

    fn col2im(&self, src: In<'_>, dst: &mut Buffer, dt: DType, g: &Window) -> Result<()> {
        Ok(())
    }

    fn max_pool2d(
        &self,
        src: In<'_>,
        dst: &mut Buffer,
        idx: &mut Buffer,
        dt: DType,
        g: &Window,
    ) -> Result<()> {
        Ok(())
    }

    fn softmax(
        &self,
        src: In<'_>,
        dst: &mut Buffer,
        dt: DType,
        n: usize,
        inner: usize,
        log: bool,
    ) -> Result<()> {
        Ok(())
    }

    fn nll_loss(
        &self,
        x: In<'_>,
        target: In<'_>,
        weight: Option<In<'_>>,
        dst: &mut Buffer,
        dt: DType,
        d: NllDims,
    ) -> Result<f64> {
        Ok(1.0)
    }

    fn nll_loss_backward(
        &self,
        g: In<'_>,
        target: In<'_>,
        weight: Option<In<'_>>,
        dst: &mut Buffer,
        dt: DType,
        d: NllDims,
        scale: f64,
    ) -> Result<()> {
        Ok(())
    }

    fn moments(
        &self,
        src: In<'_>,
        dst: &mut Buffer,
        mean: &mut Buffer,
        var: &mut Buffer,
        dt: DType,
        dims: (usize, usize),
        eps: f64,
    ) -> Result<()> {
        Ok(())
    }

    fn pad_gather(&self, src: In<'_>, dst: &mut Buffer, dt: DType, g: &PadMaps<'_>) -> Result<()> {
        Ok(())
    }

    fn pad_scatter_add(
        &self,
        src: In<'_>,
        dst: &mut Buffer,
        dt: DType,
        g: &PadMaps<'_>,
    ) -> Result<()> {
        Ok(())
    }
}
