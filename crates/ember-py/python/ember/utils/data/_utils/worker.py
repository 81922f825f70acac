"""The DataLoader's worker threads: the loop each runs, what ``get_worker_info()`` tells
the code running in one, and how an exception travels back to the main thread.

Note [Thread workers]
PyTorch's workers are processes, each with a pickled copy of the dataset and its own
random state. ember's are threads of the same process: ember's kernels release the GIL, a
Python dataset needs no pickling, and a worker starts in no time. What a process gave for
free is kept here on purpose:

* Random numbers: each worker thread draws from a generator of its own, seeded with
  ``base_seed + worker_id`` (``_C._run_seeded``), as a worker process's
  ``torch.manual_seed(base_seed + worker_id)``; the main thread's stream does not move, and
  ``torch.manual_seed`` called in a worker reseeds that worker's stream only. Python's
  ``random`` and NumPy's global state are shared by all threads, so they are not reseeded
  (that would move the main thread's); ``get_worker_info().rng`` holds a ``random.Random``
  and a NumPy ``Generator`` seeded per worker instead, as PyTorch's own thread workers do.
* The dataset: an ``IterableDataset`` is shallow-copied for each worker, so a
  ``worker_init_fn`` or ``__iter__`` that sets attributes on ``get_worker_info().dataset``
  (PyTorch's documented way to shard a stream) changes that worker's copy only. A map-style
  dataset is shared; its ``__getitem__`` may run on several threads at once.
"""

import queue
import random
import sys
import threading
import traceback
from dataclasses import dataclass

from .... import _C, Generator

#: How often (seconds) a waiting worker or main thread checks whether it should stop.
MP_STATUS_CHECK_INTERVAL = 5.0

_local = threading.local()


@dataclass(frozen=True)
class _RNG:
    """The random generators of one worker thread, seeded from its seed."""

    random_generator: random.Random
    torch_generator: Generator
    numpy_generator: object = None


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns in a worker: its ``id`` (0 to ``num_workers - 1``),
    ``num_workers``, its ``seed``, the ``dataset`` it loads from, its ``rng`` and
    ``worker_method`` (``"thread"``: see Note [Thread workers])."""

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: _RNG = None
    worker_method: str = "thread"


def get_worker_info():
    """The ``WorkerInfo`` of the DataLoader worker this code runs in, or ``None`` in the main
    thread (or any thread that is not a worker)."""
    return getattr(_local, "info", None)


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's iterable dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """A persistent worker starts a new epoch."""

    seed: object = None


class KeyErrorMessage(str):
    """A ``KeyError`` message shown as it is (``KeyError`` would ``repr`` it)."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main thread and raised there again
    as PyTorch does: the same type, the message ``Caught X in DataLoader worker process N``
    followed by the worker's traceback; the original exception is its ``__cause__``."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where
        self.original = exc_info[1]

    def reraise(self):
        """Raises the exception again in the calling thread."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg) from self.original
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from self.original
        raise exception from self.original


def _generate_state(base_seed, worker_id):
    """NumPy's seed words for a worker (PyTorch's ``_generate_state``: SeedSequence's hash
    of the worker id and the base seed)."""
    mask = 0xFFFFFFFF
    mult_a, mult_b = 0x931E8875, 0x58F38DED
    hash_a = [0x43B0D7E5]

    def hash_(value):
        value = (value ^ hash_a[0]) & mask
        hash_a[0] = (hash_a[0] * mult_a) & mask
        value = (value * hash_a[0]) & mask
        return (value ^ (value >> 16)) & mask

    def mix(x, y):
        r = ((0xCA01F9DD * x) & mask) - ((0x4973F715 * y) & mask)
        r &= mask
        return (r ^ (r >> 16)) & mask

    entropy = [worker_id, base_seed & mask, base_seed >> 32, 0]
    pool = [hash_(e) for e in entropy]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    hash_b = 0x8B51F9DD
    state = []
    for v in pool:
        v = (v ^ hash_b) & mask
        hash_b = (hash_b * mult_b) & mask
        v = (v * hash_b) & mask
        state.append((v ^ (v >> 16)) & mask)
    return state


def _worker_rng(base_seed, worker_id, seed):
    import numpy as np

    return _RNG(
        random_generator=random.Random(seed),
        torch_generator=Generator().manual_seed(seed),
        numpy_generator=np.random.default_rng(_generate_state(base_seed, worker_id)),
    )


def _worker_loop(kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers):
    """A worker thread's life: fetches the batches whose indices arrive on ``index_queue``
    and puts ``(task index, batch or ExceptionWrapper)`` on ``data_queue`` until ``None``
    arrives or ``done_event`` is set. It holds no reference to the iterator that started
    it, so dropping the iterator shuts the workers down."""
    from ..dataloader import _DatasetKind

    seed = base_seed + worker_id

    def loop():
        _local.info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset,
                                 rng=_worker_rng(base_seed, worker_id, seed))
        try:
            _serve(kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn,
                   drop_last, init_fn, worker_id, _DatasetKind)
        finally:
            _local.info = None

    _C._run_seeded(seed, loop)


def _serve(kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn, drop_last,
           init_fn, worker_id, _DatasetKind):
    where = f"in DataLoader worker process {worker_id}"
    init_exception = None
    fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = _DatasetKind.create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_exception = ExceptionWrapper(where=where)
    iteration_end = False
    while not done_event.is_set():
        try:
            r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
        except queue.Empty:
            continue
        if r is None:
            break
        if isinstance(r, _ResumeIteration):
            iteration_end = False
            try:
                fetcher = _DatasetKind.create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last)
            except Exception:
                init_exception = ExceptionWrapper(where=where)
            data_queue.put((r, None))
            continue
        if iteration_end:
            continue
        idx, index = r
        if init_exception is not None:
            data, init_exception = init_exception, None
        else:
            try:
                data = fetcher.fetch(index)
            except Exception as e:
                if isinstance(e, StopIteration) and kind == _DatasetKind.Iterable:
                    data = _IterableDatasetStopIteration(worker_id)
                    iteration_end = True
                else:
                    data = ExceptionWrapper(where=where)
        data_queue.put((idx, data))
        del data, idx, index, r
