#!/usr/bin/env python3
"""Layer check for crates/ember/src: modules may import only from layers below their own.

The target architecture (issue 16, DESIGN.md §2), lowest layer first:

    core     dtype, scalar, math, shape, layout, device, error, ops (the op table)
    backend  the Backend trait and its devices (cpu, meta, later cuda)
    tensor   Tensor, storage, the autograd graph types, one kernel-dispatch helper
    autograd engine, grad mode, Function, checks, graphviz
    ops      ops/<family>: each family's Tensor methods with their backward formulas
    api      nn, optim, io, utils/data: built on the public API only

The script reads every `crates/ember/src/**/*.rs`, maps each file to a layer with RULES
below, finds the module paths it names (`use crate::…`, `super::…`, `self::…`, and
`crate::x::…` / `ember::x::…` paths in code; comments, strings and `#[cfg(test)]` modules
are skipped: tests may use the whole crate), resolves each to the module that defines it,
and reports

  (a) every import that goes upward (into a higher layer),
  (b) every import cycle between units (a unit is a RULES entry: `tensor`, `autograd`,
      `autograd/formulas`, `nn/functional`, ...), as the import edges inside each strongly
      connected component,
  (c) calls that only their owning layers may make (CALLS below: backend kernels, the
      Tensor's storage, the autograd graph's recording functions).

Today's code breaks these rules in known places; ALLOWLIST names each of them as a
`from → to` pair (from: a source file's module; to: the unit it imports, or the call
pattern it makes) with a reason. The script fails on any violation that is not in the
allowlist, and on an allowlist entry that no longer occurs, so the list can only shrink:
when you fix one, delete its entry.

Usage:
    python3 .ci/layers.py              # check the crate (exit 1 on a problem)
    python3 .ci/layers.py --list       # print every violation with its count, allowed or not
    python3 .ci/layers.py --self-test  # run the checker on small fake trees
Only the standard library; Python 3.8+.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections import defaultdict

# ----------------------------------------------------------------------------------------
# Rule table: module path prefix (file path under src/, no `.rs` / `/mod.rs`) → (layer, unit).
# The longest matching prefix wins. A unit is what cycles are computed between and what
# allowlist entries name as their target.
LAYERS = ["core", "backend", "tensor", "autograd", "ops", "api"]

RULES = {
    # core: plain data and arithmetic, no tensors.
    "dtype": "core",
    "scalar": "core",
    "math": "core",
    "shape": "core",
    "layout": "core",
    "device": "core",
    "error": "core",
    # The warning channel: plain text and call sites, no tensors.
    "warnings": "core",
    # The op table (`UnaryOp`, `BinaryOp`, … with their scalar functions and kernel names)
    # is plain data that the backends dispatch on and the ops are generated from: it has to
    # sit below both, so it is core, not a layer of its own (a layer between core and
    # backend would hold this one file).
    "ops/table": "core",
    # The op families (ops/<family>/: Tensor methods with their formulas beside them).
    "ops": "ops",
    "backend": "backend",
    "storage": "tensor",
    "tensor": "tensor",
    "autograd": "autograd",
    # The derivatives table is declared with each op family in the target (ops/<family>),
    # so the formulas are ops, above the engine they plug into.
    "autograd/formulas": "ops",
    # `ember::linalg` (torch.linalg) and the random ops (`randn`, `Generator`) are op
    # families: ops/linalg, ops/random.
    "linalg": "ops",
    "random": "ops",
    # Public API only.
    "nn": "api",
    "nn/functional": "api",
    "optim": "api",
    "io": "api",
    # `ember::cuda` is torch.cuda: device management for users, over the public API.
    "cuda": "api",
    "cheatsheet": "api",
    # torch.utils.data and torchvision (datasets, samplers, DataLoader, transforms): users of
    # the public Tensor API, like nn.
    "utils": "api",
    "vision": "api",
}

# Root names the crate root re-exports from a module that is not named in its `pub use`
# list (inline modules of lib.rs): root-level alias → module path.
ROOT_ALIASES = {
    "cpu": "backend/cpu",
}

# Files whose imports are not checked: the crate root only wires modules together and
# re-exports them.
UNCHECKED = {"", "prelude"}

# (c) Calls that only some layers may make: name → (regex on code, owning layers, what).
CALLS = {
    ".storage()": (
        r"\.storage\(\)",
        {"backend", "tensor"},
        "a tensor's storage is the tensor layer's; above it, use the Tensor API",
    ),
    ".meta()": (
        r"\.meta\(\)",
        {"tensor", "autograd"},
        "AutogradMeta (grad, grad_fn, hooks) is the graph's; use the Tensor API",
    ),
    "set_grad_fn": (
        r"\bset_grad_fn\s*\(",
        {"tensor", "autograd"},
        "rewiring a tensor's grad_fn is the engine's",
    ),
    "make_node": (
        r"\bmake_node\s*(::\s*<[^;]*?>\s*)?\(",
        {"tensor", "autograd"},
        "building graph nodes by hand is the engine's; ops record with record()",
    ),
    "record": (
        r"(?<![\w.])(?:node::)?(record|record_slots|record_inplace)\s*(::\s*<[^;]*?>\s*)?\(",
        # tensor/graph (a module path: owners name layers or modules) defines recording,
        # and records the leaf's CopyBackwards itself.
        {"autograd", "ops", "tensor/graph"},
        "recording graph nodes is for ops; nn/optim/io use differentiable ops",
    ),
}

# Imports of a layer that only some layers may make, even though they point downward:
# the backend's kernels are called through the tensor layer's dispatch helper only.
RESTRICTED = {
    "backend": {"backend", "tensor"},
}

# ----------------------------------------------------------------------------------------
# Today's violations. `from` is a source file's module (its path under src/, no `.rs`);
# `to` is the unit it imports, `call:NAME` for a call of CALLS, or `cycle:UNIT` for an
# import that closes a cycle between units of the same layer. Delete an entry when its
# violation is gone (the script fails on stale entries).
R_CK = "gradgradcheck draws random grad outputs; random sampling must sit below autograd"
R_CU = "ember::cuda drives the CUDA allocator/NVRTC directly; needs a Backend hook"
R_NC = "nn::functional re-exports linear/bilinear from nn/linear (nn ↔ nn/functional); they move into functional"

ALLOWLIST: list[tuple[str, str, str]] = [
    ("autograd/check", "random", R_CK),
    ("cuda", "backend", R_CU),
    ("nn/functional", "cycle:nn", R_NC),
]

# ----------------------------------------------------------------------------------------
# Lexing: blank out comments, strings and chars (keeping newlines, so lines stay lines).


def strip_code(src: str) -> str:
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', src[i:i + 260]) and not _ident_before(src, i):
            m = re.match(r'r(#*)"', src[i:])
            close = '"' + m.group(1)
            j = src.find(close, i + len(m.group(0)))
            j = n if j < 0 else j + len(close)
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == '"' or (c == "b" and src.startswith('b"', i) and not _ident_before(src, i)):
            j = i + (2 if c == "b" else 1)
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", src[i:i + 12])
            if m:  # a char literal; otherwise a lifetime
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _ident_before(src: str, i: int) -> bool:
    return i > 0 and (src[i - 1].isalnum() or src[i - 1] == "_")


def blank_test_modules(code: str) -> tuple[str, set[str]]:
    """Blanks `#[cfg(test)] mod x { … }`; returns the code and the names of `#[cfg(test)]
    mod x;` (out-of-line test modules, skipped as files)."""
    skipped = set()
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", code):
        skipped.add(m.group(1))
    while True:
        m = re.search(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{", code)
        if not m:
            return code, skipped
        depth, j = 1, m.end()
        while j < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[j], 0)
            j += 1
        code = code[: m.start()] + re.sub(r"[^\n]", " ", code[m.start():j]) + code[j:]


# ----------------------------------------------------------------------------------------
# Use trees.


def parse_use_tree(text: str, base: int, line_of):
    """Yields (segments, line) for each leaf of a use tree `text` (without `use` and `;`)."""
    toks = [(m.group(0), m.start() + base) for m in re.finditer(r"::|[{},*]|\w+", text)]
    pos = 0

    def tree(prefix):
        nonlocal pos
        segs = list(prefix)
        while pos < len(toks):
            t, at = toks[pos]
            if t == "{":
                pos += 1
                while pos < len(toks) and toks[pos][0] != "}":
                    yield from tree(segs)
                    if pos < len(toks) and toks[pos][0] == ",":
                        pos += 1
                pos += 1
                return
            if t in (",", "}"):
                break
            if t == "::":
                pos += 1
                continue
            if t == "as":
                pos += 2  # the alias
                continue
            segs.append(t)
            last_at = at
            pos += 1
            if pos >= len(toks) or toks[pos][0] != "::":
                yield segs, line_of(last_at)
                return
        return

    yield from tree([])


# ----------------------------------------------------------------------------------------
# The crate's module tree.


def module_of(rel: str) -> str:
    """`tensor/mod.rs` → `tensor`, `tensor/reduce.rs` → `tensor/reduce`, `lib.rs` → ``."""
    rel = rel[:-3]
    if rel in ("lib", "main"):
        return ""
    if rel.endswith("/mod"):
        rel = rel[:-4]
    return rel


def rule_for(mod: str):
    """(layer, unit) of a module path, by the longest RULES prefix."""
    parts = mod.split("/") if mod else []
    for k in range(len(parts), 0, -1):
        key = "/".join(parts[:k])
        if key in RULES:
            return RULES[key], key
    return None, None


class Crate:
    def __init__(self, src_dir: str):
        self.src = src_dir
        self.files = {}  # module → relative path
        for root, _, names in os.walk(src_dir):
            for name in names:
                if name.endswith(".rs"):
                    rel = os.path.relpath(os.path.join(root, name), src_dir).replace(os.sep, "/")
                    self.files[module_of(rel)] = rel
        self.code = {}
        self.test_only = set()
        for mod, rel in self.files.items():
            with open(os.path.join(src_dir, rel), encoding="utf-8") as f:
                code, skipped = blank_test_modules(strip_code(f.read()))
            self.code[mod] = code
            for s in skipped:
                self.test_only.add(f"{mod}/{s}" if mod else s)
        self.mods = set(self.files)
        self.root_names = self._root_reexports()
        self.macros = self._macros()

    def _root_reexports(self):
        """Names `pub use`d at the root (name → module), and the glob-re-exported modules."""
        names, globs = {}, []
        code = self.code.get("", "")
        lines = _line_index(code)
        for m in re.finditer(r"\bpub\s+use\s+([^;]*);", code):
            for segs, _ in parse_use_tree(m.group(1), m.start(1), lines):
                if segs[0] == "crate":
                    segs = segs[1:]
                if segs[-1] == "*":
                    globs.append("/".join(segs[:-1]))
                elif segs:
                    names[segs[-1]] = "/".join(segs[:-1])
        return names, globs

    def _macros(self):
        found = {}
        for mod, code in self.code.items():
            for m in re.finditer(r"#\[macro_export\][^\n]*\n(?:\s*#\[[^\n]*\n)*\s*macro_rules!\s*(\w+)", code):
                found[m.group(1)] = mod
        return found

    def resolve(self, cur: str, segs: list[str]):
        """The module a path names, from module `cur`; None when it leaves the crate."""
        parts = cur.split("/") if cur else []
        first = segs[0]
        if first in ("crate", "ember"):
            abs_ = segs[1:]
        elif first == "super":
            k = 0
            while k < len(segs) and segs[k] == "super":
                k += 1
            abs_ = parts[: max(0, len(parts) - k)] + segs[k:]
        elif first == "self":
            abs_ = parts + segs[1:]
        elif "/".join(parts + [first]) in self.mods:  # a child module by its bare name
            abs_ = parts + segs
        else:
            return None
        abs_ = [s for s in abs_ if s not in ("self", "*")]
        if abs_ and abs_[0] in ROOT_ALIASES:
            abs_ = ROOT_ALIASES[abs_[0]].split("/") + abs_[1:]
        # The most specific module that exists.
        for k in range(len(abs_), 0, -1):
            key = "/".join(abs_[:k])
            if key in self.mods:
                return key
        if not abs_:
            return ""
        # A name at the root: a re-export, a macro, or the glob re-export.
        names, globs = self.root_names
        name = abs_[0]
        if name in names:
            return self.resolve("", ["crate"] + names[name].split("/") + [name]) or names[name]
        if name in self.macros:
            return self.macros[name]
        if globs:
            return globs[0]
        return ""


def _line_index(code: str):
    starts = [0] + [i + 1 for i, c in enumerate(code) if c == "\n"]

    def line_of(pos):
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    return line_of


PATH_RE = re.compile(r"(?<![\w:])(?:::)?(crate|super|self|ember)((?:\s*::\s*\w+)+)")


def imports(crate: Crate, mod: str):
    """Yields (target module, line) for every path in `mod`'s code."""
    code = crate.code[mod]
    line_of = _line_index(code)
    spans = []
    for m in re.finditer(r"\buse\s+([^;]*);", code):
        spans.append((m.start(), m.end()))
        for segs, line in parse_use_tree(m.group(1), m.start(1), line_of):
            if segs and segs[0] == "ember" and mod == "" :
                continue
            t = crate.resolve(mod, segs)
            if t is not None:
                yield t, line
    blank = list(code)
    for a, b in spans:
        for i in range(a, b):
            if blank[i] != "\n":
                blank[i] = " "
    rest = "".join(blank)
    for m in PATH_RE.finditer(rest):
        segs = [m.group(1)] + re.findall(r"\w+", m.group(2))
        t = crate.resolve(mod, segs)
        if t is not None:
            yield t, line_of(m.start())


