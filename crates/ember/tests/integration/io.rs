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

/// Every function that reads or writes a file names the path in its error, as Python does
/// (`FileNotFoundError: [Errno 2] No such file or directory: 'x.pt'`): the OS's message, then
/// the path.
#[test]
fn file_errors_name_the_path() {
    let dir = std::env::temp_dir().join(format!("ember_io_errors_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.safetensors");
    let expect = |e: ember::Error, p: &std::path::Path, os: &str| {
        assert!(matches!(e, ember::Error::Io(_)), "{e:?}");
        assert_eq!(e.to_string(), format!("{os}: '{}'", p.display()));
    };
    let not_found = "No such file or directory (os error 2)";
    expect(io::load(&missing).unwrap_err(), &missing, not_found);
    expect(io::load_npy(&missing).unwrap_err(), &missing, not_found);
    expect(io::load_npz(&missing).unwrap_err(), &missing, not_found);
    // Reading a folder fails after the open, with its own OS error.
    expect(
        io::load(&dir).unwrap_err(),
        &dir,
        "Is a directory (os error 21)",
    );

    let t = ember::ones([2]);
    let mut sd = ember::nn::StateDict::new();
    sd.insert("w".into(), t.clone());
    let nowhere = dir.join("no_such_folder").join("out.bin");
    expect(io::save(&sd, &nowhere).unwrap_err(), &nowhere, not_found);
    expect(io::save_npy(&t, &nowhere).unwrap_err(), &nowhere, not_found);
    expect(
        io::save_npz(&[("w", &t)], &nowhere).unwrap_err(),
        &nowhere,
        not_found,
    );
    expect(
        t.save_safetensors("w", &nowhere).unwrap_err(),
        &nowhere,
        not_found,
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A shape with a zero holds no data, but its strides still multiply the other sizes:
/// one whose strides overflow is refused (PyTorch: "Storage size calculation overflowed"),
/// while a large empty shape that fits still loads.
#[test]
fn empty_shapes_whose_strides_overflow_are_errors() {
    // An f4 `.npy` file of `shape` with no data (format 1.0: magic, version, header length).
    let npy = |shape: &str| {
        let h = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}\n");
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend((h.len() as u16).to_le_bytes());
        b.extend(h.as_bytes());
        b
    };
    let e = io::npy_from_bytes(&npy("(1099511627776, 1099511627776, 0)")).unwrap_err();
    assert!(e.to_string().contains("is too large"), "{e}");
    let fits = io::npy_from_bytes(&npy("(1099511627776, 0)")).unwrap();
    assert_eq!(fits.shape(), &[1 << 40, 0]);

    // The safetensors crate checks its own product, which a leading zero keeps at 0.
    let header =
        r#"{"x":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}}"#;
    let mut st = (header.len() as u64).to_le_bytes().to_vec();
    st.extend(header.as_bytes());
    let e = io::safetensors_from_bytes(&st).unwrap_err();
    assert!(e.to_string().contains("is too large"), "{e}");
}
