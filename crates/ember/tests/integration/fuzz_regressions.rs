//! Inputs the fuzz targets under `fuzz/` found, each once a panic (or a wrong gradient) and
//! now a test with the reproducer inline. A finding in code this suite's owner does not own
//! sits here `#[ignore]`d, with what it does, until the fix lands (then drop the ignore).
//! `fuzz/README.md` lists the runs that found them.

use ember::io;

/// npy: a multi-byte character where the descr's byte-order mark belongs (found before this
/// file existed; moved here from io.rs).
#[test]
fn npy_multibyte_descr() {
    let mut b = b"\x93NUMPY\x01\x00\x5b\x00{'descr': '".to_vec();
    b.extend("\u{296}4', 'fortran_order': True, 'shape': (2, 2), }".as_bytes());
    b.resize(10 + 0x5b, b' ');
    assert!(io::npy_from_bytes(&b).is_err());
}
