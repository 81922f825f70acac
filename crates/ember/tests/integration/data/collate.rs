//! default_collate against PyTorch's output: structure, shapes, dtypes and values.

use super::{cases, msg};
use ember::utils::data::{default_collate, default_convert};
use ember::{DType, Tensor};
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::BTreeMap;

fn expected(name: &str) -> &'static Value {
    &cases()["collate"][name]
}

/// Asserts that `t` is the tensor PyTorch encoded as `want`.
#[track_caller]
fn check_tensor(t: &Tensor, want: &Value) {
    let w = &want["tensor"];
    assert_eq!(
        t.dtype().to_string(),
        format!("ember.{}", w["dtype"].as_str().unwrap())
    );
    let shape: Vec<usize> = w["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(t.shape(), &shape[..]);
    let got = t.to_dtype(DType::F64).to_vec::<f64>();
    let want: Vec<f64> = w["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().or_else(|| v.as_bool().map(f64::from)).unwrap())
        .collect();
    assert_eq!(got, want);
}

fn list(v: &Value) -> &Vec<Value> {
    v["list"].as_array().expect("a list")
}

fn grid(i: i64) -> Tensor {
    ember::arange(6.0).view([2, 3]) + (10 * i) as f64
}

#[test]
fn tensors_and_numbers() {
    check_tensor(
        &default_collate((0..3).map(grid).collect()).unwrap(),
        expected("tensors"),
    );
    check_tensor(
        &default_collate(vec![1i64, 2, 3]).unwrap(),
        expected("ints"),
    );
    check_tensor(
        &default_collate(vec![1usize, 2, 3]).unwrap(),
        expected("ints"),
    );
    check_tensor(
        &default_collate(vec![0.5, 1.5, -2.25]).unwrap(),
        expected("floats"),
    );
    check_tensor(
        &default_collate(vec![true, false, true]).unwrap(),
        expected("bools"),
    );
    check_tensor(
        &default_collate(vec![0.5f32, -1.25]).unwrap(),
        expected("f32"),
    );
    check_tensor(&default_collate(vec![3u8, 250]).unwrap(), expected("u8"));
    let s = default_collate(vec!["a".to_string(), "bb".into(), "c".into()]).unwrap();
    let want: Vec<String> = list(expected("strings"))
        .iter()
        .map(|v| v["str"].as_str().unwrap().into())
        .collect();
    assert_eq!(s, want);
}

#[test]
fn tuples_lists_and_maps() {
    let pairs: Vec<(Tensor, i64)> = (0..4)
        .map(|i| (ember::tensor([i as f32, i as f32 + 1.0]), i))
        .collect();
    let (x, y) = default_collate(pairs).unwrap();
    let want = list(expected("pairs"));
    check_tensor(&x, &want[0]);
    check_tensor(&y, &want[1]);

    let lists: Vec<Vec<i64>> = (0..3).map(|i| vec![i, 2 * i, 3 * i]).collect();
    let cols = default_collate(lists).unwrap();
    let want = list(expected("lists"));
    assert_eq!(cols.len(), want.len());
    for (c, w) in cols.iter().zip(want) {
        check_tensor(c, w);
    }

    // {"x": tensor, "y": int, "name": str}: a struct of mixed types is a tuple in Rust;
    // maps of one value type are collated key by key.
    let want = &expected("dicts")["dict"];
    let xs: Vec<BTreeMap<String, Tensor>> = (0..2)
        .map(|i| BTreeMap::from([("x".to_string(), ember::full([3], i as f32))]))
        .collect();
    check_tensor(&default_collate(xs).unwrap()["x"], &want["x"]);
    let ys: Vec<IndexMap<&str, i64>> = (0..2).map(|i| IndexMap::from([("y", i)])).collect();
    check_tensor(&default_collate(ys).unwrap()["y"], &want["y"]);
    let names: Vec<(String,)> = (0..2).map(|i| (format!("s{i}"),)).collect();
    let (n,) = default_collate(names).unwrap();
    assert_eq!(n, vec!["s0", "s1"]);
    assert_eq!(want["name"]["list"][1]["str"], "s1");

    let nested: Vec<(Tensor, (f64, bool))> = (0..3)
        .map(|i| (ember::tensor([i]), (i as f64 * 0.5, true)))
        .collect();
    let (t, (a, b)) = default_collate(nested).unwrap();
    let want = list(expected("nested"));
    check_tensor(&t, &want[0]);
    check_tensor(&a, &want[1]["dict"]["a"]);
    check_tensor(&b, &want[1]["dict"]["b"]);
}

#[test]
fn mismatches_give_pytorchs_errors() {
    let e = &cases()["collate"]["errors"];
    let err = default_collate(vec![ember::zeros([2]), ember::zeros([3])]).unwrap_err();
    assert_eq!(err.to_string(), msg(&e["stack_shapes"]));
    let err = default_collate(vec![vec![1i64, 2], vec![3]]).unwrap_err();
    assert_eq!(err.to_string(), msg(&e["list_sizes"]));
    let maps = vec![BTreeMap::from([("a", 1i64)]), BTreeMap::from([("b", 2i64)])];
    assert!(
        default_collate(maps)
            .unwrap_err()
            .to_string()
            .starts_with("KeyError: \"a\"")
    );
    assert!(default_collate(vec![usize::MAX]).is_err());
}

#[test]
fn convert_keeps_a_sample_unbatched() {
    let t = ember::zeros([2, 2]);
    assert!(default_convert(t.clone()).unwrap().is(&t));
    let (a, s) = default_convert((2.5f64, "x".to_string())).unwrap();
    assert_eq!(
        (a.shape(), a.dtype(), s),
        (&[][..], DType::F64, vec!["x".to_string()])
    );
    let v = default_convert(vec![1i64, 2]).unwrap();
    assert_eq!(
        v.iter().map(|t| t.item::<i64>()).collect::<Vec<_>>(),
        vec![1, 2]
    );
}
