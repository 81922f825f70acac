//! Fuzzes the `.pt` loader (`torch.load(weights_only=True)`): the zip archive, the legacy
//! format and the restricted unpickler behind both. Any bytes must give `Ok` or `Err`, never
//! a panic, UB, a stack overflow or an allocation the input does not pay for. What loads must
//! be fully readable, convert (or refuse to) as a state dict and an optimizer state dict,
//! and save and load back to the same values: ember writes everything it reads.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(obj) = ember::io::pt_from_bytes(data) else {
        return;
    };
    let text = format!("{obj:?}");
    let _ = obj.clone().into_state_dict();
    let _ = obj.clone().into_optimizer_state_dict();
    let bytes = ember::io::pt_to_bytes(&obj).expect("a loaded object saves");
    let back = ember::io::pt_from_bytes(&bytes).expect("what ember saves loads");
    assert_eq!(text, format!("{back:?}"), "a round trip changed the object");
});
