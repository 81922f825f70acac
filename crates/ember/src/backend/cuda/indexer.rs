//! Host-side kernel arguments describing strided operands: `#[repr(C)]` mirrors of the
//! prelude's `EmberIdx`, `EmberRIdx` and `EmberSIdx` (`prelude.cu`), built from layouts.
//!
//! Elementwise operands are coalesced first, as PyTorch's TensorIterator does: adjacent dims
//! that every operand walks contiguously merge, and size-1 dims drop out, so most kernels
//! see one dim and take the contiguous path.

// The CUDA backend's launches (issue 7) pass these; until then only the tests below do.
#![allow(dead_code)]

use crate::error::{Error, Result};
use crate::layout::Layout;

/// The prelude's `EMBER_MAX_DIMS`.
pub(crate) const MAX_DIMS: usize = 25;
/// The prelude's `EMBER_MAX_OPS`: operands of one elementwise kernel, output included.
pub(crate) const MAX_OPS: usize = 4;

fn too_many_dims(n: usize) -> Error {
    Error::Value(format!(
        "CUDA kernels support tensors of at most {MAX_DIMS} dims after merging, got {n}"
    ))
}

fn i64_of(v: usize) -> i64 {
    // Sizes, strides and offsets of an allocated tensor fit isize.
    v as i64
}

/// `EmberIdx`: the iteration shape and every operand's strides and offset.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ElementwiseIdx {
    pub numel: i64,
    pub ndim: i32,
    pub contiguous: i32,
    pub sizes: [i64; MAX_DIMS],
    pub strides: [[i64; MAX_DIMS]; MAX_OPS],
    pub offsets: [i64; MAX_OPS],
}

impl ElementwiseIdx {
    /// The arguments for operands (output first) all of shape `shape` (inputs broadcast).
    ///
    /// # Errors
    /// With more than `MAX_OPS` operands or more than `MAX_DIMS` dims after merging.
    pub(crate) fn new(shape: &[usize], operands: &[&Layout]) -> Result<ElementwiseIdx> {
        let n_ops = operands.len();
        if n_ops == 0 || n_ops > MAX_OPS {
            return Err(Error::Value(format!(
                "CUDA elementwise kernels take 1 to {MAX_OPS} operands, got {n_ops}"
            )));
        }
        if let Some(l) = operands.iter().find(|l| l.shape.as_slice() != shape) {
            return Err(Error::Shape(format!(
                "CUDA operand of shape {:?} does not match the iteration shape {shape:?}",
                l.shape.as_slice()
            )));
        }
        // Merged dims, innermost first.
        let mut sizes: Vec<usize> = Vec::new();
        let mut strides: Vec<[usize; MAX_OPS]> = Vec::new();
        for d in (0..shape.len()).rev() {
            if shape[d] == 1 {
                continue;
            }
            let st: [usize; MAX_OPS] =
                std::array::from_fn(|k| operands.get(k).map_or(0, |l| l.strides[d]));
            if let (Some(&inner_size), Some(inner)) = (sizes.last(), strides.last_mut())
                && (0..n_ops).all(|k| st[k] == inner[k] * inner_size)
            {
                *sizes.last_mut().expect("nonempty") *= shape[d];
                continue;
            }
            sizes.push(shape[d]);
            strides.push(st);
        }
        if sizes.len() > MAX_DIMS {
            return Err(too_many_dims(sizes.len()));
        }
        sizes.reverse();
        strides.reverse();
        let mut idx = ElementwiseIdx {
            numel: i64_of(shape.iter().product()),
            ndim: sizes.len() as i32,
            contiguous: 0,
            sizes: [0; MAX_DIMS],
            strides: [[0; MAX_DIMS]; MAX_OPS],
            offsets: [0; MAX_OPS],
        };
        for (d, (&s, st)) in sizes.iter().zip(&strides).enumerate() {
            idx.sizes[d] = i64_of(s);
            for (row, &stride) in idx.strides.iter_mut().zip(&st[..n_ops]) {
                row[d] = i64_of(stride);
            }
        }
        for (k, l) in operands.iter().enumerate() {
            idx.offsets[k] = i64_of(l.offset);
        }
        let contiguous =
            sizes.is_empty() || (sizes.len() == 1 && strides[0][..n_ops].iter().all(|&s| s == 1));
        idx.contiguous = i32::from(contiguous);
        Ok(idx)
    }

    /// The operands' offsets of element `i`, computed as the kernel does.
    pub(crate) fn offsets_of(&self, i: i64) -> [i64; MAX_OPS] {
        let mut off = self.offsets;
        if self.contiguous != 0 {
            return off.map(|o| o + i);
        }
        let mut q = i;
        for d in (0..self.ndim as usize).rev() {
            let r = q % self.sizes[d];
            q /= self.sizes[d];
            for (k, o) in off.iter_mut().enumerate() {
                *o += r * self.strides[k][d];
            }
        }
        off
    }
}

