//! Loading one batch: the map-style fetch (samples by index, then collate) and the
//! iterable-style one (the next samples of a stream), as PyTorch's `_utils/fetch.py`.

use super::collate::Collate;
use super::dataset::{Dataset, IterableDataset};
use super::worker::{Fetch, MakeStream, Stream};
use crate::error::{Result, bail};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Turns the samples of one batch into what the loader yields.
pub(super) type Finish<T, B> = Arc<dyn Fn(Vec<T>) -> Result<B> + Send + Sync>;

pub(super) fn default_finish<T: Collate + 'static>(batched: bool) -> Finish<T, T::Batch> {
    if batched {
        Arc::new(T::collate)
    } else {
        Arc::new(|v: Vec<T>| match v.into_iter().next() {
            Some(s) => s.convert(),
            None => bail!(Value, "an unbatched DataLoader fetched no sample"),
        })
    }
}

/// An iterable dataset's samples as batches, as PyTorch's `_IterableDatasetFetcher` cuts
/// them: a failing sample fails its batch at once.
struct Batched<T, B> {
    samples: Box<dyn Iterator<Item = Result<T>> + Send>,
    batch_size: Option<usize>,
    drop_last: bool,
    finish: Finish<T, B>,
    ended: bool,
}

impl<T, B> Iterator for Batched<T, B> {
    type Item = Result<B>;
    fn next(&mut self) -> Option<Result<B>> {
        if self.ended {
            return None;
        }
        let want = self.batch_size.unwrap_or(1);
        let mut batch = Vec::with_capacity(want);
        while batch.len() < want {
            match self.samples.next() {
                Some(Ok(s)) => batch.push(s),
                Some(Err(e)) => return Some(Err(e)),
                None => {
                    self.ended = true;
                    break;
                }
            }
        }
        if batch.is_empty() || (self.drop_last && batch.len() < want) {
            return None;
        }
        Some((self.finish)(batch))
    }
}

/// Loads the samples at the given indices and collates them; stops between samples once
/// `stop` is raised (a worker whose loader is gone).
pub(super) fn map_fetch<D, B>(dataset: D, finish: Finish<D::Item, B>) -> Fetch<B>
where
    D: Dataset + 'static,
    B: 'static,
{
    let dataset = Arc::new(dataset);
    Arc::new(move |indices: &[usize], stop: &AtomicBool| {
        let mut samples = Vec::with_capacity(indices.len());
        for &i in indices {
            if stop.load(Ordering::Relaxed) {
                bail!(Worker, "DataLoader stopped");
            }
            samples.push(dataset.get(i)?);
        }
        finish(samples)
    })
}

/// Starts batched passes over an iterable dataset.
pub(super) fn iterable_stream<D, B>(
    dataset: D,
    batch_size: Option<usize>,
    drop_last: bool,
    finish: Finish<D::Item, B>,
) -> MakeStream<B>
where
    D: IterableDataset + 'static,
    B: 'static,
{
    let dataset = Arc::new(dataset);
    Arc::new(move || -> Stream<B> {
        Box::new(Batched {
            samples: dataset.iter(),
            batch_size,
            drop_last,
            finish: Arc::clone(&finish),
            ended: false,
        })
    })
}
