//! Samplers and random_split: the exact orders PyTorch draws.

use super::{cases, int, lists, msg, usizes};
use ember::Generator;
use ember::utils::data::{
    BatchSampler, Dataset, RandomSampler, RandomSamplerOptions, Sampler, SequentialSampler,
    SubsetRandomSampler, WeightedRandomSampler, WeightedRandomSamplerOptions, random_split,
};

fn sampler_case(name: &str) -> &'static serde_json::Value {
    &cases()["samplers"][name]
}

fn seeded(case: &serde_json::Value) -> Generator {
    Generator::new(case["seed"].as_u64().unwrap())
}

fn random(n: usize, replacement: bool, k: Option<usize>, g: Option<Generator>) -> RandomSampler {
    let opts = RandomSamplerOptions {
        replacement,
        num_samples: k,
        generator: g,
    };
    RandomSampler::new_with(n, opts).unwrap()
}

fn passes<S: Sampler>(s: &mut S, n: usize) -> Vec<Vec<usize>> {
    (0..n).map(|_| s.indices()).collect()
}

#[test]
fn sequential_and_batch_samplers() {
    assert_eq!(SequentialSampler::new(4).indices(), vec![0, 1, 2, 3]);
    let mut b = BatchSampler::new(SequentialSampler::new(7), 3, false).unwrap();
    assert_eq!((b.len(), b.indices().len()), (3, 3));
    let mut d = BatchSampler::new(SequentialSampler::new(7), 3, true).unwrap();
    assert_eq!(d.indices(), vec![vec![0, 1, 2], vec![3, 4, 5]]);
    assert_eq!(d.len(), 2);
    let e = BatchSampler::new(SequentialSampler::new(3), 0, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        msg(&cases()["loaders"]["errors"]["batch_size_zero"])
    );
}

#[test]
fn random_sampler_with_generator_matches_pytorch() {
    for s in [0, 7] {
        let c = sampler_case(&format!("random_n10_seed{s}"));
        let mut smp = random(10, false, None, Some(seeded(c)));
        assert_eq!(passes(&mut smp, 2), lists(&c["epochs"]), "seed {s}");
    }
    let c = sampler_case("random_replacement_n10_k40_seed3");
    let mut smp = random(10, true, Some(40), Some(seeded(c)));
    assert_eq!(smp.len(), 40);
    assert_eq!(passes(&mut smp, 1), lists(&c["epochs"]));
    let c = sampler_case("random_replacement_n1000_k5_seed3");
    let mut smp = random(1000, true, Some(5), Some(seeded(c)));
    assert_eq!(passes(&mut smp, 1), lists(&c["epochs"]));
    let c = sampler_case("random_n4_k10_seed5");
    let mut smp = random(4, false, Some(10), Some(seeded(c)));
    assert_eq!(passes(&mut smp, 1), lists(&c["epochs"]));
}