/// `EmberRIdx`: a reduction of `src` over some dims into `dst` (keepdim shape).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReduceIdx {
    pub n_out: i64,
    pub n_red: i64,
    pub out_ndim: i32,
    pub red_ndim: i32,
    pub out_sizes: [i64; MAX_DIMS],
    pub out_src_strides: [i64; MAX_DIMS],
    pub out_dst_strides: [i64; MAX_DIMS],
    pub red_sizes: [i64; MAX_DIMS],
    pub red_strides: [i64; MAX_DIMS],
    pub src_offset: i64,
    pub dst_offset: i64,
}

impl ReduceIdx {
    /// The arguments for reducing `src` over `dims` (sorted, distinct) into `dst`, whose
    /// shape is `src`'s with the reduced dims set to 1. The index an arg-reduction returns
    /// is the element's row-major position among the reduced dims.
    ///
    /// # Errors
    /// With more than `MAX_DIMS` dims.
    pub(crate) fn new(src: &Layout, dims: &[usize], dst: &Layout) -> Result<ReduceIdx> {
        if src.ndim() > MAX_DIMS {
            return Err(too_many_dims(src.ndim()));
        }
        let mut r = ReduceIdx {
            n_out: 1,
            n_red: 1,
            out_ndim: 0,
            red_ndim: 0,
            out_sizes: [0; MAX_DIMS],
            out_src_strides: [0; MAX_DIMS],
            out_dst_strides: [0; MAX_DIMS],
            red_sizes: [0; MAX_DIMS],
            red_strides: [0; MAX_DIMS],
            src_offset: i64_of(src.offset),
            dst_offset: i64_of(dst.offset),
        };
        for d in 0..src.ndim() {
            let size = i64_of(src.shape[d]);
            if dims.contains(&d) {
                let k = r.red_ndim as usize;
                r.red_sizes[k] = size;
                r.red_strides[k] = i64_of(src.strides[d]);
                r.red_ndim += 1;
                r.n_red *= size;
            } else {
                let k = r.out_ndim as usize;
                r.out_sizes[k] = size;
                r.out_src_strides[k] = i64_of(src.strides[d]);
                r.out_dst_strides[k] = i64_of(dst.strides[d]);
                r.out_ndim += 1;
                r.n_out *= size;
            }
        }
        Ok(r)
    }

    /// The source offset of reduced element `j` of output `o`, and `o`'s destination offset,
    /// computed as the kernel does.
    pub(crate) fn offsets_of(&self, o: i64, j: i64) -> (i64, i64) {
        let (mut src, mut dst, mut q) = (self.src_offset, self.dst_offset, o);
        for d in (0..self.out_ndim as usize).rev() {
            let r = q % self.out_sizes[d];
            q /= self.out_sizes[d];
            src += r * self.out_src_strides[d];
            dst += r * self.out_dst_strides[d];
        }
        let mut q = j;
        for d in (0..self.red_ndim as usize).rev() {
            let r = q % self.red_sizes[d];
            q /= self.red_sizes[d];
            src += r * self.red_strides[d];
        }
        (src, dst)
    }
}

/// `EmberSIdx`: a scan of `src` along one dim into `dst` of the same shape.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ScanIdx {
    pub n_rows: i64,
    pub len: i64,
    pub src_step: i64,
    pub dst_step: i64,
    pub ndim: i32,
    pub reverse: i32,
    pub sizes: [i64; MAX_DIMS],
    pub src_strides: [i64; MAX_DIMS],
    pub dst_strides: [i64; MAX_DIMS],
    pub src_offset: i64,
    pub dst_offset: i64,
}

