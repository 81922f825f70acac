//! Dense linear algebra through faer: LU with partial pivoting (inverse, determinant, solve),
//! Cholesky, triangular solves and the SVD, over batches of matrices.
//!
//! Operands are read at any layout whose last two dims are the matrix (batch dims may be
//! expanded or permuted); each matrix is copied into a column-major faer `Mat` because the
//! factorizations work in place. Outputs are contiguous `[batch..., rows, cols]` buffers.
//!
//! Note [Singular LU]
//! faer's LU divides by a zero pivot and fills the rest of the factor with NaN, whereas
//! LAPACK's `getrf` (PyTorch's) skips the scaling, reports the first zero pivot as `info`
//! and finishes the factorization, so `det` of a singular matrix is an exact (signed) zero.
//! A factor with an exact zero on its diagonal is therefore recomputed with [`getf2`],
//! LAPACK's unblocked algorithm: the fast path stays faer's, the singular one LAPACK's.

use super::CpuBuffer;
use super::matmul::FaerElem;
use crate::DType;
use crate::dtype::Element;
use crate::error::{Result, bail};
use crate::layout::Layout;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::lu::partial_pivoting as plu;
use faer::perm::PermRef;
use faer::{Mat, MatRef, Par};

/// Size above which a factorization uses rayon.
const PAR_DIM: usize = 256;

fn par_for(n: usize) -> Par {
    // faer's rayon split, capped at `set_num_threads`.
    let threads = super::parallel::num_threads();
    if n >= PAR_DIM && threads > 1 {
        Par::rayon(threads)
    } else {
        Par::Seq
    }
}