#[test]
fn random_sampler_without_generator_seeds_from_the_default() {
    isolated!(random_sampler_without_generator_seeds_from_the_default);
    let next = || ember::with_default_generator(|g| g.random_i64());
    let c = sampler_case("random_default_n10_seed11");
    ember::manual_seed(11);
    let mut smp = random(10, false, None, None);
    assert_eq!(passes(&mut smp, 2), lists(&c["epochs"]));
    assert_eq!(next(), int(&c["after"]));
    let c = sampler_case("random_default_replacement_k35_seed12");
    ember::manual_seed(12);
    let mut smp = random(10, true, Some(35), None);
    assert_eq!(passes(&mut smp, 1), lists(&c["epochs"]));
    assert_eq!(next(), int(&c["after"]));
    let c = sampler_case("subset_default_seed4");
    ember::manual_seed(4);
    let mut smp = SubsetRandomSampler::new(usizes(&c["indices"]), None);
    assert_eq!(passes(&mut smp, 1), lists(&c["epochs"]));
    assert_eq!(next(), int(&c["after"]));
    let c = &cases()["weighted"]["default_repl_k8_seed6"];
    ember::manual_seed(6);
    let w: Vec<f64> = c["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let mut smp = WeightedRandomSampler::new(w, 8).unwrap();
    assert_eq!(passes(&mut smp, 1), lists(&c["epochs"]));
    assert_eq!(next(), int(&c["after"]));
    let c = &cases()["random_split"]["default_8_4_4"];
    ember::manual_seed(5);
    let parts = ember::with_default_generator(|g| random_split(vec![0i64; 8], &[4, 4], g)).unwrap();
    let got: Vec<Vec<usize>> = parts.iter().map(|p| p.indices().to_vec()).collect();
    assert_eq!(got, lists(&c["subsets"]));
    assert_eq!(next(), int(&c["after"]));
}

#[test]
fn random_sampler_refuses_nothing_to_draw() {
    let zero = &cases()["loaders"]["errors"]["num_samples_zero"];
    assert_eq!(RandomSampler::new(0).unwrap_err().to_string(), msg(zero));
    let opts = RandomSamplerOptions {
        num_samples: Some(0),
        ..Default::default()
    };
    assert_eq!(
        RandomSampler::new_with(5, opts).unwrap_err().to_string(),
        msg(zero)
    );
    let opts = RandomSamplerOptions {
        replacement: true,
        num_samples: Some(3),
        ..Default::default()
    };
    assert!(RandomSampler::new_with(0, opts).is_err());
}

#[test]
fn subset_random_sampler_matches_pytorch() {
    let c = sampler_case("subset_seed2");
    let mut smp = SubsetRandomSampler::new(usizes(&c["indices"]), Some(seeded(c)));
    assert_eq!(smp.len(), 5);
    assert_eq!(passes(&mut smp, 2), lists(&c["epochs"]));
}

#[test]
fn weighted_random_sampler_matches_pytorch() {
    for name in [
        "repl_k10_seed3",
        "norepl_k4_seed3",
        "repl_k1_seed9",
        "norepl_k6_seed1",
        "repl_k50_seed0",
    ] {
        let c = &cases()["weighted"][name];
        let w: Vec<f64> = c["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let opts = WeightedRandomSamplerOptions {
            replacement: c["replacement"].as_bool().unwrap(),
            generator: Some(seeded(c)),
        };
        let k = c["num_samples"].as_u64().unwrap() as usize;
        let mut smp = WeightedRandomSampler::new_with(w, k, opts).unwrap();
        assert_eq!(smp.len(), k);
        assert_eq!(passes(&mut smp, 2), lists(&c["epochs"]), "{name}");
    }
}

#[test]
fn weighted_random_sampler_errors_are_pytorchs() {
    let errors = cases()["weighted"]["errors"].as_object().unwrap();
    for (name, c) in errors {
        let w: Vec<f64> = c["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().parse().unwrap())
            .collect();
        let opts = WeightedRandomSamplerOptions {
            replacement: c["replacement"].as_bool().unwrap(),
            generator: None,
        };
        let k = c["num_samples"].as_u64().unwrap() as usize;
        let e = WeightedRandomSampler::new_with(w, k, opts).unwrap_err();
        assert_eq!(e.to_string(), msg(&c["error"]), "{name}");
    }
    let e = WeightedRandomSampler::new(vec![1.0], 0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "num_samples should be a positive integer value, but got num_samples=0"
    );
}

#[test]
fn random_split_matches_pytorch() {
    for name in ["ints_10_3_7", "fracs_30", "fracs_11_half", "fracs_7"] {
        let c = &cases()["random_split"][name];
        let n = c["n"].as_u64().unwrap() as usize;
        let lengths: Vec<f64> = c["lengths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let ds: Vec<i64> = (0..n as i64).collect();
        let (parts, warnings) =
            ember::warnings::catch_warnings(|| random_split(ds, &lengths, &mut seeded(c)).unwrap());
        let got: Vec<Vec<usize>> = parts.iter().map(|p| p.indices().to_vec()).collect();
        assert_eq!(got, lists(&c["subsets"]), "{name}");
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        // The subsets read through to the dataset.
        assert_eq!(parts[0].get(0).unwrap(), got[0][0] as i64);
    }
    let ints = random_split(vec![0u8; 10], &[3usize, 7], &mut Generator::new(42)).unwrap();
    assert_eq!(ints[0].indices(), &[2, 6, 1]);
}

#[test]
fn random_split_errors_and_warnings() {
    let c = &cases()["random_split"];
    let e = random_split(vec![0i64; 10], &[3, 6], &mut Generator::new(0)).unwrap_err();
    assert_eq!(e.to_string(), msg(&c["error_sum"]));
    let e = random_split(vec![0i64; 10], &[1.2, -0.2], &mut Generator::new(0)).unwrap_err();
    assert_eq!(e.to_string(), msg(&c["error_fraction"]));
    assert!(random_split(vec![0i64; 10], &[2.5, 7.5], &mut Generator::new(0)).is_err());
    assert!(random_split(vec![0i64; 10], &[-1, 11], &mut Generator::new(0)).is_err());
    let (parts, warnings) = ember::warnings::catch_warnings(|| {
        random_split(vec![0i64; 2], &[0.1, 0.1, 0.8], &mut Generator::new(0)).unwrap()
    });
    // As PyTorch: floor gives [0, 0, 1], the remainder goes to the first split.
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        vec![1, 0, 1]
    );
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        warnings[0].message,
        "Length of split at index 1 is 0. This might result in an empty dataset."
    );
}
