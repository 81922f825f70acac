"""``torch.utils.data._utils.collate``: how the DataLoader turns a list of samples into a
batch (``default_collate``) or converts one sample (``default_convert``), with PyTorch's
rules: tensors are stacked, NumPy arrays and numbers become tensors (``float`` → float64,
``int`` → int64, ``bool`` → bool), strings and bytes stay as they are, and mappings,
namedtuples and sequences are collated field by field."""

import collections.abc
import copy
import re

import numpy as np

from .... import Tensor, as_tensor, float64, stack, tensor

#: NumPy dtype codes of strings and objects, which no tensor can hold.
np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _rebuild_mapping(data, values):
    """A mapping of ``data``'s type holding ``values`` (a dict in ``data``'s key order), as
    PyTorch rebuilds one: a copy updated in place when mutable, else the type called on a
    dict, else a plain dict."""
    try:
        if isinstance(data, collections.abc.MutableMapping):
            clone = copy.copy(data)
            clone.update(values)
            return clone
        return type(data)(values)
    except TypeError:
        return values


def _rebuild_sequence(data, values):
    """A sequence of ``data``'s type holding ``values`` (a list), rebuilt as PyTorch does."""
    try:
        if isinstance(data, collections.abc.MutableSequence):
            clone = copy.copy(data)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(data)(values)
    except TypeError:
        return values


def default_convert(data):
    """Converts one sample: NumPy arrays and scalars (not strings or objects) to tensors,
    recursively inside mappings, namedtuples and sequences (tuples become lists, as in
    PyTorch); anything else is returned unchanged. The DataLoader's ``collate_fn`` when
    automatic batching is off (``batch_size=None``)."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if elem_type.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        # Through an array: ember's as_tensor reads a NumPy scalar as a Python number.
        return as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def collate(batch, *, collate_fn_map=None):
    """Collates ``batch`` (a list of samples of one structure): the function that
    ``collate_fn_map`` registers for the samples' type (or a base of it, in the map's
    order) when there is one, else mappings, namedtuples and sequences field by field.

    Raises ``RuntimeError`` when the sequences differ in length and ``TypeError`` for a type
    it cannot collate, with PyTorch's messages."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        values = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
        return _rebuild_mapping(elem, values)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        elem_size = len(elem)
        if not all(len(e) == elem_size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        # Each field's samples go on as a tuple, as PyTorch's transposition gives them.
        values = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return values
        return _rebuild_sequence(elem, values)
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Tensors: stacked along a new first dimension."""
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    """NumPy arrays: as tensors, then collated (stacked)."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    """NumPy scalars: one tensor of their dtype."""
    return as_tensor(np.array(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    """Python floats: a float64 tensor."""
    return tensor(batch, dtype=float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    """Python ints (int64) and bools (bool)."""
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    """Strings and bytes: the list as it is."""
    return batch


#: The collate function of each type ``default_collate`` handles; extend it to teach
#: ``default_collate`` a type of your own.
default_collate_fn_map = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Puts a list of samples into a batch with a new first dimension, as PyTorch's
    ``default_collate``: tensors are stacked; NumPy arrays and scalars become tensors;
    ``float`` → float64, ``int`` → int64 and ``bool`` → bool tensors; ``str``/``bytes``
    lists stay; ``Mapping``, namedtuple and ``Sequence`` samples are collated per field
    (tuples give lists).

    >>> default_collate([(0, 1.5), (2, 3.5)])
    [tensor([0, 2]), tensor([1.5000, 3.5000], dtype=torch.float64)]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
