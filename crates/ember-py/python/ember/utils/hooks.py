"""``torch.utils.hooks``."""

from .._C import RemovableHandle  # noqa: F401
