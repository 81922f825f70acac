//! The CPU's [`Backend`]: unwraps host buffers and calls the kernels of this folder. The
//! dtype `match` of the families whose kernels are written per element type is here too
//! (through the macros of `dispatch.rs`), once for the CPU.

use super::dispatch::{with_dtype, with_faer, with_float, with_int};
use super::{CpuBuffer, conv, copy, elementwise, index, linalg, loss, matmul, norm, pad, softmax};
use crate::backend::{AdamScalars, Backend, Buffer, In, NllDims, PadMaps, Window};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::ops::table::{BinaryOp, CmpOp, ParamOp, ReduceOp, ScanOp, UnaryOp};
use crate::{DType, Device, Scalar};

/// The CPU backend.
pub(crate) struct Cpu;

fn not_host(b: &Buffer) -> Error {
    match crate::backend::check_same_device(Device::Cpu, b.device()) {
        Err(e) => e,
        Ok(()) => Error::Device("expected a host buffer".into()),
    }
}

fn host(b: &Buffer) -> Result<&CpuBuffer> {
    match b {
        Buffer::Cpu(c) => Ok(c),
        other => Err(not_host(other)),
    }
}

fn host_mut(b: &mut Buffer) -> Result<&mut CpuBuffer> {
    match b {
        Buffer::Cpu(c) => Ok(c),
        other => Err(not_host(other)),
    }
}

fn host_in<'a>(i: In<'a>) -> Result<(&'a CpuBuffer, &'a Layout)> {
    Ok((host(i.0)?, i.1))
}

fn host_opt<'a>(i: Option<In<'a>>) -> Result<Option<(&'a CpuBuffer, &'a Layout)>> {
    i.map(host_in).transpose()
}

/// The elements of a contiguous operand.
fn elems<'a, T: Element>(i: In<'a>) -> Result<&'a [T]> {
    let (b, l) = host_in(i)?;
    Ok(&b.as_slice::<T>()[l.offset..l.offset + l.numel()])
}

fn elems_mut<T: Element>(b: &mut Buffer) -> Result<&mut [T]> {
    Ok(host_mut(b)?.as_mut_slice::<T>())
}

fn unsupported(op: &str, dt: DType) -> Error {
    Error::Unsupported {
        op: op.into(),
        dtype: dt,
        device: Device::Cpu,
    }
}

impl Backend for Cpu {
    fn alloc(&self, bytes: usize, zeroed: bool) -> Result<Buffer> {
        Ok(Buffer::Cpu(if zeroed {
            CpuBuffer::zeroed(bytes)
        } else {
            CpuBuffer::new(bytes)
        }))
    }

    fn read_i64(&self, src: In<'_>, dt: DType) -> Result<Option<Vec<i64>>> {
        let (s, sl) = host_in(src)?;
        let n = sl.numel();
        let mut out = CpuBuffer::new(n * DType::I64.size_in_bytes());
        copy::copy_strided(
            s,
            sl,
            dt,
            &mut out,
            &Layout::contiguous(&sl.shape),
            DType::I64,
        );
        Ok(Some(out.as_slice::<i64>()[..n].to_vec()))
    }

    fn copy_strided(
        &self,
        src: In<'_>,
        src_dt: DType,
        dst: &mut Buffer,
        dst_l: &Layout,
        dst_dt: DType,
    ) -> Result<()> {
        let (s, sl) = host_in(src)?;
        copy::copy_strided(s, sl, src_dt, host_mut(dst)?, dst_l, dst_dt);
        Ok(())
    }

    fn fill(&self, dst: &mut Buffer, dst_l: &Layout, dt: DType, value: Scalar) -> Result<()> {
        copy::fill(host_mut(dst)?, dst_l, dt, value);
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
        elementwise::unary(op, host_opt(src)?, host_mut(dst)?, dst_l, dt)
    }

