#!/usr/bin/env python3
"""Writes the sweep's PyTorch answers: every op of the golden vocabulary over a grid of inputs.

The grid is what a no-panic sweep probes: every dtype (bool, uint8, int8, int16, int32, int64,
float16, bfloat16, float32, float64), 0-dim, empty, zero-size and size-1 dims, non-contiguous
inputs, NaN/inf, out-of-range and negative dims, mismatched dtypes. Each case is in the golden
format (../shared/golden/README.md): the output PyTorch gives, or the start of its error.

The files go to a subfolder the golden runner does not read (`tests/golden/sweep/`): the
`sweep` integration module runs them with the runner's dispatcher, next to its Rust-only
no-panic grid, and lists the mismatches it knows of (with the file that owns each).

    ~/torch-venv/bin/python tools/sweep_cases.py crates/ember/tests/golden/sweep
"""

import json
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_edges as ge  # noqa: E402  (reuses its case recorder, spec format and op calls)

warnings.filterwarnings("ignore")
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
SPECIAL = [float("nan"), float("inf"), float("-inf"), -0.0]


def values(shape, dtype, special=False):
    """Small deterministic values of `dtype` (no RNG, so the files are stable)."""
    n = 1
    for s in shape:
        n *= s
    if dtype == "bool":
        data = [(i % 3) != 1 for i in range(n)]
    elif dtype == "uint8":
        data = [(i * 5 + 1) % 7 for i in range(n)]
    elif ge.DT[dtype].is_floating_point:
        data = [((i * 7 + 3) % 11 - 5) * 0.375 for i in range(n)]
        if special:
            for k, v in enumerate(SPECIAL):
                if k < n:
                    data[(k * 3) % n] = v
    else:
        data = [(i * 5 + 1) % 7 - 3 for i in range(n)]
    return torch.tensor(data, dtype=ge.DT[dtype]).reshape(shape)


# (tag, shape, noncontig, special values)
SHAPES = [("0d", [], False, False), ("e0", [0], False, False), ("v3", [3], False, False),
          ("m23", [2, 3], False, False), ("z20", [2, 0], False, False), ("z03", [0, 3], False, False),
          ("o13", [1, 3], False, False), ("t32", [3, 2], True, False), ("s4", [4], True, False),
          ("c234", [2, 3, 4], False, False), ("nan", [2, 3], False, True)]


def grid(dtypes=DTYPES, shapes=SHAPES):
    for dt in dtypes:
        for tag, shape, nc, sp in shapes:
            yield f"{dt}/{tag}", values(shape, dt, sp), nc


def inp(t, nc):
    return (t, t.dtype.is_floating_point and t.dtype in (torch.float32, torch.float64), nc)


UNARY = ge.UNARY + ["logical_not"]
ACT = [("relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}), ("silu", {}),
       ("softplus", {}), ("hardtanh", {}), ("gelu", {}), ("sigmoid", {}), ("tanh", {})]
REDUCE = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "std", "var",
          "norm", "logsumexp", "all", "any"]
DIMS = [None, -1, 2, [], [0, -1]]
BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "atan2", "eq", "lt", "ge",
          "logical_and", "logical_xor"]


def unary():
    for name, t, nc in grid():
        for op in UNARY:
            ge.case(f"{op}/{name}", op, [inp(t, nc)])
        for op, kw in ACT:
            ge.case(f"{op}/{name}", op, [inp(t, nc)], kw)
        ge.case(f"clamp/{name}", "clamp", [inp(t, nc)], {"min": -1, "max": 1})
        ge.case(f"clamp_wide/{name}", "clamp", [inp(t, nc)], {"min": -300, "max": 300})
        ge.case(f"clamp_above/{name}", "clamp", [inp(t, nc)], {"min": 300})
        ge.case(f"clamp_below/{name}", "clamp", [inp(t, nc)], {"max": -300})
        ge.case(f"hardtanh_wide/{name}", "hardtanh", [inp(t, nc)], {"min_val": -300.0, "max_val": 2.5})
        ge.case(f"pow/{name}", "pow", [inp(t, nc)], {"exponent": 2})
        for dt in ["float32", "int64", "bool"]:
            ge.case(f"to_{dt}/{name}", "to", [inp(t, nc)], {"dtype": dt})


