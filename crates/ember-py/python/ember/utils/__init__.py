"""``torch.utils``."""

from . import data  # noqa: F401
from . import hooks  # noqa: F401
