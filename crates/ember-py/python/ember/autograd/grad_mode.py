"""Grad mode and anomaly detection as context managers."""

from .. import _C
from .. import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: F401


class set_detect_anomaly:
    """``torch.autograd.set_detect_anomaly(mode)``: on now; as a context manager, restored
    on exit."""

    def __init__(self, mode, check_nan=True):
        self._prev = _C.is_anomaly_enabled()
        _C._set_detect_anomaly(bool(mode), check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _C._set_detect_anomaly(self._prev, True)
        return False


class detect_anomaly:
    """``with torch.autograd.detect_anomaly():`` — backward names the forward op that made a NaN."""

    def __init__(self, check_nan=True):
        self._check_nan = check_nan

    def __enter__(self):
        self._prev = _C.is_anomaly_enabled()
        _C._set_detect_anomaly(True, self._check_nan)
        return self

    def __exit__(self, *exc):
        _C._set_detect_anomaly(self._prev, True)
        return False