def reductions():
    small = [s for s in SHAPES if s[0] in ("0d", "e0", "m23", "z20", "t32", "nan")]
    for name, t, nc in grid(shapes=small):
        for op in REDUCE:
            for d in DIMS:
                if d is None:
                    if op == "logsumexp":
                        continue  # PyTorch requires a dim; ember's empty list means all
                    kw = {}
                elif op in ("prod", "max", "min", "argmax", "argmin", "cumsum") and isinstance(d, list):
                    continue
                elif op == "logsumexp" and d == [] and t.numel() > 0 and t.dim() > 0:
                    continue  # PyTorch's in-place broadcast quirk of an explicit []
                else:
                    kw = {"dim": d}
                grad = not (op in ("std", "var") and d == [] and t.dim() > 0)
                ge.case(f"{op}/{name}/{d}", op, [inp(t, nc)], kw, grad=grad)
                if d == -1 and op != "logsumexp":
                    ge.case(f"{op}/{name}/{d}/keep", op, [inp(t, nc)], {**kw, "keepdim": True}, grad=grad)
        for d in [0, -1, 3]:
            ge.case(f"cumsum/{name}/{d}", "cumsum", [inp(t, nc)], {"dim": d})
            ge.case(f"cumprod/{name}/{d}", "cumprod", [inp(t, nc)], {"dim": d})


def binary():
    pairs = []
    for dt in DTYPES:  # same dtype over broadcasting shapes
        for (ta, sa), (tb, sb) in [(("0d", []), ("v3", [3])), (("m23", [2, 3]), ("o13", [1, 3])),
                                   (("z20", [2, 0]), ("0d", [])), (("e0", [0]), ("v3", [3])),
                                   (("m23", [2, 3]), ("v3", [3]))]:
            pairs.append((f"{dt}/{ta}_{tb}", values(sa, dt), values(sb, dt)))
    for da in DTYPES:  # every dtype pair, one shape
        for db in DTYPES:
            if da != db:
                pairs.append((f"{da}_{db}", values([3], da), values([3], db)))
    for name, a, b in pairs:
        for op in BINARY:
            ge.case(f"{op}/{name}", op, [inp(a, False), inp(b, False)])
    for name, t, nc in grid(["int64", "float32", "bool", "uint8"]):
        for op in ["add", "mul", "div", "sub"]:
            ge.case(f"{op}_scalar/{name}", op, [inp(t, nc)], {"other": 2})
            ge.case(f"{op}_fscalar/{name}", op, [inp(t, nc)], {"other": 0.5})


