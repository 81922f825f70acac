"""Writes the seed files of the fuzz corpora (run with PyTorch's venv: numpy 2, torch 2.15).

Seeds are real files, so that the fuzzer starts from inputs that get past the magic strings
and headers instead of having to find them. After a run the corpora are minimised with
`cargo fuzz cmin`, which keeps only the inputs that add coverage, so these files may be
replaced by smaller ones; running this script again brings them back.

    ~/torch-venv/bin/python fuzz/make_seeds.py
"""

import json
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def out(target, name):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name)


def safetensors_bytes(tensors):
    """The safetensors format written by hand (the `safetensors` package is not in the venv):
    an 8-byte little-endian header length, a JSON header, then the raw little-endian data."""
    header, data = {}, b""
    for name, t in tensors.items():
        raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        dtype = {
            torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
            torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
            torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16",
        }[t.dtype]
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def main():
    np.save(out("npy", "f4_2x3.npy"), np.arange(6, dtype="<f4").reshape(2, 3))
    np.save(out("npy", "i8_fortran.npy"), np.asfortranarray(np.arange(6, dtype="<i8").reshape(2, 3)))
    np.save(out("npy", "f8_big.npy"), np.arange(4, dtype=">f8"))
    np.save(out("npy", "bool.npy"), np.array([True, False]))
    np.save(out("npy", "scalar_f2.npy"), np.float16(1.5))
    np.save(out("npy", "empty_u1.npy"), np.zeros((0, 3), dtype="u1"))

    np.savez(out("npz", "stored.npz"), a=np.ones(2, dtype="<f4"), b=np.arange(3, dtype="<i4"))
    np.savez_compressed(out("npz", "deflated.npz"), x=np.linspace(0, 1, 5))

    torch.manual_seed(0)
    # The state_dict target's model: `nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))`.
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    model = {k: v.detach() for k, v in net.state_dict().items()}
    mixed = {
        "w": torch.randn(2, 2, dtype=torch.float64), "h": torch.tensor([1.5, -2.25], dtype=torch.float16),
        "bf": torch.tensor([1.5], dtype=torch.bfloat16), "step": torch.tensor(7),
        "mask": torch.tensor([True, False]), "e": torch.zeros(0, 2),
    }
    for target in ("safetensors", "state_dict"):
        with open(out(target, "linear.safetensors"), "wb") as f:
            f.write(safetensors_bytes(model))
        with open(out(target, "mixed.safetensors"), "wb") as f:
            f.write(safetensors_bytes(mixed))
    # The state_dict target also reads npz archives (an archive of named arrays is a state dict).
    np.savez(out("state_dict", "linear.npz"), **{k: v.numpy() for k, v in model.items()})


if __name__ == "__main__":
    main()
