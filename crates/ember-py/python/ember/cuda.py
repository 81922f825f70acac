"""``torch.cuda``: whether a CUDA device is there, and its memory statistics."""

from ._C import _cuda as _c

is_available = _c.is_available
device_count = _c.device_count
synchronize = _c.synchronize
manual_seed = _c.manual_seed
manual_seed_all = _c.manual_seed_all
memory_allocated = _c.memory_allocated
max_memory_allocated = _c.max_memory_allocated
memory_reserved = _c.memory_reserved
max_memory_reserved = _c.max_memory_reserved
empty_cache = _c.empty_cache
reset_peak_memory_stats = _c.reset_peak_memory_stats


def is_initialized():
    return is_available()


def current_device():
    if not is_available():
        raise RuntimeError(
            "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU "
            "and installed a driver from http://www.nvidia.com/Download/index.aspx"
        )
    return 0


def get_device_name(device=None):
    current_device()
    return "CUDA device"