def shapes():
    for name, t, nc in grid(["float64", "int64", "bool", "float16"]):
        for d in [0, -1, 1, 2, -3]:
            ge.case(f"unsqueeze/{name}/{d}", "unsqueeze", [inp(t, nc)], {"dim": d})
            ge.case(f"squeeze/{name}/{d}", "squeeze", [inp(t, nc)], {"dim": d})
            ge.case(f"flip/{name}/{d}", "flip", [inp(t, nc)], {"dims": [d]})
            ge.case(f"stack/{name}/{d}", "stack", [inp(t, nc), inp(t, nc)], {"dim": d})
            ge.case(f"cat/{name}/{d}", "cat", [inp(t, nc), inp(t, nc)], {"dim": d})
            ge.case(f"narrow/{name}/{d}", "narrow", [inp(t, nc)], {"dim": d, "start": 0, "length": 1})
            ge.case(f"select/{name}/{d}", "select", [inp(t, nc)], {"dim": d, "index": -1})
            ge.case(f"transpose/{name}/{d}", "transpose", [inp(t, nc)], {"dim0": d, "dim1": 0})
            ge.case(f"split/{name}/{d}", "split", [inp(t, nc)], {"split_size": 2, "dim": d})
            ge.case(f"chunk/{name}/{d}", "chunk", [inp(t, nc)], {"chunks": 2, "dim": d})
            ge.case(f"roll/{name}/{d}", "roll", [inp(t, nc)], {"shifts": 1, "dims": d})
            ge.case(f"tril/{name}/{d}", "tril", [inp(t, nc)], {"diagonal": d})
        ge.case(f"flatten/{name}", "flatten", [inp(t, nc)])
        ge.case(f"flatten_args/{name}", "flatten", [inp(t, nc)], {"start_dim": -1, "end_dim": -1})
        ge.case(f"movedim/{name}", "movedim", [inp(t, nc)], {"source": 0, "destination": -1})
        ge.case(f"unbind/{name}", "unbind", [inp(t, nc)], {"dim": -1})
        ge.case(f"triu/{name}", "triu", [inp(t, nc)], {"diagonal": 1})
        ge.case(f"narrow_neg/{name}", "narrow", [inp(t, nc)], {"dim": 0, "start": -1, "length": 1})
        ge.case(f"permute/{name}", "permute", [inp(t, nc)], {"dims": list(range(t.dim()))[::-1]})
        ge.case(f"t/{name}", "t", [inp(t, nc)])
        ge.case(f"reshape/{name}", "reshape", [inp(t, nc)], {"shape": [-1]})
        ge.case(f"reshape0/{name}", "reshape", [inp(t, nc)], {"shape": [0, -1]})
        ge.case(f"expand/{name}", "expand", [inp(t, nc)], {"size": [2, -1] if t.dim() == 1 else [2, 3]})
        ge.case(f"repeat/{name}", "repeat", [inp(t, nc)], {"repeats": [2] * max(t.dim(), 1)})
        ge.case(f"diag/{name}", "diag", [inp(t, nc)])
        ge.case(f"contiguous/{name}", "contiguous", [inp(t, nc)])
    ge.case("stack/mixed_dtype", "stack", [values([2], "int64"), values([2], "float32")], {"dim": 0})
    ge.case("cat/mixed_dtype", "cat", [values([2], "bool"), values([2], "float16")], {"dim": 0})


def indexing():
    for name, t, nc in grid(["float64", "int64", "bool", "float32"]):
        for dt in ["int64", "int32", "float32", "bool"]:
            for ishape in [[0], [2]]:
                idx = torch.zeros(ishape, dtype=ge.DT[dt])
                ge.case(f"index_select/{name}/{dt}/{ishape}", "index_select", [inp(t, nc), idx], {"dim": 0})
                if t.dim() <= 1:
                    ge.case(f"gather/{name}/{dt}/{ishape}", "gather", [inp(t, nc), idx], {"dim": 0})
        for dt in ["int64", "int32", "uint8", "bool", "int16"]:
            idx = values([2], dt) if dt != "bool" else values(list(t.shape[:1]), "bool")
            ge.case(f"getitem_tensor/{name}/{dt}", "getitem_tensor", [inp(t, nc), idx.abs() if dt != "bool" else idx])
        if t.dim() >= 1:
            ge.case(f"index_add/{name}", "index_add", [inp(t, nc), torch.tensor([0, 0]), inp(values([2] + list(t.shape[1:]), ge.NAME[t.dtype]), False)], {"dim": 0})
            ge.case(f"scatter_add/{name}", "scatter_add", [inp(t, nc), torch.zeros(list(t.shape), dtype=torch.long), inp(t, nc)], {"dim": -1})
        m = values(list(t.shape), "bool")
        ge.case(f"masked_fill/{name}", "masked_fill", [inp(t, nc), m], {"value": 2})
        ge.case(f"masked_fill0d/{name}", "masked_fill", [inp(t, nc), torch.tensor(True)], {"value": 2.5})
        ge.case(f"masked_select/{name}", "masked_select", [inp(t, nc), m])
        ge.case(f"masked_select0d/{name}", "masked_select", [inp(t, nc), torch.tensor(True)])
        ge.case(f"nonzero/{name}", "nonzero", [t])
        ge.case(f"getitem_mask/{name}", "getitem_mask", [inp(t, nc), m])
        ge.case(f"getitem/{name}", "getitem", [inp(t, nc)], {"index": ["..."]})
        ge.case(f"getitem_m1/{name}", "getitem", [inp(t, nc)], {"index": [-1]})
        ge.case(f"getitem_none/{name}", "getitem", [inp(t, nc)], {"index": ["None", "::2"]})


