//! Batched matrix products through faer (f32/f64), f32 for half types, and a blocked loop
//! for integers.
//!
//! Note [Strided matmul operands]
//! Every operand reaches faer as a `MatRef` over the tensor's own memory with its own row and
//! column strides, so `x.mm(&w.t())` and the transposed operands of `mm`'s backward are never
//! copied: faer packs panels of either orientation itself. Only the half types are converted
//! (to f32, PyTorch's accumulation type for them on the CPU).

use super::CpuBuffer;
use super::parallel::SendPtr;
use crate::dtype::Element;
use crate::error::{Error, Result, bail};
use crate::layout::Layout;
use crate::{DType, Device};
use faer::{Accum, MatMut, MatRef, Par};

/// Multiply-adds below which one thread is faster than splitting it across threads.
const PAR_FLOPS: usize = 1 << 18;

fn check(l: &Layout, len: usize) -> Result<()> {
    if l.ndim() != 3 || (l.numel() > 0 && l.extent() > len) {
        bail!(Shape, "matmul kernel: invalid operand layout {:?}", l.shape);
    }
    Ok(())
}

pub(crate) fn matmul(
    a: (&CpuBuffer, &Layout),
    b: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dl: &Layout,
    dt: DType,
    alpha: f64,
    beta: Option<f64>,
) -> Result<()> {
    let (al, bl) = (a.1, b.1);
    check(dl, dst.len_bytes() / dt.size_in_bytes().max(1))?;
    if al.ndim() != 3
        || bl.ndim() != 3
        || al.shape[0] != dl.shape[0]
        || bl.shape[0] != dl.shape[0]
        || al.shape[1] != dl.shape[1]
        || bl.shape[2] != dl.shape[2]
        || al.shape[2] != bl.shape[1]
    {
        bail!(
            Shape,
            "matmul kernel: mismatched operands {:?} @ {:?} -> {:?}",
            al.shape,
            bl.shape,
            dl.shape
        );
    }
    match dt {
        DType::F32 => faer_mm::<f32>(a, b, dst, dl, alpha, beta),
        DType::F64 => faer_mm::<f64>(a, b, dst, dl, alpha, beta),
        DType::F16 | DType::BF16 => half_mm(a, b, dst, dl, dt, alpha, beta),
        DType::U8 | DType::I8 | DType::I16 | DType::I32 | DType::I64 => {
            super::dispatch::with_int!(dt, T => int_mm::<T>(a, b, dst, dl, alpha, beta), _ => unreachable!())
        }
        DType::Bool => Err(Error::Unsupported {
            op: "matmul".into(),
            dtype: dt,
            device: Device::Cpu,
        }),
    }
}

pub(crate) trait FaerElem: Element + faer::traits::RealField {
    fn from_f64_(v: f64) -> Self;
}
impl FaerElem for f32 {
    fn from_f64_(v: f64) -> Self {
        v as f32
    }
}
impl FaerElem for f64 {
    fn from_f64_(v: f64) -> Self {
        v
    }
}

/// `out = beta * out + alpha * lhs @ rhs` for one matrix (`beta` `None`: overwrite).
fn gemm_one<T: FaerElem>(
    mut out: MatMut<'_, T>,
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    alpha: f64,
    beta: Option<f64>,
) {
    let (m, n) = (out.nrows(), out.ncols());
    let accum = match beta {
        // PyTorch ignores the input entirely when beta == 0 (NaN in it does not propagate).
        None | Some(0.0) => Accum::Replace,
        Some(bt) => {
            if bt != 1.0 {
                let bt = T::from_f64_(bt);
                for j in 0..n {
                    for i in 0..m {
                        let v = out.as_mut().get_mut(i, j);
                        *v *= bt;
                    }
                }
            }
            Accum::Add
        }
    };
    if lhs.ncols() == 0 {
        if accum == Accum::Replace {
            out.fill(T::from_f64_(0.0));
        }
        return;
    }
    faer::linalg::matmul::matmul(out, accum, lhs, rhs, T::from_f64_(alpha), Par::Seq);
}

