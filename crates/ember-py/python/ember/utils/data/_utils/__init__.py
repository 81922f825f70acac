"""Helpers of the DataLoader: collation, fetching, and the worker threads."""

from . import collate, fetch, worker  # noqa: F401
from .worker import MP_STATUS_CHECK_INTERVAL, ExceptionWrapper  # noqa: F401
