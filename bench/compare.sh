#!/usr/bin/env bash
# ember against PyTorch on the seed training loops, side by side on this machine.
#
#   bench/compare.sh                 # all workloads, 5 alternating runs each, 2 threads
#   THREADS=4 ROUNDS=3 bench/compare.sh mlp cnn
#   BASELINE=88651fe bench/compare.sh  # also an older ember commit, in the same rounds
#
# Creates ~/torch-venv (python3 -m venv; pip install torch numpy) when it is missing;
# TORCH_VENV overrides the path and TORCH_PIP_ARGS is passed to pip (e.g. "--index-url
# https://download.pytorch.org/whl/cpu" for the CPU-only wheel, whose peak RSS leaves out
# the CUDA libraries a default Linux wheel loads). Builds examples/bench_seed in release,
# runs each workload ROUNDS times on each side, alternating ember and PyTorch so both see
# the same machine state, and prints a markdown table of the medians: ms per iteration,
# their ratio and each side's peak RSS (GNU time when installed, else what each process
# reports itself).
# Timings are taken inside the processes (after 10 warm-up steps), not of start-up.
# BASELINE=<git rev> builds that commit's bench_seed in a worktree (BASELINE_WT, default
# target/baseline/worktree; its own target dir, target/baseline) and runs it as a third side in every round, so a refactor can show
# it made no workload slower on the same machine state.
set -euo pipefail

cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
VENV=${TORCH_VENV:-$HOME/torch-venv}
PY=$VENV/bin/python

# Iterations per timed run: ~0.5 s of work per run at PyTorch's speed on a 2-core machine.
iters_for() {
    case $1 in
        mlp) echo 20 ;;
        cnn) echo 50 ;;
        *) echo 500 ;;
    esac
}

if [ $# -gt 0 ]; then
    VARIANTS=("$@")
else
    VARIANTS=(autograd myrelu nn-sgd nn-adam mlp cnn)
fi

if ! { [ -x "$PY" ] && "$PY" -c 'import torch, numpy' 2>/dev/null; }; then
    echo "setting up PyTorch in $VENV ..." >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip >&2
    # shellcheck disable=SC2086 # TORCH_PIP_ARGS is a list of words
    "$VENV/bin/pip" install --quiet ${TORCH_PIP_ARGS:-} torch numpy >&2
fi

cargo build --release --example bench_seed >&2
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
EMBER=$TARGET_DIR/release/examples/bench_seed

BASE_BIN=
if [ -n "${BASELINE:-}" ]; then
    # A fixed worktree path (BASELINE_WT), kept between runs: cargo's fingerprints include
    # the source path, so a fresh temporary one would rebuild the whole crate every time.
    BASE_DIR=${BASELINE_WT:-$TARGET_DIR/baseline/worktree}
    if [ -d "$BASE_DIR" ]; then
        git -C "$BASE_DIR" checkout --quiet --detach "$BASELINE" >&2
    else
        git worktree add --detach "$BASE_DIR" "$BASELINE" >&2
    fi
    (cd "$BASE_DIR" && CARGO_TARGET_DIR="$TARGET_DIR/baseline" cargo build --release --example bench_seed >&2)
    BASE_BIN=$TARGET_DIR/baseline/release/examples/bench_seed
fi

GNU_TIME=
if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then
    GNU_TIME=/usr/bin/time
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run SIDE VARIANT ITERS: prints "ms rss_mib" for one timed run.
run() {
    local side=$1 variant=$2 iters=$3 out=$TMP/out time_log=$TMP/time
    local cmd
    if [ "$side" = ember ]; then
        cmd=(env RAYON_NUM_THREADS="$THREADS" "$EMBER" --variant "$variant" --iters "$iters")
    elif [ "$side" = baseline ]; then
        cmd=(env RAYON_NUM_THREADS="$THREADS" "$BASE_BIN" --variant "$variant" --iters "$iters")
    else
        cmd=("$PY" bench/pytorch/bench_seed.py --variant "$variant" --iters "$iters" --threads "$THREADS")
    fi
    if [ -n "$GNU_TIME" ]; then
        "$GNU_TIME" -v -o "$time_log" "${cmd[@]}" >"$out"
    else
        "${cmd[@]}" >"$out"
    fi
    local ms rss
    ms=$(tail -n 1 "$out" | sed -n 's/^ms_per_iter=//p')
    if [ -z "$ms" ]; then
        echo "$side $variant: no ms_per_iter line in its output:" >&2
        cat "$out" >&2
        exit 1
    fi
    if [ -n "$GNU_TIME" ]; then
        rss=$(awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$time_log")
    else
        rss=$(sed -n 's/^peak_rss_mib=//p' "$out")
    fi
    echo "$ms ${rss:-nan}"
}

median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

MACHINE=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
TORCH_VERSION=$("$PY" -c 'import torch; print(torch.__version__)')
EMBER_VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' crates/ember/Cargo.toml | head -n 1)
RUSTC_VERSION=$(rustc --version)

SIDES=(ember torch)
if [ -n "$BASE_BIN" ]; then
    SIDES+=(baseline)
fi

rows=()
for v in "${VARIANTS[@]}"; do
    iters=$(iters_for "$v")
    : >"$TMP/ember_ms"; : >"$TMP/ember_rss"; : >"$TMP/torch_ms"; : >"$TMP/torch_rss"
    : >"$TMP/baseline_ms"; : >"$TMP/baseline_rss"
    for ((r = 1; r <= ROUNDS; r++)); do
        for side in "${SIDES[@]}"; do
            read -r ms rss < <(run "$side" "$v" "$iters")
            echo "$ms" >>"$TMP/${side}_ms"
            echo "$rss" >>"$TMP/${side}_rss"
            echo "$v round $r $side: $ms ms/iter, $rss MiB" >&2
        done
    done
    e=$(median <"$TMP/ember_ms")
    t=$(median <"$TMP/torch_ms")
    erss=$(median <"$TMP/ember_rss")
    trss=$(median <"$TMP/torch_rss")
    ratio=$(awk -v e="$e" -v t="$t" 'BEGIN { printf "%.2f", e / t }')
    row=$(printf '| %s | %.3f | %.3f | %s | %s | %s |' "$v" "$t" "$e" "$ratio" "$trss" "$erss")
    if [ -n "$BASE_BIN" ]; then
        b=$(median <"$TMP/baseline_ms")
        row+=$(printf ' %.3f | %s |' "$b" "$(awk -v e="$e" -v b="$b" 'BEGIN { printf "%.2f", e / b }')")
    fi
    rows+=("$row")
done

echo
echo "Machine: ${MACHINE:-unknown}, $THREADS threads (RAYON_NUM_THREADS / torch.set_num_threads)."
echo "PyTorch $TORCH_VERSION; ember $EMBER_VERSION built with $RUSTC_VERSION; medians of $ROUNDS alternating runs."
echo
if [ -n "$BASE_BIN" ]; then
    echo "Baseline: ember at $BASELINE ($(git rev-parse --short "$BASELINE")), against HEAD $(git rev-parse --short HEAD) plus the working tree."
    echo
    echo "| workload | PyTorch ms/iter | ember ms/iter | ember / PyTorch | PyTorch peak RSS MiB | ember peak RSS MiB | baseline ms/iter | ember / baseline |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
else
    echo "| workload | PyTorch ms/iter | ember ms/iter | ember / PyTorch | PyTorch peak RSS MiB | ember peak RSS MiB |"
    echo "| --- | --- | --- | --- | --- | --- |"
fi
printf '%s\n' "${rows[@]}"