    fn param(
        &self,
        op: ParamOp,
        src: Option<In<'_>>,
        dst: &mut Buffer,
        dst_l: &Layout,
        dt: DType,
    ) -> Result<()> {
        elementwise::param(op, host_opt(src)?, host_mut(dst)?, dst_l, dt)
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
        elementwise::binary(op, host_opt(a)?, host_in(b)?, host_mut(dst)?, dst_l, dt)
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
        elementwise::cmp(op, host_in(a)?, host_in(b)?, host_mut(dst)?, dst_l, dt);
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
        elementwise::where_(
            host_in(cond)?,
            host_in(a)?,
            host_in(b)?,
            host_mut(dst)?,
            dst_l,
            dt,
        );
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
        let (s, sl) = host_in(src)?;
        super::reduce::reduce(op, s, sl, src_dt, dims, host_mut(dst)?, dst_l, dst_dt)
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
        let (s, sl) = host_in(src)?;
        super::scan::scan(
            op,
            s,
            sl,
            src_dt,
            dim,
            reverse,
            host_mut(dst)?,
            dst_l,
            dst_dt,
        )
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
        matmul::matmul(
            host_in(a)?,
            host_in(b)?,
            host_mut(dst)?,
            dst_l,
            dt,
            alpha,
            beta,
        )
    }

