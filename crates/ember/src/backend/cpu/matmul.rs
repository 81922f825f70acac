//! Batched matrix products through faer (f32/f64), f32 for half types, and a plain loop for
//! integers.

use super::CpuBuffer;
use crate::dtype::Element;
use crate::error::{Error, Result, bail};
use crate::layout::Layout;
use crate::{DType, Device};
use faer::{Accum, MatMut, MatRef, Par};

/// Multiply-adds below which one thread is faster than rayon's fork/join.
const PAR_FLOPS: usize = 1 << 18;

fn check(l: &Layout, len: usize) -> Result<()> {
    if l.ndim() != 3 || l.extent() > len {
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

trait FaerElem: Element + faer::traits::ComplexField {
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
    if m == 0 || n == 0 {
        return Ok(());
    }
    let flops = m * n * k;
    let par = if flops * batch >= PAR_FLOPS && rayon::current_num_threads() > 1 {
        Par::rayon(0)
    } else {
        Par::Seq
    };
    for bi in 0..batch {
        let ao = al.offset + bi * al.strides[0];
        let bo = bl.offset + bi * bl.strides[0];
        let dof = dl.offset + bi * dl.strides[0];
        // SAFETY: `check` verified that every element each view can reach lies inside its
        // slice; dst does not alias a or b (distinct buffers, borrowed separately).
        let (lhs, rhs, mut out) = unsafe {
            (
                MatRef::from_raw_parts(
                    asl.as_ptr().add(ao),
                    m,
                    k,
                    al.strides[1] as isize,
                    al.strides[2] as isize,
                ),
                MatRef::from_raw_parts(
                    bsl.as_ptr().add(bo),
                    k,
                    n,
                    bl.strides[1] as isize,
                    bl.strides[2] as isize,
                ),
                MatMut::from_raw_parts_mut(
                    d.as_mut_ptr().add(dof),
                    m,
                    n,
                    dl.strides[1] as isize,
                    dl.strides[2] as isize,
                ),
            )
        };
        let accum = match beta {
            None | Some(0.0) => Accum::Replace,
            Some(bt) => {
                if bt != 1.0 {
                    let bt = T::from_f64_(bt);
                    for j in 0..n {
                        for i in 0..m {
                            let v = out.as_mut().get_mut(i, j);
                            *v = *v * bt;
                        }
                    }
                }
                Accum::Add
            }
        };
        if k == 0 {
            if accum == Accum::Replace {
                for j in 0..n {
                    for i in 0..m {
                        *out.as_mut().get_mut(i, j) = T::from_f64_(0.0);
                    }
                }
            }
            continue;
        }
        faer::linalg::matmul::matmul(out.as_mut(), accum, lhs, rhs, T::from_f64_(alpha), par);
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
    let (mut db, ol) = to_f32_buf((dst, dl), dt);
    faer_mm::<f32>((&ab, &al), (&bb, &bl), &mut db, &ol, alpha, beta)?;
    super::copy::copy_strided(&db, &ol, DType::F32, dst, dl, dt);
    Ok(())
}

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
    for bi in 0..batch {
        for i in 0..m {
            for j in 0..n {
                let mut acc = 0i64;
                for p in 0..k {
                    let x =
                        asl[al.offset + bi * al.strides[0] + i * al.strides[1] + p * al.strides[2]];
                    let y =
                        bsl[bl.offset + bi * bl.strides[0] + p * bl.strides[1] + j * bl.strides[2]];
                    acc = acc.wrapping_add(x.to_i64().wrapping_mul(y.to_i64()));
                }
                let o = dl.offset + bi * dl.strides[0] + i * dl.strides[1] + j * dl.strides[2];
                let prev = match beta {
                    Some(bt) if bt != 0 => d[o].to_i64().wrapping_mul(bt),
                    _ => 0,
                };
                d[o] = T::from_i64(prev.wrapping_add(acc.wrapping_mul(alpha)));
            }
        }
    }
    Ok(())
}
