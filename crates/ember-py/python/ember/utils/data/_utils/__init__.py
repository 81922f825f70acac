"""Helpers of the DataLoader: collation, fetching, and the worker threads."""

import atexit

from . import collate, fetch, worker  # noqa: F401
from .worker import MP_STATUS_CHECK_INTERVAL, ExceptionWrapper  # noqa: F401

#: Set once the interpreter starts exiting: iterators then stop waiting for their workers
#: (daemon threads, which the exit ends anyway).
python_exit_status = False


def _set_python_exit_flag():
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)