def nn():
    for dt in DTYPES:
        x4, w4 = values([1, 2, 4, 4], dt), values([3, 2, 2, 2], dt)
        ge.case(f"conv2d/{dt}", "conv2d", [inp(x4, False), inp(w4, False)], {"padding": 1})
        ge.case(f"conv1d/{dt}", "conv1d", [inp(values([1, 2, 5], dt), False), inp(values([3, 2, 2], dt), False)], {})
        ge.case(f"conv_transpose2d/{dt}", "conv_transpose2d", [inp(x4, False), inp(values([2, 3, 2, 2], dt), False)], {})
        ge.case(f"avg_pool2d/{dt}", "avg_pool2d", [inp(x4, False)], {"kernel_size": 2})
        ge.case(f"max_pool2d/{dt}", "max_pool2d", [inp(x4, False)], {"kernel_size": 2})
        ge.case(f"adaptive_avg_pool2d/{dt}", "adaptive_avg_pool2d", [inp(x4, False)], {"output_size": 2})
        ge.case(f"linear/{dt}", "linear", [inp(values([2, 3], dt), False), inp(values([4, 3], dt), False)])
        ge.case(f"softmax/{dt}", "softmax", [inp(values([2, 3], dt), False)], {"dim": -1})
        ge.case(f"log_softmax/{dt}", "log_softmax", [inp(values([2, 3], dt), False)], {"dim": 0})
        ge.case(f"layer_norm/{dt}", "layer_norm", [inp(values([2, 3], dt), False)], {"normalized_shape": [3]})
        ge.case(f"matmul/{dt}", "matmul", [inp(values([2, 3], dt), False), inp(values([3], dt), False)])
        ge.case(f"mm/{dt}", "mm", [inp(values([2, 3], dt), False), inp(values([3, 2], dt), False)])
        ge.case(f"dot/{dt}", "dot", [inp(values([3], dt), False), inp(values([3], dt), False)])
    for dt in ["int64", "int32", "float64"]:
        x4 = values([2, 4, 5, 5], dt)
        ge.case(f"conv2d_groups/{dt}", "conv2d", [inp(x4, False), inp(values([4, 2, 3, 3], dt), False), inp(values([4], dt), False)],
                {"groups": 2, "padding": 1, "dilation": 2})
        ge.case(f"conv1d_stride/{dt}", "conv1d", [inp(values([2, 4, 7], dt), False), inp(values([2, 4, 3], dt), False)], {"stride": 2, "padding": 2})
        ge.case(f"conv_transpose2d_stride/{dt}", "conv_transpose2d", [inp(values([1, 2, 3, 3], dt), False), inp(values([2, 4, 2, 2], dt), False)],
                {"stride": 2, "output_padding": 1, "padding": 1})
        for i, kw in enumerate([{"kernel_size": 3, "padding": 1, "count_include_pad": False}, {"kernel_size": 3, "stride": 2, "ceil_mode": True},
                                {"kernel_size": 2, "divisor_override": 3}, {"kernel_size": [2, 3], "stride": [1, 2], "padding": [1, 1]}]):
            ge.case(f"avg_pool2d/{dt}/{i}", "avg_pool2d", [inp(x4, False)], kw)
            ge.case(f"max_pool2d/{dt}/{i}", "max_pool2d", [inp(x4, False)], {k: v for k, v in kw.items() if k in ("kernel_size", "stride", "padding", "ceil_mode")})
    for dt in DTYPES:
        x = values([2, 3, 4], dt)
        for mode in ["constant", "reflect", "replicate", "circular"]:
            ge.case(f"pad/{mode}/{dt}", "pad", [inp(x, False)], {"pad": [1, 2], "mode": mode})
        ge.case(f"group_norm/{dt}", "group_norm", [inp(x, False)], {"num_groups": 3})
        ge.case(f"batch_norm/{dt}", "batch_norm", [inp(x, False)], {"training": True})
        ge.case(f"normalize/{dt}", "normalize", [inp(x, False)], {"dim": -1})
        ge.case(f"one_hot/{dt}", "one_hot", [values([3], dt).abs() if dt not in ("bool",) else values([3], dt)], {"num_classes": 5})
        ge.case(f"embedding/{dt}", "embedding", [values([3], dt).abs() if dt != "bool" else values([3], dt), inp(values([5, 2], "float64"), False)])
        ge.case(f"mse_loss/{dt}", "mse_loss", [inp(values([3], dt), False), inp(values([3], "float32"), False)])
        ge.case(f"cross_entropy/{dt}", "cross_entropy", [inp(values([2, 3], dt), False), torch.tensor([0, 2])])
    # Recorded nodes of the composite losses (DivBackward1 for a mean over probabilities, …).
    for red in ["mean", "sum", "none"]:
        for ls in [0.0, 0.2]:
            for tag, (xs, ts) in {"2d": ([4, 3], [4, 3]), "1d": ([3], [3]), "3d": ([2, 3, 4], [2, 3, 4])}.items():
                probs = torch.softmax(values(ts, "float64"), 1 if len(ts) > 1 else 0)
                ge.case(f"cross_entropy_probs/{tag}/{red}/{ls}", "cross_entropy", [inp(values(xs, "float64"), False), probs],
                        {"reduction": red, "label_smoothing": ls})
                ge.case(f"cross_entropy_probs_w/{tag}/{red}/{ls}", "cross_entropy",
                        [inp(values(xs, "float64"), False), probs, values([3], "float64").abs() + 0.5],
                        {"reduction": red, "label_smoothing": ls})
            ge.case(f"cross_entropy_idx/{red}/{ls}", "cross_entropy", [inp(values([4, 3], "float64"), False), torch.tensor([0, 2, 1, 0])],
                    {"reduction": red, "label_smoothing": ls})
            ge.case(f"cross_entropy_idx3d/{red}/{ls}", "cross_entropy", [inp(values([2, 3, 4], "float64"), False), torch.tensor([[0, 2, 1, 0], [1, 1, 1, 1]])],
                    {"reduction": red, "label_smoothing": ls})
        for op in ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy_with_logits"]:
            ge.case(f"{op}/{red}", op, [inp(values([2, 3], "float64"), False), inp(values([2, 3], "float64").sigmoid(), False)], {"reduction": red})
    for tag, (xs, ws) in {"in0": ([3, 0], [4, 0]), "out0": ([3, 5], [0, 5]), "b0": ([0, 5], [4, 5]),
                          "both0": ([2, 0], [0, 0]), "3d_in0": ([2, 3, 0], [4, 0]), "1d_in0": ([0], [4, 0]),
                          "3d_out0": ([2, 3, 5], [0, 5])}.items():
        for bias in [False, True]:
            xx = [inp(values(xs, "float64"), False), inp(values(ws, "float64"), False)]
            if bias:
                xx.append(inp(values(ws[:1], "float64"), False))
            ge.case(f"linear/{tag}/{bias}", "linear", xx)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/sweep"
    os.makedirs(out, exist_ok=True)
    for k, f in enumerate([unary, reductions, binary, shapes, indexing, nn]):
        start = len(ge.CASES)
        torch.manual_seed(100 + k)  # per file, so adding cases to one leaves the others alone
        f()
        with open(os.path.join(out, f"sweep_{f.__name__}.jsonl"), "w") as fh:
            for c in ge.CASES[start:]:
                c["id"] = c["id"].replace("edge/", "sweep/", 1)
                fh.write(json.dumps(c, allow_nan=False, separators=(",", ":")) + "\n")
    print(f"{len(ge.CASES)} cases in {out}")


if __name__ == "__main__":
    main()
