//! DataLoader on the calling thread: batching, lengths, PyTorch's shuffled orders, options.

use super::{cases, int, lists, msg};
use ember::utils::data::{
    BatchSampler, DataLoader, DataLoaderOptions, SequentialSampler, TensorDataset,
    WeightedRandomSampler, WeightedRandomSamplerOptions,
};
use ember::{Generator, Tensor};

fn range(n: i64) -> Vec<i64> {
    (0..n).collect()
}

fn batches_of(loader: &DataLoader<Tensor>) -> Vec<Vec<usize>> {
    loader
        .iter()
        .map(|b| {
            b.unwrap()
                .to_vec::<i64>()
                .into_iter()
                .map(|v| v as usize)
                .collect()
        })
        .collect()
}

fn opts(batch_size: usize) -> DataLoaderOptions {
    DataLoaderOptions {
        batch_size: Some(batch_size),
        ..Default::default()
    }
}

#[test]
fn sequential_batches_lengths_and_drop_last() {
    let loader = DataLoader::new(range(10), opts(3)).unwrap();
    assert_eq!(loader.len(), 4);
    assert_eq!(
        batches_of(&loader),
        vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8], vec![9]]
    );
    let dropped = DataLoader::new(
        range(10),
        DataLoaderOptions {
            drop_last: true,
            ..opts(3)
        },
    )
    .unwrap();
    assert_eq!((dropped.len(), batches_of(&dropped).len()), (3, 3));
    let exact = DataLoader::new(
        range(9),
        DataLoaderOptions {
            drop_last: true,
            ..opts(3)
        },
    )
    .unwrap();
    assert_eq!(exact.len(), 3);
    let one = DataLoader::new(range(3), DataLoaderOptions::default()).unwrap();
    assert_eq!(batches_of(&one), vec![vec![0], vec![1], vec![2]]);
    // Each pass starts again.
    assert_eq!(batches_of(&loader), batches_of(&loader));
    let empty = DataLoader::new(Vec::<i64>::new(), opts(2)).unwrap();
    assert!(empty.is_empty() && empty.iter().next().is_none());
}

#[test]
fn shuffle_with_a_generator_gives_pytorchs_order() {
    let ds = TensorDataset::new(ember::arange(10)).unwrap();
    for (name, bs, drop_last) in [
        ("shuffle_bs3_seed42", 3, false),
        ("shuffle_bs3_droplast_seed42", 3, true),
        ("shuffle_bs4_seed0", 4, false),
    ] {
        let c = &cases()["loaders"][name];
        let o = DataLoaderOptions {
            batch_size: Some(bs),
            shuffle: true,
            drop_last,
            generator: Some(Generator::new(c["seed"].as_u64().unwrap())),
            ..Default::default()
        };
        let loader = DataLoader::new(ds.clone(), o).unwrap();
        assert_eq!(loader.len() as u64, c["len"].as_u64().unwrap(), "{name}");
        let epochs: Vec<Vec<Vec<usize>>> = (0..2).map(|_| batches_of(&loader)).collect();
        let want: Vec<Vec<Vec<usize>>> =
            c["epochs"].as_array().unwrap().iter().map(lists).collect();
        assert_eq!(epochs, want, "{name}");
        // Each pass drew a base seed and a permutation from the generator, as PyTorch's.
        let mut g = loader.generator().unwrap();
        assert_eq!(g.random_i64(), int(&c["generator_after"]), "{name}");
    }
    let c = &cases()["loaders"]["sequential_bs4_seed9"];
    let o = DataLoaderOptions {
        generator: Some(Generator::new(9)),
        ..opts(4)
    };
    let loader = DataLoader::new(ds, o).unwrap();
    let epochs: Vec<Vec<Vec<usize>>> = (0..2).map(|_| batches_of(&loader)).collect();
    assert_eq!(epochs[1], lists(&c["epochs"][1]));
    assert_eq!(
        loader.generator().unwrap().random_i64(),
        int(&c["generator_after"])
    );
}

#[test]
fn shuffle_without_a_generator_draws_from_the_default() {
    isolated!(shuffle_without_a_generator_draws_from_the_default);
    let ds = TensorDataset::new(ember::arange(10)).unwrap();
    let c = &cases()["loaders"]["default_shuffle_bs3_seed0"];
    ember::manual_seed(0);
    let o = DataLoaderOptions {
        shuffle: true,
        ..opts(3)
    };
    let loader = DataLoader::new(ds.clone(), o).unwrap();
    let epochs: Vec<Vec<Vec<usize>>> = (0..2).map(|_| batches_of(&loader)).collect();
    let want: Vec<Vec<Vec<usize>>> = c["epochs"].as_array().unwrap().iter().map(lists).collect();
    assert_eq!(epochs, want);
    assert_eq!(
        ember::with_default_generator(|g| g.random_i64()),
        int(&c["after"])
    );
    // A sequential loader still takes its base seed from the default stream.
    let c = &cases()["loaders"]["default_sequential_bs5_seed1"];
    ember::manual_seed(1);
    let loader = DataLoader::new(ds, opts(5)).unwrap();
    assert_eq!(batches_of(&loader), lists(&c["epochs"][0]));
    assert_eq!(
        ember::with_default_generator(|g| g.random_i64()),
        int(&c["after"])
    );
}