# ----------------------------------------------------------------------------------------
# The check.


def violations(crate: Crate):
    """Every violation: (key, file, line, message) with key = (from, to)."""
    found = []
    edges = defaultdict(list)  # (unit, unit) → [(mod, line)]
    unit_layer = {}
    for mod in sorted(crate.code):
        if mod in UNCHECKED or any(mod == t or mod.startswith(t + "/") for t in crate.test_only):
            continue
        layer, unit = rule_for(mod)
        rel = "crates/ember/src/" + crate.files[mod]
        if layer is None:
            found.append(((mod, "?"), rel, 1, f"module `{mod}` has no layer in RULES"))
            continue
        unit_layer[unit] = layer
        seen = set()
        for target, line in imports(crate, mod):
            tlayer, tunit = rule_for(target)
            if tlayer is None or tunit == unit or (target, line) in seen:
                continue
            seen.add((target, line))
            unit_layer[tunit] = tlayer
            edges[(unit, tunit)].append((mod, line, target))
            if LAYERS.index(tlayer) > LAYERS.index(layer):
                found.append(((mod, tunit), rel, line,
                              f"{mod} ({layer}) imports {target} ({tlayer}): upward"))
            elif tlayer in RESTRICTED and layer not in RESTRICTED[tlayer]:
                found.append(((mod, tunit), rel, line,
                              f"{mod} ({layer}) imports {target}: only "
                              f"{', '.join(sorted(RESTRICTED[tlayer]))} may use the {tlayer} layer"))
        code = crate.code[mod]
        line_of = _line_index(code)
        for name, (pat, owners, why) in CALLS.items():
            if layer in owners or any(mod == o or mod.startswith(o + "/") for o in owners):
                continue
            for m in re.finditer(pat, code):
                found.append(((mod, "call:" + name), rel, line_of(m.start()),
                              f"{mod} ({layer}) calls {name}: {why}"))
    # (b) cycles between units. A cycle through two layers has an upward edge, reported by
    # (a); what is left are cycles between units of one layer (e.g. tensor ↔ storage, nn ↔
    # optim): the strongly connected components of the same-layer edges, every edge inside.
    same = {e: s for e, s in edges.items() if unit_layer[e[0]] == unit_layer[e[1]]}
    for comp in sccs(same):
        if len(comp) < 2:
            continue
        for (a, b), sites in sorted(same.items()):
            if a in comp and b in comp:
                # Of two units that import each other, the direction with fewer imports is
                # the one to cut: report only that one (both on a tie).
                back = same.get((b, a), [])
                if len(comp) == 2 and len(sites) > len(back):
                    continue
                for mod, line, target in sites:
                    found.append(((mod, "cycle:" + b), "crates/ember/src/" + crate.files[mod], line,
                                  f"{mod} imports {target}, closing the cycle "
                                  f"{' ↔ '.join(sorted(comp))}"))
    return found


