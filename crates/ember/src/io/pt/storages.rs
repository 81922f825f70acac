//! Which storage records a save writes, and where each tensor sits in them.
//!
//! Note [Saved views]
//! PyTorch writes a tensor's whole storage and the tensor's offset and strides into it, so
//! views saved together load sharing memory. ember's tensors do not expose their storage,
//! but what a save must preserve is only what the saved tensors can see: so the tensors
//! that share a storage (and a dtype) are written as one record spanning the elements
//! they reach, from the lowest to the highest, each tensor at its offset into that span
//! and with its own strides. Elements between them that no saved tensor reaches are
//! written as zeros. A lone contiguous tensor is written as its own elements. A tensor
//! whose elements overlap (an `expand`ed one) is placed through a view with its stride-0
//! dimensions cut to one element; any other overlapping layout gets a record of its own,
//! contiguous (it keeps its values but not its sharing).

use crate::error::Result;
use crate::layout::{Layout, contiguous_strides};
use crate::{DType, Device, Tensor};
use std::collections::HashMap;

/// Where one saved tensor lives.
#[derive(Clone, Debug)]
pub(super) struct Placement {
    /// The record's key (`data/<key>`) and the storage's length in elements.
    pub key: usize,
    pub storage_numel: usize,
    pub offset: usize,
    pub stride: Vec<usize>,
    pub location: String,
}

/// The records of a save and the placement of each of its tensors (by their order in
/// [`plan`]'s input).
pub(super) struct Plan {
    pub records: Vec<Vec<u8>>,
    pub placements: Vec<Placement>,
}

fn location(t: &Tensor) -> String {
    t.device().to_string()
}

fn on_cpu(t: &Tensor) -> Result<Tensor> {
    if t.device() == Device::Cpu {
        Ok(t.clone())
    } else {
        t.try_to_device(Device::Cpu)
    }
}

/// Whether no two elements of the layout share memory (sizes with their strides, sorted
/// by stride, each stride beyond the reach of the smaller ones).
fn non_overlapping(size: &[usize], stride: &[usize]) -> bool {
    let mut dims: Vec<(usize, usize)> = size
        .iter()
        .zip(stride)
        .filter(|&(&n, _)| n > 1)
        .map(|(&n, &s)| (s, n))
        .collect();
    dims.sort_unstable();
    let mut reach = 0usize;
    for (s, n) in dims {
        if s <= reach {
            return false;
        }
        reach += (n - 1) * s;
    }
    true
}

/// A record of its own for `t`, contiguous.
fn alone(t: &Tensor, key: usize) -> Result<(Vec<u8>, Placement)> {
    let bytes = on_cpu(t)?.to_le_bytes()?;
    Ok((
        bytes,
        Placement {
            key,
            storage_numel: t.numel(),
            offset: 0,
            stride: contiguous_strides(t.shape()).to_vec(),
            location: location(t),
        },
    ))
}

/// One record for the tensors of `group` (one storage, one dtype, all with elements).
fn shared(group: &[&Tensor], key: usize) -> Result<(Vec<u8>, Vec<Placement>)> {
    let first = group[0];
    if let [t] = group
        && t.is_contiguous()
    {
        let (bytes, mut p) = alone(t, key)?;
        p.stride = t.stride().to_vec();
        return Ok((bytes, vec![p]));
    }
    let last = |t: &Tensor| -> usize {
        t.storage_offset()
            + t.shape()
                .iter()
                .zip(t.stride())
                .map(|(&n, &s)| (n - 1) * s)
                .sum::<usize>()
    };
    let lo = group.iter().map(|t| t.storage_offset()).min().unwrap_or(0);
    let hi = group.iter().map(|t| last(t) + 1).max().unwrap_or(0);
    let buf = crate::try_zeros_with([hi - lo], (first.dtype(), Device::Cpu))?;
    let _no_grad = crate::no_grad();
    let mut placements = Vec::with_capacity(group.len());
    for &t in group {
        let src = on_cpu(t)?;
        let view = buf.as_strided_layout(Layout {
            shape: t.shape().iter().copied().collect(),
            strides: t.stride().iter().copied().collect(),
            offset: t.storage_offset() - lo,
        })?;
        // An expanded dimension repeats one element: write that element once.
        let (mut dst, mut src) = (view, src);
        for (d, &s) in t.stride().iter().enumerate() {
            if s == 0 {
                dst = dst.try_narrow(d as i64, 0, 1)?;
                src = src.try_narrow(d as i64, 0, 1)?;
            }
        }
        dst.try_copy_(&src)?;
        placements.push(Placement {
            key,
            storage_numel: hi - lo,
            offset: t.storage_offset() - lo,
            stride: t.stride().to_vec(),
            location: location(t),
        });
    }
    Ok((buf.to_le_bytes()?, placements))
}

/// Groups `tensors` by the storage and dtype they share and lays out their records (see
/// Note [Saved views]).
///
/// # Errors
/// If a tensor's data cannot be read (a meta tensor).
pub(super) fn plan(tensors: &[Tensor]) -> Result<Plan> {
    // Tensors over one storage have the same storage start address; `shares_storage`
    // confirms it (distinct empty storages may share a dangling address).
    let mut by_start: HashMap<(usize, DType), Vec<usize>> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut solo: Vec<usize> = Vec::new();
    for (i, t) in tensors.iter().enumerate() {
        let sane = non_overlapping(
            &t.shape()
                .iter()
                .zip(t.stride())
                .map(|(&n, &s)| if s == 0 { 1 } else { n })
                .collect::<Vec<_>>(),
            t.stride(),
        );
        if t.numel() == 0 || !sane {
            solo.push(i);
            continue;
        }
        let start = t
            .data_ptr()
            .wrapping_sub(t.storage_offset() * t.element_size());
        let bucket = by_start.entry((start, t.dtype())).or_default();
        match bucket
            .iter()
            .find(|&&g| tensors[groups[g][0]].shares_storage(t))
        {
            Some(&g) => groups[g].push(i),
            None => {
                bucket.push(groups.len());
                groups.push(vec![i]);
            }
        }
    }
    let mut placements: Vec<Option<Placement>> = vec![None; tensors.len()];
    let mut records = Vec::with_capacity(groups.len() + solo.len());
    for g in &groups {
        let members: Vec<&Tensor> = g.iter().map(|&i| &tensors[i]).collect();
        let (bytes, ps) = shared(&members, records.len())?;
        records.push(bytes);
        for (&i, p) in g.iter().zip(ps) {
            placements[i] = Some(p);
        }
    }
    for &i in &solo {
        let (bytes, p) = alone(&tensors[i], records.len())?;
        records.push(bytes);
        placements[i] = Some(p);
    }
    Ok(Plan {
        records,
        // Every tensor is in a group or alone.
        placements: placements.into_iter().flatten().collect(),
    })
}
