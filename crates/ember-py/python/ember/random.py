"""``torch.random``: the default generator's seed and state, and ``fork_rng``."""

import contextlib

from . import Generator, cuda, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed",
           "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Restores the default generator's state when the block ends, so random draws inside it
    leave the stream where it was (``enabled=False``: does nothing). ember can save the CPU
    generator only: with CUDA devices to fork (``devices``, or every device when ``None``) it
    raises ``NotImplementedError``."""
    if not enabled:
        yield
        return
    devices = list(range(cuda.device_count())) if devices is None else list(devices)
    if devices:
        raise NotImplementedError(
            f"ember: {_caller} cannot save the {device_type} generators' states; pass {_devices_kw}=[] to fork "
            "the CPU generator only"
        )
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
