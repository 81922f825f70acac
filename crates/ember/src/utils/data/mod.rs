//! `torch.utils.data`: datasets, samplers, collation and the [`DataLoader`].
//!
//! A map-style [`Dataset`] gives samples by index; a [`Sampler`] orders the indices (the
//! random ones draw exactly what PyTorch's draw for the same seed); [`default_collate`]
//! (the [`Collate`] trait) stacks samples into batches; a [`DataLoader`] ties them
//! together and can load on worker threads.
//!
//! ```
//! use ember::utils::data::{DataLoader, DataLoaderOptions, TensorDataset};
//!
//! let x = ember::randn([100, 3]);
//! let y = ember::randn([100, 1]);
//! let ds = TensorDataset::new((x, y)).unwrap();
//! let opts = DataLoaderOptions {
//!     batch_size: Some(32),
//!     shuffle: true,
//!     generator: Some(ember::Generator::new(0)),
//!     ..Default::default()
//! };
//! let loader = DataLoader::new(ds, opts).unwrap();
//! for batch in &loader {
//!     let (xb, yb) = batch.unwrap();
//!     assert_eq!(xb.shape()[1..], [3]);
//!     assert_eq!(xb.shape()[0], yb.shape()[0]);
//! }
//! assert_eq!(loader.len(), 4);
//! ```

mod collate;
mod dataloader;
mod dataset;
mod fetch;
mod iter;
mod options;
mod sampler;
mod split;
mod tensor_dataset;
mod weighted;
mod worker;

pub use self::collate::{Collate, default_collate, default_convert};
pub use self::dataloader::DataLoader;
pub use self::dataset::{ConcatDataset, Dataset, IterableDataset, Subset};
pub use self::iter::DataLoaderIter;
pub use self::options::DataLoaderOptions;
pub use self::sampler::{
    BatchSampler, RandomSampler, RandomSamplerOptions, Sampler, SequentialSampler,
    SubsetRandomSampler,
};
pub use self::split::{SplitLength, random_split};
pub use self::tensor_dataset::{TensorDataset, TensorTuple};
pub use self::weighted::{WeightedRandomSampler, WeightedRandomSamplerOptions};
pub use self::worker::{WorkerInfo, WorkerInitFn, get_worker_info};
