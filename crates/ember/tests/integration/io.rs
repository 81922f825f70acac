//! Files written by PyTorch/numpy load in ember with the same values, ember's files load back,
//! and malformed files give errors (tests/fixtures was written by PyTorch 2.15 and numpy 2).

use ember::io;
use ember::{DType, Tensor};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn reads_pytorch_safetensors() {
    isolated!(reads_pytorch_safetensors);
    let sd = io::load(fixture("torch_state.safetensors")).unwrap();
    let w = &sd["linear1.weight"];
    assert_eq!((w.shape(), w.dtype()), (&[3usize, 4][..], DType::F32));
    // torch.manual_seed(0); torch.randn(3, 4) — and ember's generator gives the same.
    assert_eq!(
        w.to_vec::<f32>()[..3],
        [1.540_996_1, -0.293_428_9, -2.178_789_4]
    );
    ember::manual_seed(0);
    assert_eq!(ember::randn([3, 4]).to_vec::<f32>(), w.to_vec::<f32>());
    assert_eq!(sd["step"].to_vec::<i64>(), vec![7]);
    assert_eq!(sd["half"].dtype(), DType::F16);
    assert_eq!(sd["half"].to_vec::<f32>(), vec![1.5, -2.25]);
    assert_eq!(sd["bf"].to_vec::<f32>(), vec![1.5, -2.0]);
    assert_eq!(sd["mask"].to_vec::<bool>(), vec![true, false, true]);
    assert_eq!(sd["d"].to_vec::<f64>(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
}

#[test]
fn safetensors_round_trip_every_dtype() {
    let mut sd = ember::nn::StateDict::new();
    for dt in DType::ALL {
        let t = ember::arange(6).view([2, 3]).t().to_dtype(dt);
        sd.insert(format!("t_{}", dt.name()), t);
    }
    let back = io::safetensors_from_bytes(&io::safetensors_to_bytes(&sd).unwrap()).unwrap();
    for (k, t) in &sd {
        assert_eq!(back[k].dtype(), t.dtype());
        assert_eq!(back[k].shape(), t.shape());
        assert_eq!(back[k].to_vec::<f64>(), t.to_vec::<f64>(), "{k}");
    }
}

#[test]
fn reads_numpy_files() {
    let c = io::load_npy(fixture("c_order_f4.npy")).unwrap();
    assert_eq!((c.shape(), c.dtype()), (&[2usize, 3][..], DType::F32));
    assert_eq!(c.to_vec::<f32>(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let f = io::load_npy(fixture("fortran_i8.npy")).unwrap();
    assert_eq!(f.to_vec::<i64>(), vec![0, 1, 2, 3, 4, 5]);
    let b = io::load_npy(fixture("big_endian_f8.npy")).unwrap();
    assert_eq!(b.to_vec::<f64>(), vec![0.0, 1.0, 2.0, 3.0]);
    assert_eq!(
        io::load_npy(fixture("bool.npy")).unwrap().to_vec::<bool>(),
        vec![true, false]
    );
    let s = io::load_npy(fixture("scalar.npy")).unwrap();
    assert_eq!((s.ndim(), s.item::<f64>()), (0, 3.5));
    let z = io::load_npz(fixture("arrays.npz")).unwrap();
    assert_eq!(z[0].0, "a");
    assert_eq!(z[1].1.to_vec::<i32>(), vec![0, 1, 2]);
    let zc = io::load_npz(fixture("compressed.npz")).unwrap();
    assert_eq!(zc[0].1.to_vec::<f64>(), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
}

#[test]
fn npy_round_trip_every_dtype_and_layout() {
    for dt in DType::ALL {
        let t = ember::arange(12).view([3, 4]).t().to_dtype(dt);
        let back = io::npy_from_bytes(&io::npy_to_bytes(&t).unwrap()).unwrap();
        assert_eq!((back.dtype(), back.shape()), (dt, t.shape()));
        assert_eq!(back.to_vec::<f64>(), t.to_vec::<f64>());
    }
    let e = Tensor::from_vec(Vec::<f32>::new(), [0, 3]);
    assert_eq!(
        io::npy_from_bytes(&io::npy_to_bytes(&e).unwrap())
            .unwrap()
            .shape(),
        &[0, 3]
    );
}

#[test]
fn malformed_files_are_errors() {
    let good = io::npy_to_bytes(&ember::ones([4])).unwrap();
    for cut in [0, 5, 9, 20, good.len() - 1] {
        assert!(
            io::npy_from_bytes(&good[..cut]).is_err(),
            "truncated at {cut}"
        );
    }
    let mut extra = good.clone();
    extra.push(0);
    assert!(io::npy_from_bytes(&extra).is_err());
    let bad_descr = String::from_utf8_lossy(&good).replace("<f4", "<c8");
    assert!(io::npy_from_bytes(bad_descr.as_bytes()).is_err());
    let huge = String::from_utf8_lossy(&good).replace("(4,)", "(99999999999999999999,)");
    assert!(io::npy_from_bytes(huge.as_bytes()).is_err());
    let overflow = String::from_utf8_lossy(&good).replace("(4,)", "(4294967296, 4294967296,)");
    assert!(io::npy_from_bytes(overflow.as_bytes()).is_err());

    let st = std::fs::read(fixture("torch_state.safetensors")).unwrap();
    for cut in [0, 4, 8, 100, st.len() - 1] {
        assert!(
            io::safetensors_from_bytes(&st[..cut]).is_err(),
            "truncated at {cut}"
        );
    }
    let npz = std::fs::read(fixture("arrays.npz")).unwrap();
    assert!(io::npz_from_bytes(&npz[..npz.len() / 2]).is_err());
    assert!(io::npz_from_bytes(b"PK\x03\x04garbage").is_err());
}

/// Inputs the fuzzer found (each once panicked).
#[test]
fn fuzz_regressions() {
    // A multi-byte character where the byte-order mark belongs.
    let mut b = b"\x93NUMPY\x01\x00\x5b\x00{'descr': '".to_vec();
    b.extend("\u{296}4', 'fortran_order': True, 'shape': (2, 2), }".as_bytes());
    b.resize(10 + 0x5b, b' ');
    assert!(io::npy_from_bytes(&b).is_err());
}
