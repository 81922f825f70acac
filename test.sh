#!/usr/bin/env bash
# Runs every test of the project: the Rust workspace's (`cargo test`), then the Python
# package's: builds `crates/ember-py` into a virtualenv with maturin and runs its pytest suite.
# Needs only the Rust toolchain and Python 3 (pip fetches maturin, numpy and pytest).
set -euo pipefail
cd "$(dirname "$0")"
# A one-off build gains nothing from incremental caches; they cost disk and time.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

cargo test --workspace

venv="${EMBER_VENV:-target/py-venv}"
case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# maturin's build hook runs `maturin` from PATH.
export PATH="$venv/bin:$PATH"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q "maturin>=1.9,<2" numpy pytest
# The package itself, built in release mode (the seed tutorials train real networks).
"$venv/bin/python" -m pip install -q --no-build-isolation --force-reinstall --no-deps ./crates/ember-py

cd crates/ember-py/tests
set +e
"$venv/bin/python" -m pytest -q
rc=$?
set -e
# pytest's 5 means "no tests collected": that must not pass silently.
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
