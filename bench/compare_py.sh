#!/usr/bin/env bash
# ember's Python front against PyTorch, the same Python scripts on both sides.
#
#   bench/compare_py.sh                  # tiny ops + the seed loops, 5 alternating rounds, 2 threads
#   ROUNDS=3 bench/compare_py.sh tiny    # only the tiny ops
#
# PyTorch runs from ~/torch-venv (TORCH_VENV), created with `pip install torch numpy` when
# missing; ember is built into target/py-venv (EMBER_VENV) as test.sh does. The scripts are
# PyTorch programs (bench/python/bench_tiny.py, bench/pytorch/bench_seed.py); on the ember
# side bench/python/as_ember.py calls `ember.install_as_torch()` and runs them unchanged.
# Rounds alternate PyTorch and ember so both see the same machine state; the table shows
# the median of the rounds and ember's time / PyTorch's.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
TORCH_PY=${TORCH_VENV:-$HOME/torch-venv}/bin/python
EMBER_VENV=${EMBER_VENV:-target/py-venv}
WHAT=${1:-all}
export OMP_NUM_THREADS=$THREADS RAYON_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS

if ! { [ -x "$TORCH_PY" ] && "$TORCH_PY" -c 'import torch, numpy' 2>/dev/null; }; then
    python3 -m venv "$(dirname "$(dirname "$TORCH_PY")")"
    "$TORCH_PY" -m pip install --quiet torch numpy >&2
fi
if [ ! -x "$EMBER_VENV/bin/python" ]; then
    python3 -m venv "$EMBER_VENV"
fi
export PATH="$(cd "$EMBER_VENV" && pwd)/bin:$PATH"  # maturin's build hook runs `maturin` from PATH
"$EMBER_VENV/bin/python" -m pip install -q "maturin>=1.9,<2" numpy >&2
"$EMBER_VENV/bin/python" -m pip install -q --no-build-isolation --force-reinstall --no-deps ./crates/ember-py >&2
EMBER_PY=$EMBER_VENV/bin/python

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for r in $(seq "$ROUNDS"); do
    if [ "$WHAT" = all ] || [ "$WHAT" = tiny ]; then
        "$TORCH_PY" bench/python/bench_tiny.py --threads "$THREADS" >>"$TMP/torch_tiny"
        "$EMBER_PY" bench/python/as_ember.py bench/python/bench_tiny.py --threads "$THREADS" >>"$TMP/ember_tiny"
    fi
    if [ "$WHAT" = all ] || [ "$WHAT" = seed ]; then
        for v in autograd myrelu nn-sgd nn-adam; do
            t=$("$TORCH_PY" bench/pytorch/bench_seed.py --threads "$THREADS" --iters 300 --variant "$v" | tail -1 | cut -d= -f2)
            e=$("$EMBER_PY" bench/python/as_ember.py bench/pytorch/bench_seed.py --threads "$THREADS" --iters 300 --variant "$v" | tail -1 | cut -d= -f2)
            printf 'seed %s (ms/step)\t%s\n' "$v" "$t" >>"$TMP/torch_tiny"
            printf 'seed %s (ms/step)\t%s\n' "$v" "$e" >>"$TMP/ember_tiny"
        done
    fi
done

python3 - "$TMP/torch_tiny" "$TMP/ember_tiny" <<'PY'
import statistics, sys
def load(p):
    d = {}
    for line in open(p):
        name, v = line.rstrip("\n").rsplit("\t", 1)
        d.setdefault(name, []).append(float(v))
    return d
t, e = load(sys.argv[1]), load(sys.argv[2])
print("| workload | PyTorch | ember | ember / PyTorch |")
print("| --- | ---: | ---: | ---: |")
for name in t:
    a, b = statistics.median(t[name]), statistics.median(e[name])
    unit = "" if "ms/step" in name else " µs"
    print(f"| `{name}` | {a:.3f}{unit} | {b:.3f}{unit} | {b / a:.2f} |")
PY