    fn inverse(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<Option<(usize, usize)>> {
        linalg::inverse(host_in(a)?, host_mut(dst)?, dt)
    }

    fn det(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
        linalg::det(host_in(a)?, host_mut(dst)?, dt)
    }

    fn inverse_perturbed(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
        linalg::inverse_perturbed(host_in(a)?, host_mut(dst)?, dt)
    }

    fn solve(&self, a: In<'_>, b: In<'_>, dst: &mut Buffer, dt: DType) -> Result<Option<usize>> {
        linalg::solve(host_in(a)?, host_in(b)?, host_mut(dst)?, dt)
    }

    fn cholesky(
        &self,
        a: In<'_>,
        dst: &mut Buffer,
        dt: DType,
        upper: bool,
    ) -> Result<Option<(usize, usize)>> {
        linalg::cholesky(host_in(a)?, host_mut(dst)?, dt, upper)
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
        linalg::solve_triangular(
            host_in(a)?,
            host_in(b)?,
            host_mut(dst)?,
            dt,
            upper,
            left,
            unit,
        )
    }

    fn cofactor(&self, a: In<'_>, dst: &mut Buffer, dt: DType) -> Result<()> {
        linalg::cofactor(host_in(a)?, host_mut(dst)?, dt)
    }

    fn copy_rows(
        &self,
        src: &Buffer,
        (src_offsets, src_strides): (&[usize], &[usize]),
        dst: &mut Buffer,
        (dst_offsets, dst_strides): (&[usize], &[usize]),
        rest: &[usize],
        dt: DType,
        accumulate: bool,
    ) -> Result<()> {
        let s = index::Rows {
            offsets: src_offsets,
            strides: src_strides,
        };
        let d = index::Rows {
            offsets: dst_offsets,
            strides: dst_strides,
        };
        index::copy_rows(host(src)?, &s, host_mut(dst)?, &d, rest, dt, accumulate);
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
        fn run<T: crate::math::FloatElement>(
            p: (&mut Buffer, usize),
            g: (&Buffer, usize),
            m: (&mut Buffer, usize),
            v: (&mut Buffer, usize),
            n: usize,
            s: &AdamScalars,
        ) -> Result<()> {
            super::optim::adam::<T>(
                &mut elems_mut::<T>(p.0)?[p.1..p.1 + n],
                &host(g.0)?.as_slice::<T>()[g.1..g.1 + n],
                &mut elems_mut::<T>(m.0)?[m.1..m.1 + n],
                &mut elems_mut::<T>(v.0)?[v.1..v.1 + n],
                s,
            );
            Ok(())
        }
        match dt {
            DType::F32 => run::<f32>(p, g, m, v, n, s),
            DType::F64 => run::<f64>(p, g, m, v, n, s),
            _ => crate::error::bail!(DType, "fused Adam step: unsupported dtype {dt}"),
        }
    }

    fn im2col(&self, src: In<'_>, dst: &mut Buffer, dt: DType, g: &Window) -> Result<()> {
        // Floats for every convolution; integers for PyTorch's integer convolutions.
        with_float!(dt, T => {
            conv::im2col(elems::<T>(src)?, elems_mut::<T>(dst)?, g);
            Ok(())
        }, _ => with_int!(dt, T => {
            conv::im2col(elems::<T>(src)?, elems_mut::<T>(dst)?, g);
            Ok(())
        }, _ => Err(unsupported("im2col", dt))))
    }

    fn col2im(&self, src: In<'_>, dst: &mut Buffer, dt: DType, g: &Window) -> Result<()> {
        with_float!(dt, T => {
            conv::col2im(elems::<T>(src)?, elems_mut::<T>(dst)?, g);
            Ok(())
        }, _ => with_int!(dt, T => {
            conv::col2im(elems::<T>(src)?, elems_mut::<T>(dst)?, g);
            Ok(())
        }, _ => Err(unsupported("col2im", dt))))
    }

    fn max_pool2d(
        &self,
        src: In<'_>,
        dst: &mut Buffer,
        idx: &mut Buffer,
        dt: DType,
        g: &Window,
    ) -> Result<()> {
        with_dtype!(dt, T => {
            conv::max_pool2d(elems::<T>(src)?, elems_mut::<T>(dst)?, elems_mut::<i64>(idx)?, g);
            Ok(())
        })
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
        with_faer!(dt, T => {
            softmax::softmax(elems::<T>(src)?, elems_mut::<T>(dst)?, n, inner, log);
            Ok(())
        }, _ => Err(unsupported("softmax", dt)))
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
        with_faer!(dt, T => loss::nll_forward(
            elems::<T>(x)?,
            elems::<i64>(target)?,
            weight.map(elems::<T>).transpose()?,
            d,
            elems_mut::<T>(dst)?,
        ), _ => Err(unsupported("nll_loss", dt)))
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
        with_faer!(dt, T => loss::nll_backward(
            elems::<T>(g)?,
            elems::<i64>(target)?,
            weight.map(elems::<T>).transpose()?,
            d,
            scale,
            elems_mut::<T>(dst)?,
        ), _ => Err(unsupported("nll_loss_backward", dt)))
    }

    fn moments(
        &self,
        src: In<'_>,
        dst: &mut Buffer,
        mean: &mut Buffer,
        var: &mut Buffer,
        dt: DType,
        (c, inner): (usize, usize),
        eps: f64,
    ) -> Result<()> {
        with_faer!(dt, T => {
            norm::moments(
                elems::<T>(src)?,
                elems_mut::<T>(dst)?,
                elems_mut::<T>(mean)?,
                elems_mut::<T>(var)?,
                c,
                inner,
                eps,
            );
            Ok(())
        }, _ => Err(unsupported("native_norm", dt)))
    }

    fn pad_gather(&self, src: In<'_>, dst: &mut Buffer, dt: DType, g: &PadMaps<'_>) -> Result<()> {
        with_dtype!(dt, T => {
            pad::gather(elems::<T>(src)?, elems_mut::<T>(dst)?, g);
            Ok(())
        })
    }

    fn pad_scatter_add(
        &self,
        src: In<'_>,
        dst: &mut Buffer,
        dt: DType,
        g: &PadMaps<'_>,
    ) -> Result<()> {
        with_faer!(dt, T => {
            pad::scatter_add(elems::<T>(src)?, elems_mut::<T>(dst)?, g);
            Ok(())
        }, _ => Err(unsupported("pad_backward", dt)))
    }
}
