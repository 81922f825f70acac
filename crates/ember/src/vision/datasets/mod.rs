//! `torchvision.datasets`: labelled image datasets. Each sample is `(image, label)`: the
//! image a `u8` tensor `[H, W]` (0–255), or whatever the dataset's transform makes of it
//! (`ToTensor`: `f32 [1, H, W]` in `[0, 1]`), and the label an `i64`.

/// The API both datasets share over their [`LabelledImages`]: `with_transform`, `data`,
/// `targets` and [`Dataset`](crate::utils::data::Dataset). `$shape` names the images' shape
/// in the docs; `$example` is a doc example that uses the three methods.
macro_rules! labelled_images_api {
    ($name:ident, $shape:literal, $example:literal) => {
        impl $name {
            /// The same images, each passed through `transform` when read (torchvision's
            /// `transform=` argument).
            #[doc = $example]
            #[must_use]
            pub fn with_transform(
                mut self,
                transform: impl crate::vision::transforms::Transform + 'static,
            ) -> Self {
                self.images.transform = Some(Box::new(transform));
                self
            }

            #[doc = concat!("The images, `u8 ", $shape, "` in 0–255 (`dataset.data`).")]
            #[doc = $example]
            pub fn data(&self) -> &crate::Tensor {
                &self.images.data
            }

            /// The labels, `i64 [N]` (`dataset.targets`).
            #[doc = $example]
            pub fn targets(&self) -> &crate::Tensor {
                &self.images.targets
            }
        }

        impl crate::utils::data::Dataset for $name {
            type Item = (crate::Tensor, i64);
            fn len(&self) -> usize {
                self.images.len()
            }
            fn get(&self, index: usize) -> crate::Result<(crate::Tensor, i64)> {
                self.images.get(index)
            }
        }
    };
}

mod digits;
mod idx;
mod mnist;

pub use self::digits::Digits;
pub use self::idx::{parse_idx, read_idx};
pub use self::mnist::MNIST;

use super::transforms::Transform;
use crate::Tensor;
use crate::error::{Result, bail};

/// The images, labels and transform behind [`Digits`] and [`MNIST`].
struct LabelledImages {
    /// `u8 [N, H, W]`.
    data: Tensor,
    /// `i64 [N]`.
    targets: Tensor,
    labels: Vec<i64>,
    transform: Option<Box<dyn Transform>>,
}

impl LabelledImages {
    fn new(data: Tensor, labels: Vec<i64>) -> Result<Self> {
        let n = labels.len();
        Ok(LabelledImages {
            data,
            targets: Tensor::try_from_vec(labels.clone(), [n])?,
            labels,
            transform: None,
        })
    }

    fn len(&self) -> usize {
        self.labels.len()
    }

    fn get(&self, index: usize) -> Result<(Tensor, i64)> {
        let Some(&label) = self.labels.get(index) else {
            bail!(
                IndexOutOfRange,
                "index {index} is out of bounds for dimension 0 with size {}",
                self.len()
            );
        };
        // In range, so it fits an i64 (the tensor has that many rows).
        let image = self.data.try_select(0, index as i64)?;
        let image = match &self.transform {
            Some(t) => t.apply(image)?,
            None => image,
        };
        Ok((image, label))
    }
}
