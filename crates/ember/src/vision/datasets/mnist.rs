//! `torchvision.datasets.MNIST` over files already on disk (ember does not download).

use super::LabelledImages;
use super::idx::read_idx;
use crate::DType;
use crate::error::{Error, Result, bail};
use std::path::{Path, PathBuf};

/// `torchvision.datasets.MNIST(root, train)`: the 28×28 handwritten digits, read from the
/// four standard IDX files.
///
/// The files are looked for in `root/MNIST/raw/` (where torchvision downloads them) and
/// then in `root/` itself, each as `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` or the same name with `.gz`. Samples
/// are `(u8 [28, 28] image, i64 label)`, or the transform's image.
///
/// ```
/// let root = std::env::temp_dir().join(format!("ember-mnist-doc-{}", std::process::id()));
/// let raw = root.join("MNIST").join("raw");
/// std::fs::create_dir_all(&raw).unwrap();
/// let mut images = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2];
/// images.extend([0, 64, 128, 255, 1, 2, 3, 4]);
/// std::fs::write(raw.join("t10k-images-idx3-ubyte"), &images).unwrap();
/// std::fs::write(raw.join("t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 2, 7, 3]).unwrap();
///
/// use ember::utils::data::Dataset;
/// let test = ember::datasets::MNIST::new(&root, false).unwrap();
/// let (image, label) = test.get(1).unwrap();
/// assert_eq!((image.to_vec::<u8>(), label), (vec![1, 2, 3, 4], 3));
///
/// let e = ember::datasets::MNIST::new(&root, true).err().unwrap();
/// assert!(e.to_string().contains("train-images-idx3-ubyte"));
/// # std::fs::remove_dir_all(&root).unwrap();
/// ```
// torchvision's name.
#[allow(clippy::upper_case_acronyms)]
pub struct MNIST {
    images: LabelledImages,
}

/// The first of `root/MNIST/raw/name[.gz]`, `root/name[.gz]` that exists.
fn find(root: &Path, name: &str) -> Result<PathBuf> {
    let raw = root.join("MNIST").join("raw");
    for dir in [&raw, root] {
        for file in [name.to_string(), format!("{name}.gz")] {
            let p = dir.join(file);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    Err(Error::Io(format!(
        "No such file or directory: '{}' (MNIST's {name}, looked for with and without .gz in \
         '{}' and '{}'; ember does not download datasets)",
        raw.join(name).display(),
        raw.display(),
        root.display()
    )))
}

impl MNIST {
    /// The training set (`train: true`, `train-*` files) or the test set (`t10k-*`).
    ///
    /// # Errors
    /// If a file is missing (the error names it), cannot be read, or is not an IDX file of
    /// the expected kind: images `u8 [N, H, W]`, labels `u8 [N]`, the same `N`.
    pub fn new(root: impl AsRef<Path>, train: bool) -> Result<Self> {
        let root = root.as_ref();
        let prefix = if train { "train" } else { "t10k" };
        let images_path = find(root, &format!("{prefix}-images-idx3-ubyte"))?;
        let labels_path = find(root, &format!("{prefix}-labels-idx1-ubyte"))?;
        let data = read_idx(&images_path)?;
        if data.dtype() != DType::U8 || data.ndim() != 3 {
            bail!(
                Format,
                "{}: MNIST images should be a 3-d uint8 IDX file, got shape {:?} ({})",
                images_path.display(),
                data.shape(),
                data.dtype()
            );
        }
        let labels = read_idx(&labels_path)?;
        if labels.dtype() != DType::U8 || labels.ndim() != 1 {
            bail!(
                Format,
                "{}: MNIST labels should be a 1-d uint8 IDX file, got shape {:?} ({})",
                labels_path.display(),
                labels.shape(),
                labels.dtype()
            );
        }
        if labels.numel() != data.shape()[0] {
            bail!(
                Format,
                "{} holds {} images but {} holds {} labels",
                images_path.display(),
                data.shape()[0],
                labels_path.display(),
                labels.numel()
            );
        }
        let labels: Vec<i64> = labels
            .try_to_vec::<u8>()?
            .into_iter()
            .map(i64::from)
            .collect();
        Ok(MNIST {
            images: LabelledImages::new(data, labels)?,
        })
    }
}

labelled_images_api!(
    MNIST,
    "[N, H, W]",
    "```no_run
use ember::utils::data::Dataset;
use ember::vision::transforms::ToTensor;
// The four IDX files in data/MNIST/raw/ (or data/).
let test = ember::datasets::MNIST::new(\"data\", false).unwrap();
assert_eq!(test.data().shape(), &[10000, 28, 28]);
assert_eq!(test.targets().shape(), &[10000]);
let test = test.with_transform(ToTensor);
assert_eq!(test.get(0).unwrap().0.shape(), &[1, 28, 28]);
```"
);
