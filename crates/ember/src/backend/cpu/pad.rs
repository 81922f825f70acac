//! Reflection and replication padding over contiguous planes. The padding mode only decides
//! which input position each output position reads, so the caller turns it into one index
//! map per padded dim and these kernels are mode-agnostic: a gather forward and its adjoint,
//! a scatter-add, backward.

use super::PAR_THRESHOLD;
use super::parallel::par_chunks_mut;
use num_traits::Float;

/// The shapes of a padding: `batch` leading planes, each `[d, h, w]` in (`src`) and
/// `[maps[0].len(), maps[1].len(), maps[2].len()]` out; `maps[k][o]` is the input index that
/// output index `o` of dim `k` reads. Fewer than three padded dims use length-1 maps `[0]`.
pub(crate) struct PadMaps<'a> {
    pub batch: usize,
    pub src: [usize; 3],
    pub maps: [&'a [usize]; 3],
}

impl PadMaps<'_> {
    fn out_plane(&self) -> usize {
        self.maps.iter().map(|m| m.len()).product()
    }

    fn src_plane(&self) -> usize {
        self.src.iter().product()
    }
}

/// `dst[b, i, j, k] = src[b, maps[0][i], maps[1][j], maps[2][k]]`.
pub(crate) fn gather<T: Copy + Send + Sync>(src: &[T], dst: &mut [T], g: &PadMaps<'_>) {
    let (sp, op) = (g.src_plane(), g.out_plane());
    if sp == 0 || op == 0 {
        return;
    }
    let [_, sh, sw] = g.src;
    let [md, mh, mw] = g.maps;
    let plane = |(d, s): (&mut [T], &[T])| {
        let mut rows = d.chunks_exact_mut(mw.len());
        for &i in md {
            for &j in mh {
                if let Some(row) = rows.next() {
                    let srow = &s[(i * sh + j) * sw..][..sw];
                    for (o, &k) in row.iter_mut().zip(mw) {
                        *o = srow[k];
                    }
                }
            }
        }
    };
    if dst.len() >= PAR_THRESHOLD && g.batch > 1 {
        par_chunks_mut(dst, op, &|start, d| {
            let i = start / op;
            plane((d, &src[i * sp..(i + 1) * sp]))
        });
    } else {
        dst.chunks_mut(op).zip(src.chunks(sp)).for_each(plane);
    }
}

/// The adjoint of [`gather`]: `dst` (the input's shape) is zeroed, then each element of
/// `src` (the output's shape) is added where [`gather`] read it from.
pub(crate) fn scatter_add<T: Float + Send + Sync>(src: &[T], dst: &mut [T], g: &PadMaps<'_>) {
    dst.fill(T::zero());
    let (sp, op) = (g.src_plane(), g.out_plane());
    if sp == 0 || op == 0 {
        return;
    }
    let [_, sh, sw] = g.src;
    let [md, mh, mw] = g.maps;
    let plane = |(d, s): (&mut [T], &[T])| {
        let mut rows = s.chunks_exact(mw.len());
        for &i in md {
            for &j in mh {
                if let Some(row) = rows.next() {
                    let drow = &mut d[(i * sh + j) * sw..][..sw];
                    for (&v, &k) in row.iter().zip(mw) {
                        drow[k] = drow[k] + v;
                    }
                }
            }
        }
    };
    if src.len() >= PAR_THRESHOLD && g.batch > 1 {
        par_chunks_mut(dst, sp, &|start, d| {
            let i = start / sp;
            plane((d, &src[i * op..(i + 1) * op]))
        });
    } else {
        dst.chunks_mut(sp).zip(src.chunks(op)).for_each(plane);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_then_scatter_counts_reads() {
        // One plane [1, 1, 3], reflect-padded by (2, 1): reads 2 1 0 1 2 1.
        let map = [2usize, 1, 0, 1, 2, 1];
        let g = PadMaps {
            batch: 1,
            src: [1, 1, 3],
            maps: [&[0], &[0], &map],
        };
        let mut out = [0.0; 6];
        gather(&[1.0, 2.0, 3.0], &mut out, &g);
        assert_eq!(out, [3.0, 2.0, 1.0, 2.0, 3.0, 2.0]);
        let mut back = [9.0; 3];
        scatter_add(&[1.0; 6], &mut back, &g);
        assert_eq!(back, [1.0, 3.0, 2.0]);
    }
}