def sccs(edges):
    graph = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
        graph.setdefault(b, set())
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check(src_dir: str, allowlist, out=sys.stdout) -> int:
    crate = Crate(src_dir)
    found = violations(crate)
    allowed = {(f, t) for f, t, _ in allowlist}
    bad = [v for v in found if v[0] not in allowed]
    present = {v[0] for v in found}
    stale = [(f, t) for f, t, _ in allowlist if (f, t) not in present]
    for key, rel, line, msg in sorted(bad, key=lambda v: (v[1], v[2])):
        print(f"{rel}:{line}: {msg}", file=out)
    for f, t in stale:
        print(f".ci/layers.py: stale allowlist entry {f} → {t}: it no longer occurs; delete it",
              file=out)
    if bad or stale:
        print(f"layers: {len(bad)} violation(s) not in the allowlist, {len(stale)} stale "
              f"allowlist entr{'y' if len(stale) == 1 else 'ies'} (rules: .ci/layers.py)", file=out)
        return 1
    print(f"layers: ok ({len(crate.code)} files; {len(found)} known violation sites in "
          f"{len(allowed)} allowlisted pairs)", file=out)
    return 0


def list_all(src_dir: str):
    counts = defaultdict(int)
    for key, *_ in violations(Crate(src_dir)):
        counts[key] += 1
    for (f, t), n in sorted(counts.items()):
        print(f"{n:4}  {f} → {t}")
    print(f"{sum(counts.values())} sites, {len(counts)} pairs")


