//! DataLoader worker threads: the same batches in the same order as without workers,
//! errors and panics at their batch, no hangs, prompt shutdown, per-worker seeds, and
//! iterable datasets split by `get_worker_info`.

use ember::utils::data::{
    DataLoader, DataLoaderOptions, Dataset, IterableDataset, TensorDataset, get_worker_info,
};
use ember::{Generator, Tensor};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn with_workers(batch_size: usize, num_workers: usize) -> DataLoaderOptions {
    DataLoaderOptions {
        batch_size: Some(batch_size),
        num_workers,
        ..Default::default()
    }
}

/// Fails (index `bad`), panics (index `boom`), or gives the index; counts every read and
/// optionally sleeps to make workers finish out of order.
struct Probe {
    n: usize,
    bad: Option<usize>,
    boom: Option<usize>,
    sleep_ms: u64,
    reads: Arc<AtomicUsize>,
}

impl Probe {
    fn new(n: usize) -> Self {
        Probe {
            n,
            bad: None,
            boom: None,
            sleep_ms: 0,
            reads: Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl Dataset for Probe {
    type Item = i64;
    fn len(&self) -> usize {
        self.n
    }
    fn get(&self, i: usize) -> ember::Result<i64> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if self.sleep_ms > 0 {
            // Early batches slowest, so later ones arrive first.
            std::thread::sleep(Duration::from_millis(
                self.sleep_ms * ((self.n - i) % 4) as u64,
            ));
        }
        if Some(i) == self.bad {
            return Err(ember::Error::Io(format!("cannot read sample {i}")));
        }
        if Some(i) == self.boom {
            panic!("sample {i} is cursed");
        }
        Ok(i as i64)
    }
}

fn outcomes(loader: &DataLoader<Tensor>) -> Vec<Result<Vec<i64>, String>> {
    loader
        .iter()
        .map(|b| b.map(|t| t.to_vec::<i64>()).map_err(|e| e.to_string()))
        .collect()
}

#[test]
fn workers_give_the_same_batches_in_order() {
    let x = ember::arange(40.0).view([20, 2]);
    let ds = TensorDataset::new((x, ember::arange(20))).unwrap();
    for (workers, prefetch) in [(1, None), (2, Some(1)), (3, Some(3)), (4, None)] {
        let o = |n: usize| DataLoaderOptions {
            batch_size: Some(3),
            shuffle: true,
            num_workers: n,
            prefetch_factor: if n == 0 { None } else { prefetch },
            generator: Some(Generator::new(5)),
            ..Default::default()
        };
        let serial = DataLoader::new(ds.clone(), o(0)).unwrap();
        let threaded = DataLoader::new(ds.clone(), o(workers)).unwrap();
        for _ in 0..2 {
            let a: Vec<Vec<f32>> = serial
                .iter()
                .map(|b| b.unwrap().0.to_vec::<f32>())
                .collect();
            let b: Vec<Vec<f32>> = threaded
                .iter()
                .map(|b| b.unwrap().0.to_vec::<f32>())
                .collect();
            assert_eq!(a, b, "{workers} workers");
        }
    }
    let mut slow = Probe::new(24);
    slow.sleep_ms = 3;
    let loader = DataLoader::new(slow, with_workers(2, 3)).unwrap();
    let got: Vec<Vec<i64>> = outcomes(&loader).into_iter().map(Result::unwrap).collect();
    assert_eq!(got.concat(), (0..24).collect::<Vec<i64>>());
}

#[test]
fn a_worker_error_surfaces_at_its_batch() {
    for workers in [0, 1, 3] {
        let mut p = Probe::new(10);
        p.bad = Some(5);
        let got = outcomes(&DataLoader::new(p, with_workers(2, workers)).unwrap());
        assert_eq!(got.len(), 5, "{workers} workers");
        assert_eq!(
            got[2],
            Err("cannot read sample 5".to_string()),
            "{workers} workers"
        );
        assert!(got.iter().enumerate().all(|(i, r)| i == 2 || r.is_ok()));
    }
}

#[test]
fn a_worker_panic_is_an_error_not_a_hang() {
    for workers in [1, 2] {
        let mut p = Probe::new(8);
        p.boom = Some(2);
        let got = outcomes(&DataLoader::new(p, with_workers(2, workers)).unwrap());
        assert_eq!(got.len(), 4);
        let e = got[1].as_ref().unwrap_err();
        assert!(e.starts_with("Caught panic in DataLoader worker"), "{e}");
        assert!(e.contains("sample 2 is cursed"), "{e}");
        assert_eq!(got[3], Ok(vec![6, 7]));
    }
}

#[test]
fn dropping_a_half_consumed_loader_stops_its_workers() {
    let mut p = Probe::new(1000);
    p.sleep_ms = 1;
    let reads = Arc::clone(&p.reads);
    let o = DataLoaderOptions {
        prefetch_factor: Some(2),
        ..with_workers(4, 2)
    };
    let loader = DataLoader::new(p, o).unwrap();
    let mut it = loader.iter();
    assert_eq!(
        it.next().unwrap().unwrap().to_vec::<i64>(),
        vec![0, 1, 2, 3]
    );
    let t = Instant::now();
    drop(it);
    assert!(t.elapsed() < Duration::from_secs(5));
    let after_drop = reads.load(Ordering::SeqCst);
    // At most the batches in flight were read (2 workers × prefetch 2, and the first).
    assert!(after_drop <= 4 * 5, "{after_drop} reads");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(reads.load(Ordering::SeqCst), after_drop);
}

#[test]
fn a_slow_batch_times_out() {
    struct Slow;
    impl Dataset for Slow {
        type Item = i64;
        fn len(&self) -> usize {
            2
        }
        fn get(&self, i: usize) -> ember::Result<i64> {
            if i == 0 {
                std::thread::sleep(Duration::from_millis(400));
            }
            Ok(i as i64)
        }
    }
    let o = DataLoaderOptions {
        timeout: Some(Duration::from_millis(100)),
        ..with_workers(1, 1)
    };
    let loader = DataLoader::new(Slow, o).unwrap();
    let mut it = loader.iter();
    let e = it.next().unwrap().unwrap_err();
    assert_eq!(e.to_string(), "DataLoader timed out after 0.1 seconds");
}

#[test]
fn workers_run_with_their_own_seeds_and_info() {
    struct Noise;
    impl Dataset for Noise {
        type Item = (Tensor, i64);
        fn len(&self) -> usize {
            8
        }
        fn get(&self, _: usize) -> ember::Result<(Tensor, i64)> {
            let info = get_worker_info().expect("inside a worker");
            Ok((ember::rand([2]), info.id as i64))
        }
    }
    let run = || {
        let o = DataLoaderOptions {
            generator: Some(Generator::new(17)),
            ..with_workers(2, 3)
        };
        let loader = DataLoader::new(Noise, o).unwrap();
        loader.iter().map(Result::unwrap).collect::<Vec<_>>()
    };
    let (a, b) = (run(), run());
    for (i, ((xa, ia), (xb, ib))) in a.iter().zip(&b).enumerate() {
        assert_eq!(xa.to_vec::<f32>(), xb.to_vec::<f32>());
        assert_eq!(ia.to_vec::<i64>(), vec![(i % 3) as i64; 2]);
        assert_eq!(ia.to_vec::<i64>(), ib.to_vec::<i64>());
    }
    // Worker k draws from a generator seeded base_seed + k, base_seed the loader's first draw.
    let base = Generator::new(17).random_i64() as u64;
    let mut g0 = Generator::new(base);
    let want = g0.scope(|| ember::rand([2]).to_vec::<f32>());
    assert_eq!(a[0].0.select(0, 0).to_vec::<f32>(), want);
    let inits = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&inits);
    let o = DataLoaderOptions {
        worker_init_fn: Some(Arc::new(move |id| {
            seen.fetch_add(id + 1, Ordering::SeqCst);
        })),
        ..with_workers(2, 3)
    };
    let loader = DataLoader::new(vec![0i64; 6], o).unwrap();
    assert_eq!(loader.iter().count(), 3);
    assert_eq!(inits.load(Ordering::SeqCst), 1 + 2 + 3);
}

/// `0..n` split between the workers by `get_worker_info`, or shards of given sizes.
struct Stream {
    n: i64,
    shards: Option<Vec<Vec<i64>>>,
}

impl IterableDataset for Stream {
    type Item = i64;
    fn iter(&self) -> Box<dyn Iterator<Item = ember::Result<i64>> + Send> {
        let info = get_worker_info();
        match (&self.shards, info) {
            (Some(s), Some(w)) => Box::new(s[w.id].clone().into_iter().map(Ok)),
            (None, Some(w)) => {
                let (id, k) = (w.id as i64, w.num_workers as i64);
                Box::new((0..self.n).filter(move |v| v % k == id).map(Ok))
            }
            (_, None) => Box::new((0..self.n).map(Ok)),
        }
    }
    fn len(&self) -> Option<usize> {
        Some(self.n as usize)
    }
}

#[test]
fn iterable_datasets_with_and_without_workers() {
    let collect = |ds: Stream, o: DataLoaderOptions| -> Vec<Vec<i64>> {
        let loader = DataLoader::from_iterable(ds, o).unwrap();
        loader.iter().map(|b| b.unwrap().to_vec::<i64>()).collect()
    };
    let s = || Stream {
        n: 10,
        shards: None,
    };
    assert_eq!(
        collect(s(), with_workers(4, 0)),
        vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]
    );
    // What PyTorch gives with two workers: their batches alternate.
    assert_eq!(
        collect(s(), with_workers(2, 2)),
        vec![
            vec![0, 2],
            vec![1, 3],
            vec![4, 6],
            vec![5, 7],
            vec![8],
            vec![9]
        ]
    );
    let uneven = || Stream {
        n: 9,
        shards: Some(vec![(0..7).collect(), vec![100, 101]]),
    };
    assert_eq!(
        collect(uneven(), with_workers(2, 2)),
        vec![vec![0, 1], vec![100, 101], vec![2, 3], vec![4, 5], vec![6]]
    );
    let dropped = DataLoaderOptions {
        drop_last: true,
        ..with_workers(2, 2)
    };
    assert_eq!(
        collect(uneven(), dropped),
        vec![vec![0, 1], vec![100, 101], vec![2, 3], vec![4, 5]]
    );
    let loader = DataLoader::from_iterable(s(), with_workers(4, 0)).unwrap();
    assert_eq!(loader.len(), 3);
    let e = DataLoader::from_iterable(
        s(),
        DataLoaderOptions {
            shuffle: true,
            ..Default::default()
        },
    )
    .err()
    .unwrap();
    assert_eq!(
        e.to_string(),
        "DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=True"
    );
}