#[test]
fn option_conflicts_give_pytorchs_errors() {
    let e = &cases()["loaders"]["errors"];
    let err = |o: DataLoaderOptions| DataLoader::new(range(4), o).err().unwrap().to_string();
    let sampler =
        || Some(Box::new(SequentialSampler::new(4)) as Box<dyn ember::utils::data::Sampler>);
    assert_eq!(
        err(DataLoaderOptions {
            sampler: sampler(),
            shuffle: true,
            ..Default::default()
        }),
        msg(&e["sampler_shuffle"])
    );
    let bs = BatchSampler::new(SequentialSampler::new(4), 2, false).unwrap();
    assert_eq!(
        err(DataLoaderOptions {
            batch_sampler: Some(Box::new(bs)),
            ..opts(2)
        }),
        msg(&e["batch_sampler_bs"])
    );
    assert_eq!(
        err(DataLoaderOptions {
            batch_size: None,
            drop_last: true,
            ..Default::default()
        }),
        msg(&e["none_drop_last"])
    );
    assert_eq!(
        err(DataLoaderOptions {
            prefetch_factor: Some(2),
            ..Default::default()
        }),
        msg(&e["prefetch_no_workers"])
    );
    assert_eq!(err(opts(0)), msg(&e["batch_size_zero"]));
    assert_eq!(
        DataLoader::new(
            Vec::<i64>::new(),
            DataLoaderOptions {
                shuffle: true,
                ..Default::default()
            }
        )
        .err()
        .unwrap()
        .to_string(),
        msg(&e["num_samples_zero"])
    );
    assert!(
        err(DataLoaderOptions {
            num_workers: 1,
            prefetch_factor: Some(0),
            ..Default::default()
        })
        .contains("prefetch_factor")
    );
}

#[test]
fn samplers_and_batch_samplers_drive_the_order() {
    let bs = BatchSampler::new(vec![3usize, 1, 2, 0], 3, false).unwrap();
    let o = DataLoaderOptions {
        batch_sampler: Some(Box::new(bs)),
        ..Default::default()
    };
    let loader = DataLoader::new(range(4), o).unwrap();
    assert_eq!(loader.len(), 2);
    assert_eq!(batches_of(&loader), vec![vec![3, 1, 2], vec![0]]);
    let wopts = WeightedRandomSamplerOptions {
        generator: Some(Generator::new(3)),
        ..Default::default()
    };
    let w = WeightedRandomSampler::new_with(vec![0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 10, wopts).unwrap();
    let o = DataLoaderOptions {
        sampler: Some(Box::new(w)),
        ..opts(5)
    };
    let loader = DataLoader::new(range(6), o).unwrap();
    let c = &cases()["weighted"]["repl_k10_seed3"]["epochs"][0];
    assert_eq!(batches_of(&loader).concat(), super::usizes(c));
}

#[test]
fn unbatched_and_custom_collate() {
    let o = DataLoaderOptions {
        batch_size: None,
        ..Default::default()
    };
    let loader = DataLoader::new(vec![(1.5f64, 2i64)], o).unwrap();
    let (a, b) = loader.iter().next().unwrap().unwrap();
    assert_eq!((a.ndim(), a.item::<f64>(), b.item::<i64>()), (0, 1.5, 2));
    let ds = TensorDataset::new(ember::arange(6.0).view([3, 2])).unwrap();
    let unbatched = DataLoader::new(
        ds.clone(),
        DataLoaderOptions {
            batch_size: None,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(unbatched.len(), 3);
    let rows: Vec<Vec<usize>> = unbatched
        .iter()
        .map(|r| r.unwrap().shape().to_vec())
        .collect();
    assert_eq!(rows, vec![vec![2]; 3]);
    let sums = DataLoader::with_collate_fn(ds, opts(2), |rows: Vec<Tensor>| {
        Ok(rows.iter().map(|r| r.sum().item::<f32>()).sum::<f32>())
    })
    .unwrap();
    assert_eq!(
        sums.iter().map(|s| s.unwrap()).collect::<Vec<_>>(),
        vec![6.0, 9.0]
    );
}

#[test]
fn a_failing_sample_fails_its_batch_only() {
    struct Flaky;
    impl ember::utils::data::Dataset for Flaky {
        type Item = i64;
        fn len(&self) -> usize {
            6
        }
        fn get(&self, i: usize) -> ember::Result<i64> {
            if i == 3 {
                return Err(ember::Error::Io(format!("cannot read sample {i}")));
            }
            Ok(i as i64)
        }
    }
    let loader = DataLoader::new(Flaky, opts(2)).unwrap();
    let got: Vec<Result<Vec<i64>, String>> = loader
        .iter()
        .map(|b| b.map(|t| t.to_vec::<i64>()).map_err(|e| e.to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            Ok(vec![0, 1]),
            Err("cannot read sample 3".into()),
            Ok(vec![4, 5])
        ]
    );
}

#[test]
fn loaders_can_be_shared_and_passes_sent() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<DataLoader<Tensor>>();
    send::<ember::utils::data::DataLoaderIter<(Tensor, Tensor)>>();
    let loader = std::sync::Arc::new(DataLoader::new(range(6), opts(2)).unwrap());
    let other = std::sync::Arc::clone(&loader);
    let n = std::thread::spawn(move || other.iter().count())
        .join()
        .unwrap();
    assert_eq!((n, loader.iter().count()), (3, 3));
}