# ----------------------------------------------------------------------------------------
# Self-test: fake trees on which the check must fail (or pass).

FAKE = {
    "lib.rs": "mod dtype;\nmod tensor;\nmod nn;\npub use tensor::*;\npub use dtype::DType;\n",
    "dtype.rs": "pub enum DType { F32 }\n",
    "tensor/mod.rs": "mod create;\npub use create::*;\nuse crate::DType;\npub struct Tensor;\n"
                     "#[cfg(test)]\nmod tests {\n    use crate::nn::Linear; // tests may\n}\n",
    "tensor/create.rs": "use super::Tensor;\n// use crate::nn::Linear; (a comment)\n"
                        "pub fn zeros() -> Tensor { let _ = \"crate::nn::x\"; Tensor }\n",
    "nn/mod.rs": "use crate::{Tensor, dtype::DType};\npub struct Linear(Tensor);\n",
}


def _run_fake(files, allowlist):
    with tempfile.TemporaryDirectory() as d:
        for rel, text in files.items():
            p = os.path.join(d, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
        import io
        buf = io.StringIO()
        rc = check(d, allowlist, buf)
        return rc, buf.getvalue()


def self_test() -> int:
    cases = []
    rc, out = _run_fake(FAKE, [])
    cases.append(("a clean tree passes", rc == 0, out))
    up = dict(FAKE)
    up["dtype.rs"] = "use crate::tensor::Tensor;\npub enum DType { F32 }\n"
    rc, out = _run_fake(up, [])
    cases.append(("an upward `use` fails, naming file:line",
                  rc == 1 and "dtype.rs:1: dtype (core) imports tensor (tensor): upward" in out, out))
    rc, out = _run_fake(up, [("dtype", "tensor", "test")])
    cases.append(("an allowlisted violation passes", rc == 0, out))
    rc, out = _run_fake(FAKE, [("dtype", "tensor", "test")])
    cases.append(("a stale allowlist entry fails", rc == 1 and "stale allowlist entry" in out, out))
    inline = dict(FAKE)
    inline["tensor/create.rs"] = ("use super::Tensor;\npub fn zeros() -> Tensor {\n"
                                  "    crate::nn::Linear::new();\n    Tensor\n}\n")
    rc, out = _run_fake(inline, [])
    cases.append(("an upward path in code fails", rc == 1 and "create.rs:3:" in out, out))
    nested = dict(FAKE)
    nested["tensor/create.rs"] = "use {super::Tensor, crate::{dtype::DType, nn::{self, Linear as L}}};\n"
    rc, out = _run_fake(nested, [])
    cases.append(("an upward import inside nested braces fails",
                  rc == 1 and "tensor/create.rs:1: tensor/create (tensor) imports nn" in out, out))
    sup = dict(FAKE)
    sup["dtype.rs"] = "mod inner;\npub enum DType { F32 }\n"
    sup["dtype/inner.rs"] = "use super::super::tensor::Tensor;\n"
    rc, out = _run_fake(sup, [])
    cases.append(("an upward `super::super::` fails", rc == 1 and "dtype/inner.rs:1:" in out, out))
    cyc = dict(FAKE)
    cyc["lib.rs"] += "mod io;\n"
    cyc["nn/mod.rs"] += "use crate::io::load;\n"
    cyc["io/mod.rs"] = "use crate::nn::Linear;\npub fn load() {}\n"
    rc, out = _run_fake(cyc, [])
    cases.append(("a cycle within a layer fails", rc == 1 and "closing the cycle io ↔ nn" in out, out))
    call = dict(FAKE)
    call["nn/mod.rs"] += "fn f(t: &Tensor) { let _ = t.storage(); }\n"
    rc, out = _run_fake(call, [])
    cases.append(("a forbidden call fails", rc == 1 and "nn/mod.rs:3: nn (api) calls .storage()" in out,
                  out))
    failed = [(name, out) for name, ok, out in cases if not ok]
    for name, out in failed:
        print(f"layers self-test FAILED: {name}\n{out}")
    if not failed:
        print(f"layers self-test: ok ({len(cases)} cases)")
    return 1 if failed else 0


def main(argv):
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ember", "src")
    if "--self-test" in argv:
        return self_test()
    if "--list" in argv:
        list_all(src)
        return 0
    return check(src, ALLOWLIST)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
