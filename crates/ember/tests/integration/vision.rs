//! `ember::vision`: the shipped digits (against scikit-learn's copy), transforms (against
//! torchvision's numbers, from tests/fixtures/data/cases.json), IDX files and MNIST.

use crate::data::{cases, msg};
use ember::datasets::{Digits, MNIST, parse_idx, read_idx};
use ember::utils::data::{DataLoader, DataLoaderOptions, Dataset};
use ember::vision::transforms::{Compose, Lambda, Normalize, ToTensor, Transform};
use ember::{DType, Tensor};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

/// The source's 0–16 pixel from ember's 0–255 one.
fn raw(p: u8) -> i64 {
    ((p as f64) * 16.0 / 255.0).round() as i64
}

#[test]
fn digits_are_scikit_learns() {
    let c = &cases()["digits"];
    let all = Digits::all().unwrap();
    assert_eq!(all.len() as i64, c["n"].as_i64().unwrap());
    assert_eq!(
        (all.data().shape(), all.data().dtype()),
        (&[1797, 8, 8][..], DType::U8)
    );
    let pixels = all.data().to_vec::<u8>();
    let first: Vec<i64> = pixels[..128].iter().map(|&p| raw(p)).collect();
    let want: Vec<i64> = c["first_rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(ints)
        .collect();
    assert_eq!(first, want);
    let last: Vec<i64> = pixels[pixels.len() - 64..]
        .iter()
        .map(|&p| raw(p))
        .collect();
    assert_eq!(last, ints(&c["last_row"]));
    // The scaling is round(v * 255 / 16), so 16 is 255 and the map is one to one.
    assert_eq!(pixels[2], 80); // v = 5
    assert!(pixels.contains(&255));
    let sum: i64 = pixels.iter().map(|&p| raw(p)).sum();
    assert_eq!(sum, c["pixel_sum"].as_i64().unwrap());
    let labels = all.targets().to_vec::<i64>();
    assert_eq!(labels[..12], ints(&c["first_labels"])[..]);
    let count = |ls: &[i64]| {
        (0..10)
            .map(|d| ls.iter().filter(|&&l| l == d).count() as i64)
            .collect::<Vec<_>>()
    };
    assert_eq!(count(&labels), ints(&c["label_counts"]));

    let (train, test) = (Digits::new(true).unwrap(), Digits::new(false).unwrap());
    assert_eq!((train.len(), test.len()), (1500, 297));
    assert_eq!(
        count(&train.targets().to_vec::<i64>()),
        ints(&c["train_label_counts"])
    );
    assert_eq!(
        count(&test.targets().to_vec::<i64>()),
        ints(&c["test_label_counts"])
    );
    // The split is PyTorch's random_split with a generator seeded 0.
    for (split, key) in [(&train, "split_train_first"), (&test, "split_test_first")] {
        for (k, &row) in ints(&c[key]).iter().enumerate() {
            let (img, label) = split.get(k).unwrap();
            let row = row as usize;
            assert_eq!(img.to_vec::<u8>(), all.get(row).unwrap().0.to_vec::<u8>());
            assert_eq!(label, labels[row]);
        }
    }
    assert!(test.get(297).is_err());
}

#[test]
fn digits_through_transforms_and_a_loader() {
    let t = Compose::new(vec![
        Box::new(ToTensor),
        Box::new(Normalize::new(vec![0.5], vec![0.5])),
    ]);
    let train = Digits::new(true).unwrap().with_transform(t);
    let o = DataLoaderOptions {
        batch_size: Some(256),
        shuffle: true,
        num_workers: 2,
        generator: Some(ember::Generator::new(0)),
        ..Default::default()
    };
    let loader = DataLoader::new(train, o).unwrap();
    assert_eq!(loader.len(), 6);
    let mut seen = 0;
    for batch in &loader {
        let (x, y) = batch.unwrap();
        assert_eq!(
            (x.shape()[1..].to_vec(), x.dtype(), y.dtype()),
            (vec![1, 8, 8], DType::F32, DType::I64)
        );
        assert!(x.to_vec::<f32>().iter().all(|v| (-1.0..=1.0).contains(v)));
        seen += y.numel();
    }
    assert_eq!(seen, 1500);
}

fn input(c: &Value, dtype: DType) -> Tensor {
    let shape: Vec<usize> = c["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let v: Vec<f64> = c["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    Tensor::from_vec(v, shape).to_dtype(dtype)
}

#[track_caller]
fn check(t: &Tensor, want: &Value) {
    let w = &want["tensor"];
    let shape: Vec<usize> = w["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    assert_eq!((t.shape(), t.dtype()), (&shape[..], DType::F32));
    let want: Vec<f32> = w["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    assert_eq!(t.to_vec::<f32>(), want);
}

#[test]
fn transforms_match_torchvision() {
    let c = &cases()["transforms"];
    let hwc = input(&c["to_tensor_hwc"], DType::U8);
    check(
        &ToTensor.apply(hwc.clone()).unwrap(),
        &c["to_tensor_hwc"]["output"],
    );
    check(
        &ToTensor
            .apply(input(&c["to_tensor_hw"], DType::U8))
            .unwrap(),
        &c["to_tensor_hw"]["output"],
    );
    let fl = input(&c["to_tensor_float"], DType::F32);
    check(
        &ToTensor.apply(fl).unwrap(),
        &c["to_tensor_float"]["output"],
    );
    let floats = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect::<Vec<_>>()
    };
    let n = &c["normalize_hwc"];
    let norm = Normalize::new(floats(&n["mean"]), floats(&n["std"]));
    let img = ToTensor.apply(hwc).unwrap();
    check(&norm.apply(img.clone()).unwrap(), &n["output"]);
    // Out of place by default; in place writes into the input.
    assert_eq!(
        img.to_vec::<f32>(),
        ToTensor
            .apply(input(&c["to_tensor_hwc"], DType::U8))
            .unwrap()
            .to_vec::<f32>()
    );
    let inplace = Normalize {
        inplace: true,
        ..norm
    };
    let out = inplace.apply(img.clone()).unwrap();
    assert!(out.is(&img));
    check(&img, &n["output"]);
    let m = &c["normalize_mnist"];
    let mnist = Compose::new(vec![
        Box::new(ToTensor),
        Box::new(Normalize::new(floats(&m["mean"]), floats(&m["std"]))),
    ]);
    check(
        &mnist.apply(input(&c["to_tensor_hw"], DType::U8)).unwrap(),
        &m["output"],
    );
}

#[test]
fn transform_errors_are_torchvisions() {
    let Some(e) = cases()["transforms"].get("errors") else {
        return; // written without torchvision
    };
    let err = |r: ember::Result<Tensor>| r.unwrap_err().to_string();
    let n = Normalize::new(vec![0.5], vec![0.5]);
    assert_eq!(
        err(n.apply(ember::zeros_with([1, 2, 2], DType::U8))),
        msg(&e["normalize_uint8"])
    );
    assert_eq!(err(n.apply(ember::zeros([2, 2]))), msg(&e["normalize_2d"]));
    let zero = Normalize::new(vec![0.5], vec![0.0]);
    assert_eq!(
        err(zero.apply(ember::zeros([1, 2, 2]))),
        msg(&e["normalize_std0"])
    );
    assert_eq!(
        err(ToTensor.apply(ember::zeros_with([1, 1, 1, 1], DType::U8))),
        msg(&e["to_tensor_4d"])
    );
    let double = Lambda::new(|x: Tensor| x.try_mul(2.0));
    assert_eq!(
        double.apply(ember::ones([2])).unwrap().to_vec::<f32>(),
        vec![2.0, 2.0]
    );
}

/// A fresh directory under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("ember-vision-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An IDX file's bytes: magic `0x0000TTNN`, the dims, then `data` (already big-endian).
fn idx(ty: u8, dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, ty, dims.len() as u8];
    for d in dims {
        b.extend(d.to_be_bytes());
    }
    b.extend(data);
    b
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn idx_files_round_trip_every_element_type() {
    let dir = TempDir::new("idx");
    let u8s: Vec<u8> = (0..24).collect();
    let path = dir.0.join("images-idx3-ubyte");
    std::fs::write(&path, idx(0x08, &[2, 3, 4], &u8s)).unwrap();
    let t = read_idx(&path).unwrap();
    assert_eq!(
        (t.shape(), t.dtype(), t.to_vec::<u8>()),
        (&[2, 3, 4][..], DType::U8, u8s.clone())
    );
    let gz_path = dir.0.join("images-idx3-ubyte.gz");
    std::fs::write(&gz_path, gz(&idx(0x08, &[2, 3, 4], &u8s))).unwrap();
    assert_eq!(read_idx(&gz_path).unwrap().to_vec::<u8>(), u8s);
    let i8s = parse_idx(&idx(0x09, &[2], &[0xff, 0x01])).unwrap();
    assert_eq!(i8s.to_vec::<i8>(), vec![-1, 1]);
    let i16s: Vec<u8> = [-2i16, 300].iter().flat_map(|v| v.to_be_bytes()).collect();
    assert_eq!(
        parse_idx(&idx(0x0b, &[2], &i16s)).unwrap().to_vec::<i16>(),
        vec![-2, 300]
    );
    let i32s: Vec<u8> = [-70000i32].iter().flat_map(|v| v.to_be_bytes()).collect();
    assert_eq!(
        parse_idx(&idx(0x0c, &[1, 1], &i32s))
            .unwrap()
            .to_vec::<i32>(),
        vec![-70000]
    );
    let f32s: Vec<u8> = [1.5f32, -0.25]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    assert_eq!(
        parse_idx(&idx(0x0d, &[2], &f32s)).unwrap().to_vec::<f32>(),
        vec![1.5, -0.25]
    );
    let f64s: Vec<u8> = [1e-300f64].iter().flat_map(|v| v.to_be_bytes()).collect();
    let t = parse_idx(&idx(0x0e, &[1], &f64s)).unwrap();
    assert_eq!((t.dtype(), t.to_vec::<f64>()), (DType::F64, vec![1e-300]));
    assert_eq!(
        parse_idx(&idx(0x08, &[0, 28, 28], &[])).unwrap().shape(),
        &[0, 28, 28]
    );
}

#[test]
fn malformed_idx_files_are_errors() {
    let err = |b: &[u8]| parse_idx(b).unwrap_err().to_string();
    assert!(err(&[0, 0, 8]).contains("shorter than the 4-byte magic number"));
    assert!(err(&[1, 0, 8, 1, 0, 0, 0, 0]).contains("magic number 0x01000801"));
    assert!(err(&[0, 0, 7, 1, 0, 0, 0, 0]).contains("magic number 0x00000701"));
    assert!(err(&[0, 0, 8, 0]).contains("magic number 0x00000800"));
    assert!(err(&[0, 0, 8, 2, 0, 0, 0, 1]).contains("truncated IDX header"));
    assert!(err(&idx(0x08, &[2, 3], &[0; 5])).contains("needs 6 bytes, the file has 5"));
    assert!(err(&idx(0x08, &[2, 3], &[0; 7])).contains("needs 6 bytes, the file has 7"));
    assert!(err(&idx(0x0e, &[1], &[0; 4])).contains("needs 8 bytes"));
    assert!(err(&idx(0x08, &[u32::MAX; 4], &[])).contains("too large"));
    let dir = TempDir::new("idx-bad");
    let missing = dir.0.join("nope-idx1-ubyte");
    let e = read_idx(&missing).unwrap_err().to_string();
    assert!(e.contains(&missing.display().to_string()), "{e}");
    let bad_gz = dir.0.join("x-idx1-ubyte.gz");
    std::fs::write(&bad_gz, b"not gzip").unwrap();
    let e = read_idx(&bad_gz).unwrap_err().to_string();
    assert!(
        e.contains("not a valid gzip file") && e.contains("x-idx1-ubyte.gz"),
        "{e}"
    );
    let bad = dir.0.join("bad-idx1-ubyte");
    std::fs::write(&bad, [0, 0, 8, 1, 0, 0, 0, 9, 1]).unwrap();
    let e = read_idx(&bad).unwrap_err().to_string();
    assert!(
        e.starts_with(&bad.display().to_string()) && e.contains("needs 9 bytes"),
        "{e}"
    );
}

/// Writes MNIST's four files (`n` images of 2×3) into `dir`, gzipped or not.
fn write_mnist(dir: &std::path::Path, n: u32, gzipped: bool) {
    std::fs::create_dir_all(dir).unwrap();
    for prefix in ["train", "t10k"] {
        let pixels: Vec<u8> = (0..n * 6).map(|v| (v * 7 % 256) as u8).collect();
        let labels: Vec<u8> = (0..n).map(|v| (v % 10) as u8).collect();
        let files = [
            (
                format!("{prefix}-images-idx3-ubyte"),
                idx(0x08, &[n, 2, 3], &pixels),
            ),
            (
                format!("{prefix}-labels-idx1-ubyte"),
                idx(0x08, &[n], &labels),
            ),
        ];
        for (name, bytes) in files {
            if gzipped {
                std::fs::write(dir.join(format!("{name}.gz")), gz(&bytes)).unwrap();
            } else {
                std::fs::write(dir.join(name), bytes).unwrap();
            }
        }
    }
}

#[test]
fn mnist_reads_torchvisions_layouts() {
    let root = TempDir::new("mnist");
    write_mnist(&root.0.join("MNIST").join("raw"), 5, false);
    let train = MNIST::new(&root.0, true).unwrap();
    assert_eq!((train.len(), train.data().shape()), (5, &[5, 2, 3][..]));
    assert_eq!(train.targets().dtype(), DType::I64);
    let (img, label) = train.get(4).unwrap();
    assert_eq!(
        (img.to_vec::<u8>(), label),
        (vec![168, 175, 182, 189, 196, 203], 4)
    );
    let t = MNIST::new(&root.0, false).unwrap().with_transform(ToTensor);
    let (img, _) = t.get(0).unwrap();
    assert_eq!((img.shape(), img.dtype()), (&[1, 2, 3][..], DType::F32));

    let flat = TempDir::new("mnist-flat-gz");
    write_mnist(&flat.0, 3, true);
    let test = MNIST::new(&flat.0, false).unwrap();
    assert_eq!(test.len(), 3);
    assert_eq!(test.get(2).unwrap().1, 2);
}

#[test]
fn mnist_errors_name_the_file() {
    let root = TempDir::new("mnist-errors");
    let e = MNIST::new(&root.0, true).err().unwrap().to_string();
    let want = root
        .0
        .join("MNIST")
        .join("raw")
        .join("train-images-idx3-ubyte");
    assert!(e.starts_with("No such file or directory: "), "{e}");
    assert!(e.contains(&want.display().to_string()), "{e}");
    write_mnist(&root.0, 4, false);
    // Labels for 3 images only.
    std::fs::write(
        root.0.join("t10k-labels-idx1-ubyte"),
        idx(0x08, &[3], &[1, 2, 3]),
    )
    .unwrap();
    let e = MNIST::new(&root.0, false).err().unwrap().to_string();
    assert!(
        e.contains("holds 4 images but") && e.contains("holds 3 labels"),
        "{e}"
    );
    std::fs::write(
        root.0.join("t10k-images-idx3-ubyte"),
        idx(0x08, &[12], &[0; 12]),
    )
    .unwrap();
    let e = MNIST::new(&root.0, false).err().unwrap().to_string();
    assert!(
        e.contains("MNIST images should be a 3-d uint8 IDX file"),
        "{e}"
    );
    std::fs::remove_file(root.0.join("train-labels-idx1-ubyte")).unwrap();
    let e = MNIST::new(&root.0, true).err().unwrap().to_string();
    assert!(e.contains("train-labels-idx1-ubyte"), "{e}");
}