fn faer_mm<T: FaerElem>(
    a: (&CpuBuffer, &Layout),
    b: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dl: &Layout,
    alpha: f64,
    beta: Option<f64>,
) -> Result<()> {
    let (asl, al) = (a.0.as_slice::<T>(), a.1);
    let (bsl, bl) = (b.0.as_slice::<T>(), b.1);
    check(al, asl.len())?;
    check(bl, bsl.len())?;
    let d = dst.as_mut_slice::<T>();
    check(dl, d.len())?;
    let (batch, m, k, n) = (dl.shape[0], dl.shape[1], al.shape[2], dl.shape[2]);
    if batch == 0 || m == 0 || n == 0 {
        return Ok(());
    }
    // Batches may run concurrently only when their output matrices are disjoint, and pieces
    // of one matrix only when its own elements are.
    let disjoint = dl.strides[0] > (m - 1) * dl.strides[1] + (n - 1) * dl.strides[2];
    let (rs, cs) = (dl.strides[1], dl.strides[2]);
    let dense = (cs >= 1 && rs >= n * cs) || (rs >= 1 && cs >= m * rs);
    let flops = m * n * k;
    let threads = super::parallel::num_threads();
    // Tasks only read through the operand pointers, and write disjoint output blocks.
    let ptrs = (
        SendPtr(asl.as_ptr().cast_mut()),
        SendPtr(bsl.as_ptr().cast_mut()),
        SendPtr(d.as_mut_ptr()),
    );
    // One product (or a block of its rows or columns) on the calling thread.
    let run = |bi: usize, rows: (usize, usize), cols: (usize, usize)| {
        let (ap, bp, dp) = (ptrs.0.get(), ptrs.1.get(), ptrs.2.get());
        let ((r0, r1), (c0, c1)) = (rows, cols);
        // SAFETY: `check` verified that every element each view can reach lies inside its
        // slice, and the blocks lie inside the views; dst does not alias a or b (distinct
        // buffers, borrowed separately), and blocks only run concurrently when they are
        // disjoint (`disjoint`, `dense`).
        let (lhs, rhs, out) = unsafe {
            (
                MatRef::from_raw_parts(
                    ap.add(al.offset + bi * al.strides[0] + r0 * al.strides[1]),
                    r1 - r0,
                    k,
                    al.strides[1] as isize,
                    al.strides[2] as isize,
                ),
                MatRef::from_raw_parts(
                    bp.add(bl.offset + bi * bl.strides[0] + c0 * bl.strides[2]),
                    k,
                    c1 - c0,
                    bl.strides[1] as isize,
                    bl.strides[2] as isize,
                ),
                MatMut::from_raw_parts_mut(
                    dp.add(dl.offset + bi * dl.strides[0] + r0 * rs + c0 * cs),
                    r1 - r0,
                    c1 - c0,
                    rs as isize,
                    cs as isize,
                ),
            )
        };
        gemm_one(out, lhs, rhs, alpha, beta);
    };
    if threads > 1 && disjoint && batch > 1 && flops < PAR_FLOPS && flops * batch >= PAR_FLOPS {
        // Many small products: one thread per matrix beats splitting each one.
        super::parallel::parallel_for(batch, &|bi| run(bi, (0, m), (0, n)));
    } else if threads > 1 && dense && flops >= PAR_FLOPS {
        // Each thread multiplies a block of rows (of columns only when there are too few
        // rows to share) on its own; see Note [Kernel thread pool] for why not faer's rayon
        // parallelism. Rows won for the seed net's `x @ w1` (64 x 100 output): 201 against
        // 226 us, as each thread then streams only its own rows of `x`.
        let (len, by_rows) = if m >= 32 * threads || m >= n {
            (m, true)
        } else {
            (n, false)
        };
        let parts = threads.min(len.div_ceil(8));
        for bi in 0..batch {
            super::parallel::parallel_for(parts, &|t| {
                let piece = (len * t / parts, len * (t + 1) / parts);
                if by_rows {
                    run(bi, piece, (0, n))
                } else {
                    run(bi, (0, m), piece)
                }
            });
        }
    } else {
        for bi in 0..batch {
            run(bi, (0, m), (0, n));
        }
    }
    Ok(())
}

fn to_f32_buf(src: (&CpuBuffer, &Layout), dt: DType) -> (CpuBuffer, Layout) {
    let l = Layout::contiguous(&src.1.shape);
    let mut buf = CpuBuffer::new(l.numel() * 4);
    super::copy::copy_strided(src.0, src.1, dt, &mut buf, &l, DType::F32);
    (buf, l)
}

fn half_mm(
    a: (&CpuBuffer, &Layout),
    b: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dl: &Layout,
    dt: DType,
    alpha: f64,
    beta: Option<f64>,
) -> Result<()> {
    let (ab, al) = to_f32_buf(a, dt);
    let (bb, bl) = to_f32_buf(b, dt);
    let (mut db, ol) = match beta {
        Some(bt) if bt != 0.0 => to_f32_buf((dst, dl), dt),
        _ => {
            let l = Layout::contiguous(&dl.shape);
            (CpuBuffer::new(l.numel() * 4), l)
        }
    };
    faer_mm::<f32>((&ab, &al), (&bb, &bl), &mut db, &ol, alpha, beta)?;
    super::copy::copy_strided(&db, &ol, DType::F32, dst, dl, dt);
    Ok(())
}

/// Integer products wrap like PyTorch's (two's complement in the element type); accumulating
/// in i64 and truncating gives the same bits, as truncation is a ring homomorphism.
fn int_mm<T: Element>(
    a: (&CpuBuffer, &Layout),
    b: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dl: &Layout,
    alpha: f64,
    beta: Option<f64>,
) -> Result<()> {
    let (asl, al) = (a.0.as_slice::<T>(), a.1);
    let (bsl, bl) = (b.0.as_slice::<T>(), b.1);
    check(al, asl.len())?;
    check(bl, bsl.len())?;
    let d = dst.as_mut_slice::<T>();
    check(dl, d.len())?;
    let (batch, m, k, n) = (dl.shape[0], dl.shape[1], al.shape[2], dl.shape[2]);
    let (alpha, beta) = (alpha as i64, beta.map(|b| b as i64));
    let mut acc = vec![0i64; n];
    for bi in 0..batch {
        let (ab, bb, db) = (
            al.offset + bi * al.strides[0],
            bl.offset + bi * bl.strides[0],
            dl.offset + bi * dl.strides[0],
        );
        for i in 0..m {
            acc.fill(0);
            // i-p-j order: the inner loop walks a row of `b` and of the accumulator.
            for p in 0..k {
                let x = asl[ab + i * al.strides[1] + p * al.strides[2]].to_i64();
                if x == 0 {
                    continue;
                }
                let row = bb + p * bl.strides[1];
                for (j, s) in acc.iter_mut().enumerate() {
                    *s = s.wrapping_add(x.wrapping_mul(bsl[row + j * bl.strides[2]].to_i64()));
                }
            }
            for (j, s) in acc.iter().enumerate() {
                let o = db + i * dl.strides[1] + j * dl.strides[2];
                let prev = match beta {
                    Some(bt) if bt != 0 => d[o].to_i64().wrapping_mul(bt),
                    _ => 0,
                };
                d[o] = T::from_i64(prev.wrapping_add(s.wrapping_mul(alpha)));
            }
        }
    }
    Ok(())
}
