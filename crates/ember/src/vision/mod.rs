//! `torchvision`: image [`transforms`] and [`datasets`] (the shipped 8×8 digits, MNIST's
//! files).
//!
//! ```
//! use ember::utils::data::{DataLoader, DataLoaderOptions};
//! use ember::vision::{datasets::Digits, transforms::ToTensor};
//!
//! let train = Digits::new(true).unwrap().with_transform(ToTensor);
//! let opts = DataLoaderOptions { batch_size: Some(100), ..Default::default() };
//! let loader = DataLoader::new(train, opts).unwrap();
//! let (images, labels) = loader.iter().next().unwrap().unwrap();
//! assert_eq!((images.shape(), labels.shape()), (&[100, 1, 8, 8][..], &[100][..]));
//! ```

pub mod datasets;
pub mod transforms;
