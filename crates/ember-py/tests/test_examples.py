"""The Python examples run as a user runs them: in a fresh interpreter, from the command line."""

import pathlib
import re
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def test_digits_example_trains_and_reports(tmp_path):
    # Two epochs of PyTorch's MNIST example on the shipped digits; the full 14 epochs reach
    # 0.9798, as the Rust example does (README).
    plot = tmp_path / "digits.png"
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "digits.py"), "--epochs", "2", "--plot", str(plot), "--save-model"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert re.fullmatch(r"test accuracy: 0\.\d{4}", lines[-1]), lines[-1]
    assert float(lines[-1].split()[-1]) > 0.85
    assert sum("Test set: Average loss:" in line for line in lines) == 2
    # A PNG with matplotlib, else the SVG fallback.
    written = [p for p in (plot, plot.with_suffix(".svg")) if p.exists()]
    assert written and written[0].stat().st_size > 500
    assert (tmp_path / "digits_cnn.pt").stat().st_size > 100_000