impl ScanIdx {
    /// The arguments for scanning `src` along `dim` into `dst`, from the end when `reverse`.
    ///
    /// # Errors
    /// With more than `MAX_DIMS` dims.
    pub(crate) fn new(src: &Layout, dim: usize, reverse: bool, dst: &Layout) -> Result<ScanIdx> {
        if src.ndim() > MAX_DIMS {
            return Err(too_many_dims(src.ndim()));
        }
        let mut s = ScanIdx {
            n_rows: 1,
            len: i64_of(src.shape[dim]),
            src_step: i64_of(src.strides[dim]),
            dst_step: i64_of(dst.strides[dim]),
            ndim: 0,
            reverse: i32::from(reverse),
            sizes: [0; MAX_DIMS],
            src_strides: [0; MAX_DIMS],
            dst_strides: [0; MAX_DIMS],
            src_offset: i64_of(src.offset),
            dst_offset: i64_of(dst.offset),
        };
        for d in (0..src.ndim()).filter(|&d| d != dim) {
            let k = s.ndim as usize;
            s.sizes[k] = i64_of(src.shape[d]);
            s.src_strides[k] = i64_of(src.strides[d]);
            s.dst_strides[k] = i64_of(dst.strides[d]);
            s.ndim += 1;
            s.n_rows *= s.sizes[k];
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::for_each_offsets;

    /// Checks the kernel's offsets against the CPU's row-major iteration.
    fn check(shape: &[usize], ops: &[&Layout]) -> ElementwiseIdx {
        let idx = ElementwiseIdx::new(shape, ops).unwrap();
        let mut want = Vec::new();
        match ops {
            [a, b] => {
                for_each_offsets(shape, [&a.strides, &b.strides], [a.offset, b.offset], |o| {
                    want.push(vec![o[0], o[1]])
                })
            }
            [a, b, c] => for_each_offsets(
                shape,
                [&a.strides, &b.strides, &c.strides],
                [a.offset, b.offset, c.offset],
                |o| want.push(vec![o[0], o[1], o[2]]),
            ),
            _ => unreachable!("tests use 2 or 3 operands"),
        }
        assert_eq!(idx.numel as usize, want.len());
        for (i, w) in want.iter().enumerate() {
            let got = idx.offsets_of(i as i64);
            let got: Vec<usize> = got[..ops.len()].iter().map(|&o| o as usize).collect();
            assert_eq!(&got, w, "element {i}");
        }
        idx
    }

    #[test]
    fn contiguous_operands_merge_into_one_dim() {
        let l = Layout::contiguous(&[2, 3, 4]);
        let idx = check(&[2, 3, 4], &[&l, &l]);
        assert_eq!((idx.ndim, idx.contiguous, idx.numel), (1, 1, 24));
    }

    #[test]
    fn offsets_of_narrowed_views_are_kept() {
        let base = Layout::contiguous(&[4, 6]);
        let v = base.slice(1, 2, 3, 1); // [4, 3] at offset 2, strides [6, 1]
        let out = Layout::contiguous(&[4, 3]);
        let idx = check(&[4, 3], &[&out, &v]);
        assert_eq!((idx.ndim, idx.contiguous), (2, 0));
        assert_eq!(idx.offsets[1], 2);
    }

    #[test]
    fn transposed_and_broadcast_operands() {
        let out = Layout::contiguous(&[3, 4]);
        let t = Layout::contiguous(&[4, 3]).transpose(0, 1);
        let row = Layout::contiguous(&[4])
            .unsqueeze(0)
            .expand(&[3, 4])
            .unwrap();
        let idx = check(&[3, 4], &[&out, &t, &row]);
        assert_eq!(idx.contiguous, 0);
        assert_eq!(idx.strides[2][..2], [0, 1]);
    }

    #[test]
    fn size_one_dims_drop_out() {
        let l = Layout::contiguous(&[1, 5, 1]);
        let idx = check(&[1, 5, 1], &[&l, &l]);
        assert_eq!((idx.ndim, idx.contiguous), (1, 1));
        let s = Layout::contiguous(&[]);
        let idx = check(&[], &[&s, &s]);
        assert_eq!((idx.ndim, idx.contiguous, idx.numel), (0, 1, 1));
    }

    #[test]
    fn operand_counts_are_checked() {
        let l = Layout::contiguous(&[2]);
        assert!(ElementwiseIdx::new(&[2], &[&l; 5]).is_err());
        assert!(ElementwiseIdx::new(&[2], &[]).is_err());
    }

    #[test]
    fn reduce_offsets_walk_kept_then_reduced_dims() {
        // [2, 3, 4] transposed to [2, 4, 3], reduced over dim 1 into [2, 1, 3].
        let src = Layout::contiguous(&[2, 3, 4]).transpose(1, 2);
        let dst = Layout::contiguous(&[2, 1, 3]);
        let r = ReduceIdx::new(&src, &[1], &dst).unwrap();
        assert_eq!((r.n_out, r.n_red, r.out_ndim, r.red_ndim), (6, 4, 2, 1));
        for o in 0..6 {
            let (b, c) = (o / 3, o % 3);
            for j in 0..4 {
                // src[b, j, c] of the transposed view is storage [b, c, j].
                let want_src = b * 12 + c * 4 + j;
                assert_eq!(r.offsets_of(o, j), (want_src, b * 3 + c));
            }
        }
    }

    #[test]
    fn scan_rows_skip_the_scanned_dim() {
        let src = Layout::contiguous(&[2, 5, 3]);
        let s = ScanIdx::new(&src, 1, true, &src).unwrap();
        assert_eq!(
            (s.n_rows, s.len, s.src_step, s.ndim, s.reverse),
            (6, 5, 3, 2, 1)
        );
        assert_eq!(s.src_strides[..2], [15, 1]);
    }

    #[test]
    fn structs_match_the_prelude_layout() {
        // i64 fields and i32 pairs only: no padding, so the sizes are the sums.
        assert_eq!(
            std::mem::size_of::<ElementwiseIdx>(),
            8 + 8 + 8 * MAX_DIMS * (1 + MAX_OPS) + 8 * MAX_OPS
        );
        assert_eq!(
            std::mem::size_of::<ReduceIdx>(),
            16 + 8 + 8 * 5 * MAX_DIMS + 16
        );
        assert_eq!(
            std::mem::size_of::<ScanIdx>(),
            32 + 8 + 8 * 3 * MAX_DIMS + 16
        );
        let prelude = include_str!("prelude.cu");
        assert!(prelude.contains(&format!("#define EMBER_MAX_DIMS {MAX_DIMS}")));
        assert!(prelude.contains(&format!("#define EMBER_MAX_OPS {MAX_OPS}")));
    }
}
