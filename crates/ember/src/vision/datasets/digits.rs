//! The 8×8 handwritten digits shipped with ember (scikit-learn's `load_digits`, the UCI
//! optdigits test set; see `crates/ember/data/README.md`).

use super::LabelledImages;
use super::idx::gunzip;
use crate::Tensor;
use crate::error::{Error, Result};
use std::sync::OnceLock;

/// The gzipped CSV: 1,797 rows of 64 pixels (0–16, row by row) and the label.
static DIGITS_CSV_GZ: &[u8] = include_bytes!("../../../data/digits.csv.gz");

/// The number of images.
const N: usize = 1797;
/// The training split's size; the other 297 images are the test split.
const TRAIN: usize = 1500;
/// The seed of the split's permutation.
const SPLIT_SEED: u64 = 0;

/// The decoded data, once per process: pixels scaled to 0–255, and labels.
fn decoded() -> Result<&'static (Vec<u8>, Vec<i64>)> {
    static CELL: OnceLock<Result<(Vec<u8>, Vec<i64>)>> = OnceLock::new();
    CELL.get_or_init(decode).as_ref().map_err(Clone::clone)
}

fn decode() -> Result<(Vec<u8>, Vec<i64>)> {
    let bad = |what: String| Error::Format(format!("embedded digits.csv.gz: {what}"));
    let csv = gunzip(DIGITS_CSV_GZ).map_err(|e| bad(e.to_string()))?;
    let text = std::str::from_utf8(&csv).map_err(|e| bad(e.to_string()))?;
    let mut pixels = Vec::with_capacity(N * 64);
    let mut labels = Vec::with_capacity(N);
    for (row, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let values: Vec<&str> = line.split(',').collect();
        if values.len() != 65 {
            return Err(bad(format!(
                "row {row} has {} values, not 65",
                values.len()
            )));
        }
        for (col, v) in values.iter().enumerate() {
            let x: f64 = v
                .trim()
                .parse()
                .map_err(|_| bad(format!("row {row}, column {col}: '{v}' is not a number")))?;
            let ok = if col < 64 { 16.0 } else { 9.0 };
            if !(0.0..=ok).contains(&x) || x.fract() != 0.0 {
                return Err(bad(format!("row {row}, column {col}: {x} is out of range")));
            }
            if col < 64 {
                // round(v · 255 / 16): 0 → 0, 8 → 128, 16 → 255.
                pixels.push(((x * 255.0 / 16.0) + 0.5).floor() as u8);
            } else {
                labels.push(x as i64);
            }
        }
    }
    if labels.len() != N {
        return Err(bad(format!("{} rows, not {N}", labels.len())));
    }
    Ok((pixels, labels))
}

/// The 8×8 handwritten digits (scikit-learn's `load_digits`), embedded in ember so they
/// load anywhere without a download.
///
/// 1,797 images of 8×8 pixels with labels 0–9. The source's pixels count 0–16 set pixels
/// of a 4×4 block; here they are scaled to 0–255 `u8` (`round(v · 255 / 16)`; `v =
/// round(p · 16 / 255)` gives them back) so that images behave as images do in
/// torchvision ([`ToTensor`](crate::vision::transforms::ToTensor) maps them to
/// `[0, 1]`). The split is fixed and seeded: PyTorch's `random_split(digits, [1500, 297],
/// generator=torch.Generator().manual_seed(0))`, 1,500 training and 297 test images, each
/// split in its permutation's order. (The source's rows come from writers in sequence: a
/// test set of its last 297 rows holds writers the training set never saw, and PyTorch's
/// MNIST example network reaches only 92.6% on it, against 99.0% on this split.)
///
/// ```
/// use ember::datasets::Digits;
/// use ember::utils::data::Dataset;
///
/// let train = Digits::new(true).unwrap();
/// let test = Digits::new(false).unwrap();
/// assert_eq!((train.len(), test.len()), (1500, 297));
/// let (image, label) = train.get(0).unwrap();
/// assert_eq!((image.shape(), image.dtype(), label), (&[8, 8][..], ember::DType::U8, 6));
/// ```
pub struct Digits {
    images: LabelledImages,
}

impl Digits {
    /// The training split (`train: true`, 1,500 images) or the test split (297).
    ///
    /// # Errors
    /// Only if the embedded data cannot be decoded (it is checked by ember's tests).
    pub fn new(train: bool) -> Result<Self> {
        // PyTorch's `random_split(digits, [1500, 297], generator=Generator().manual_seed(0))`.
        let perm = crate::Generator::new(SPLIT_SEED)
            .randperm(N)
            .to_vec::<i64>();
        let part = if train {
            &perm[..TRAIN]
        } else {
            &perm[TRAIN..]
        };
        let rows: Vec<usize> = part.iter().map(|&i| i as usize).collect();
        Self::rows(&rows)
    }

    /// All 1,797 images, in the source's order.
    ///
    /// ```
    /// let all = ember::datasets::Digits::all().unwrap();
    /// assert_eq!(all.data().shape(), &[1797, 8, 8]);
    /// assert_eq!(all.targets().to_vec::<i64>()[..4], [0, 1, 2, 3]);
    /// ```
    ///
    /// # Errors
    /// As [`Digits::new`].
    pub fn all() -> Result<Self> {
        Self::rows(&(0..N).collect::<Vec<_>>())
    }

    /// The images of the source's `rows`, in that order.
    fn rows(rows: &[usize]) -> Result<Self> {
        let (pixels, labels) = decoded()?;
        let mut data = Vec::with_capacity(rows.len() * 64);
        for &r in rows {
            data.extend_from_slice(&pixels[r * 64..(r + 1) * 64]);
        }
        let data = Tensor::try_from_vec(data, [rows.len(), 8, 8])?;
        let targets = rows.iter().map(|&r| labels[r]).collect();
        Ok(Digits {
            images: LabelledImages::new(data, targets)?,
        })
    }
}

labelled_images_api!(
    Digits,
    "[N, 8, 8]",
    "```
use ember::utils::data::Dataset;
use ember::vision::transforms::ToTensor;
let d = ember::datasets::Digits::new(false).unwrap();
assert_eq!(d.data().shape(), &[297, 8, 8]);
assert_eq!(d.targets().to_vec::<i64>()[..3], [5, 7, 4]);
let d = d.with_transform(ToTensor);
assert_eq!(d.get(0).unwrap().0.shape(), &[1, 8, 8]);
```"
);