/// The storage offset of each matrix of `l` (its last two dims), batch dims in row-major order.
fn batch_offsets(l: &Layout) -> Vec<usize> {
    let nb = l.ndim().saturating_sub(2);
    let (shape, strides) = (&l.shape[..nb], &l.strides[..nb]);
    let count: usize = shape.iter().product();
    let mut out = Vec::with_capacity(count);
    let mut idx = vec![0usize; nb];
    for _ in 0..count {
        out.push(l.offset + idx.iter().zip(strides).map(|(i, s)| i * s).sum::<usize>());
        for d in (0..nb).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

fn mat_dims(l: &Layout) -> Result<(usize, usize, usize, usize)> {
    let nd = l.ndim();
    if nd < 2 {
        bail!(
            Shape,
            "linalg kernel: operand of shape {:?} is not a matrix",
            l.shape
        );
    }
    Ok((
        l.shape[nd - 2],
        l.shape[nd - 1],
        l.strides[nd - 2],
        l.strides[nd - 1],
    ))
}

/// Reads every matrix of `src` into a column-major `Mat`.
fn load<T: FaerElem>(src: (&CpuBuffer, &Layout)) -> Result<Vec<Mat<T>>> {
    let (buf, l) = src;
    let s = buf.as_slice::<T>();
    if l.numel() > 0 && l.extent() > s.len() {
        bail!(
            Shape,
            "linalg kernel: layout {:?} exceeds its buffer",
            l.shape
        );
    }
    let (m, n, rs, cs) = mat_dims(l)?;
    Ok(batch_offsets(l)
        .into_iter()
        .map(|o| Mat::from_fn(m, n, |i, j| s[o + i * rs + j * cs]))
        .collect())
}

/// Writes matrices row-major into the contiguous `dst`.
fn store<T: FaerElem>(mats: &[Mat<T>], dst: &mut CpuBuffer) -> Result<()> {
    let d = dst.as_mut_slice::<T>();
    let total: usize = mats.iter().map(|m| m.nrows() * m.ncols()).sum();
    if total > d.len() {
        bail!(Shape, "linalg kernel: output buffer too small");
    }
    let mut o = 0;
    for m in mats {
        for i in 0..m.nrows() {
            for j in 0..m.ncols() {
                d[o] = m[(i, j)];
                o += 1;
            }
        }
    }
    Ok(())
}

/// An LU factorization `P A = L U` (L unit lower and U upper, packed in `lu`).
struct Lu<T> {
    lu: Mat<T>,
    perm: Vec<usize>,
    perm_inv: Vec<usize>,
    transpositions: usize,
    /// LAPACK's `info`: the 1-based index of the first zero pivot.
    info: Option<usize>,
}

impl<T: FaerElem> Lu<T> {
    fn perm(&self) -> PermRef<'_, usize> {
        PermRef::new_checked(&self.perm, &self.perm_inv, self.perm.len())
    }

    fn det(&self) -> T {
        let mut d = T::from_f64_(if self.transpositions.is_multiple_of(2) {
            1.0
        } else {
            -1.0
        });
        for i in 0..self.lu.nrows() {
            d *= self.lu[(i, i)];
        }
        d
    }
}

fn lu<T: FaerElem>(a: &Mat<T>) -> Lu<T> {
    let n = a.nrows();
    let mut lu = a.clone();
    let mut perm = vec![0usize; n];
    let mut perm_inv = vec![0usize; n];
    let par = par_for(n);
    let mut mem = MemBuffer::new(plu::factor::lu_in_place_scratch::<usize, T>(
        n,
        n,
        par,
        Default::default(),
    ));
    let (info, _) = plu::factor::lu_in_place(
        lu.as_mut(),
        &mut perm,
        &mut perm_inv,
        par,
        MemStack::new(&mut mem),
        Default::default(),
    );
    let zero = T::from_f64_(0.0);
    if (0..n).any(|i| lu[(i, i)] == zero) {
        // See Note [Singular LU].
        return getf2(a);
    }
    Lu {
        lu,
        perm,
        perm_inv,
        transpositions: info.transposition_count,
        info: None,
    }
}

/// LAPACK's unblocked LU (`dgetf2`): pivots on the first entry of largest magnitude, and on a
/// zero pivot records `info` and moves on. See Note [Singular LU].
fn getf2<T: FaerElem>(a: &Mat<T>) -> Lu<T> {
    let n = a.nrows();
    let mut lu = a.clone();
    let mut perm: Vec<usize> = (0..n).collect();
    let mut transpositions = 0;
    let mut info = None;
    let zero = T::from_f64_(0.0);
    let abs = |v: T| Element::to_f64(v).abs();
    for j in 0..n {
        let mut p = j;
        let mut max = abs(lu[(j, j)]);
        for i in j + 1..n {
            let v = abs(lu[(i, j)]);
            if v > max {
                max = v;
                p = i;
            }
        }
        if lu[(p, j)] != zero {
            if p != j {
                for c in 0..n {
                    let t = lu[(p, c)];
                    lu[(p, c)] = lu[(j, c)];
                    lu[(j, c)] = t;
                }
                perm.swap(p, j);
                transpositions += 1;
            }
            let piv = lu[(j, j)];
            for i in j + 1..n {
                lu[(i, j)] /= piv;
            }
        } else if info.is_none() {
            info = Some(j + 1);
        }
        for c in j + 1..n {
            let u = lu[(j, c)];
            if u != zero {
                for i in j + 1..n {
                    lu[(i, c)] = lu[(i, c)] - lu[(i, j)] * u;
                }
            }
        }
    }
    let mut perm_inv = vec![0usize; n];
    for (i, &p) in perm.iter().enumerate() {
        perm_inv[p] = i;
    }
    Lu {
        lu,
        perm,
        perm_inv,
        transpositions,
        info,
    }
}

fn inverse_from_lu<T: FaerElem>(f: &Lu<T>) -> Mat<T> {
    let n = f.lu.nrows();
    let mut out = Mat::<T>::zeros(n, n);
    let par = par_for(n);
    let mut mem = MemBuffer::new(plu::inverse::inverse_scratch::<usize, T>(n, par));
    plu::inverse::inverse(
        out.as_mut(),
        f.lu.as_ref(),
        f.lu.as_ref(),
        f.perm(),
        par,
        MemStack::new(&mut mem),
    );
    out
}

macro_rules! faer_float {
    ($dt:expr, $T:ident => $body:expr) => {
        super::dispatch::with_faer!($dt, $T => $body, _ => bail!(DType, "linalg kernel: unsupported dtype {}", $dt))
    };
}

/// Inverts each matrix; on a singular one returns `(batch index, LAPACK info)` instead.
pub(crate) fn inverse(
    a: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dt: DType,
) -> Result<Option<(usize, usize)>> {
    faer_float!(dt, T => {
        let mut out = Vec::new();
        for (bi, m) in load::<T>(a)?.iter().enumerate() {
            let f = lu(m);
            if let Some(info) = f.info {
                return Ok(Some((bi, info)));
            }
            out.push(inverse_from_lu(&f));
        }
        store(&out, dst)?;
        Ok(None)
    })
}

/// The determinant of each matrix (exactly zero when singular, see Note [Singular LU]).
pub(crate) fn det(a: (&CpuBuffer, &Layout), dst: &mut CpuBuffer, dt: DType) -> Result<()> {
    faer_float!(dt, T => {
        let d = dst.as_mut_slice::<T>();
        for (bi, m) in load::<T>(a)?.iter().enumerate() {
            // An empty matrix has determinant one, as the empty product.
            let v = if m.nrows() == 0 { T::from_f64_(1.0) } else { lu(m).det() };
            *d.get_mut(bi).ok_or_else(|| crate::Error::Shape("det kernel: output too small".into()))? = v;
        }
        Ok(())
    })
}

/// The inverse of each matrix with its LU's exact-zero pivots replaced by machine epsilon:
/// PyTorch's first-order `det` backward, which scales it by `det` (so zero when singular).
pub(crate) fn inverse_perturbed(
    a: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dt: DType,
) -> Result<()> {
    faer_float!(dt, T => {
        let eps = T::from_f64_(if dt == DType::F32 { f32::EPSILON as f64 } else { f64::EPSILON });
        let mut out = Vec::new();
        for m in load::<T>(a)? {
            let mut f = lu(&m);
            for i in 0..f.lu.nrows() {
                if f.lu[(i, i)] == T::from_f64_(0.0) {
                    f.lu[(i, i)] = eps;
                }
            }
            out.push(inverse_from_lu(&f));
        }
        store(&out, dst)
    })
}

/// Solves `A X = B` for each pair (same batch shape); on a singular `A` returns its batch index.
pub(crate) fn solve(
    a: (&CpuBuffer, &Layout),
    b: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dt: DType,
) -> Result<Option<usize>> {
    faer_float!(dt, T => {
        let (am, bm) = (load::<T>(a)?, load::<T>(b)?);
        if am.len() != bm.len() {
            bail!(Shape, "solve kernel: batch sizes differ");
        }
        let mut out = Vec::with_capacity(bm.len());
        for (bi, (m, mut x)) in am.iter().zip(bm).enumerate() {
            let f = lu(m);
            if f.info.is_some() {
                return Ok(Some(bi));
            }
            let n = m.nrows();
            let par = par_for(n);
            let mut mem = MemBuffer::new(plu::solve::solve_in_place_scratch::<usize, T>(n, x.ncols(), par));
            plu::solve::solve_in_place(f.lu.as_ref(), f.lu.as_ref(), f.perm(), x.as_mut(), par, MemStack::new(&mut mem));
            out.push(x);
        }
        store(&out, dst)?;
        Ok(None)
    })
}

/// The lower Cholesky factor of each matrix (only its lower triangle is read), or its
/// transpose with `upper`; on a matrix that is not positive-definite returns `(batch index,
/// order of the failing leading minor)`.
pub(crate) fn cholesky(
    a: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dt: DType,
    upper: bool,
) -> Result<Option<(usize, usize)>> {
    use faer::linalg::cholesky::llt::factor as llt;
    faer_float!(dt, T => {
        let mut out = Vec::new();
        for (bi, mut m) in load::<T>(a)?.into_iter().enumerate() {
            let n = m.nrows();
            let zero = T::from_f64_(0.0);
            for j in 0..n {
                for i in 0..j {
                    m[(i, j)] = zero;
                }
            }
            let par = par_for(n);
            let mut mem = MemBuffer::new(llt::cholesky_in_place_scratch::<T>(n, par, Default::default()));
            if let Err(llt::LltError::NonPositivePivot { index }) = llt::cholesky_in_place(
                m.as_mut(),
                Default::default(),
                par,
                MemStack::new(&mut mem),
                Default::default(),
            ) {
                return Ok(Some((bi, index + 1)));
            }
            for j in 0..n {
                for i in 0..j {
                    m[(i, j)] = zero;
                }
            }
            out.push(if upper { m.transpose().to_owned() } else { m });
        }
        store(&out, dst)?;
        Ok(None)
    })
}

/// Solves `A X = B` (`left`) or `X A = B` with triangular `A` (only its `upper` or lower
/// triangle is read; `unit`: its diagonal is taken as ones).
#[allow(clippy::too_many_arguments)]
pub(crate) fn solve_triangular(
    a: (&CpuBuffer, &Layout),
    b: (&CpuBuffer, &Layout),
    dst: &mut CpuBuffer,
    dt: DType,
    upper: bool,
    left: bool,
    unit: bool,
) -> Result<()> {
    use faer::linalg::triangular_solve as ts;
    faer_float!(dt, T => {
        let (am, bm) = (load::<T>(a)?, load::<T>(b)?);
        if am.len() != bm.len() {
            bail!(Shape, "solve_triangular kernel: batch sizes differ");
        }
        let mut out = Vec::with_capacity(bm.len());
        for (m, x) in am.iter().zip(bm) {
            // X A = B is A^T X^T = B^T, with the triangle flipped.
            let (tri, mut rhs, up): (MatRef<'_, T>, Mat<T>, bool) = if left {
                (m.as_ref(), x, upper)
            } else {
                (m.transpose(), x.transpose().to_owned(), !upper)
            };
            let par = par_for(tri.nrows());
            match (up, unit) {
                (true, false) => ts::solve_upper_triangular_in_place(tri, rhs.as_mut(), par),
                (true, true) => ts::solve_unit_upper_triangular_in_place(tri, rhs.as_mut(), par),
                (false, false) => ts::solve_lower_triangular_in_place(tri, rhs.as_mut(), par),
                (false, true) => ts::solve_unit_lower_triangular_in_place(tri, rhs.as_mut(), par),
            }
            out.push(if left { rhs } else { rhs.transpose().to_owned() });
        }
        store(&out, dst)
    })
}

/// The cofactor matrix `adj(A)^T` of each matrix through the SVD, `A = U S V^T`:
/// `det(U) det(V) U diag(prod_{j != i} s_j) V^T`, which needs no division and so holds for
/// singular matrices too.
pub(crate) fn cofactor(a: (&CpuBuffer, &Layout), dst: &mut CpuBuffer, dt: DType) -> Result<()> {
    faer_float!(dt, T => {
        let mut out = Vec::new();
        for m in load::<T>(a)? {
            let n = m.nrows();
            let svd = faer::linalg::solvers::Svd::new(m.as_ref())
                .map_err(|e| crate::Error::Linalg(format!("linalg.svd: {e:?}")))?;
            let (u, s, v) = (svd.U(), svd.S(), svd.V());
            let sign = lu(&u.to_owned()).det() * lu(&v.to_owned()).det();
            let s: Vec<f64> = (0..n).map(|i| Element::to_f64(s[i])).collect();
            let d: Vec<T> = (0..n)
                .map(|i| {
                    let p: f64 = s.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, x)| x).product();
                    T::from_f64_(p) * sign
                })
                .collect();
            out.push(Mat::from_fn(n, n, |i, j| {
                let mut acc = T::from_f64_(0.0);
                for (k, &dk) in d.iter().enumerate() {
                    acc += u[(i, k)] * dk * v[(j, k)];
                }
                acc
            }));
        }
        store(&out, dst)
    })
}
