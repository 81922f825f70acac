"""``torch.optim.Optimizer``: the base class, with PyTorch's Python API.

:class:`Optimizer` is PyTorch's base class as it is: parameter groups are plain dicts,
``state`` maps each parameter to a dict, ``state_dict()`` numbers parameters across groups.
Python subclasses written for PyTorch (with their own ``step``) work on it unchanged.

The built-in optimizers (:class:`ember.optim.SGD`, ``Adam``, ...) derive from
:class:`_EngineOptimizer`: the arithmetic of ``step()`` runs in the engine, which keeps each
parameter's state. The group dicts stay the truth for the options (a write to
``group["lr"]`` takes effect at the next step); ``state`` is a view of the engine's state
whose tensors share memory with it.
"""

import functools
import itertools
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy

import ember as torch
from ember import _C

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Singleton for a required optimizer parameter (``torch.optim.optimizer.required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class _RemovableHandle:
    """A handle that removes the hook it was returned for (PyTorch's ``RemovableHandle``)."""

    _next_id = 0

    def __init__(self, hooks_dict):
        self.hooks_dict_ref = hooks_dict
        self.id = _RemovableHandle._next_id
        _RemovableHandle._next_id += 1

    def remove(self):
        self.hooks_dict_ref.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.remove()


_global_optimizer_pre_hooks = OrderedDict()
_global_optimizer_post_hooks = OrderedDict()


def register_optimizer_step_pre_hook(hook):
    """Registers ``hook(optimizer, args, kwargs)`` to run before every optimizer's step."""
    handle = _RemovableHandle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook):
    """Registers ``hook(optimizer, args, kwargs)`` to run after every optimizer's step."""
    handle = _RemovableHandle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


def _use_grad_for_differentiable(func):
    """Runs ``step`` with grad mode set to the optimizer's ``differentiable`` default."""

    @functools.wraps(func)
    def _use_grad(self, *args, **kwargs):
        prev = torch.is_grad_enabled()
        try:
            torch.set_grad_enabled(self.defaults["differentiable"])
            return func(self, *args, **kwargs)
        finally:
            torch.set_grad_enabled(prev)

    return _use_grad


def _get_scalar_dtype(is_fused=None):
    if is_fused:
        return torch.float32
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def _to_scalar(x):
    if isinstance(x, torch.Tensor) and x.dim() != 0:
        return x.squeeze()
    return x


def _get_value(x):
    return x.item() if isinstance(x, torch.Tensor) else x


def _typename(obj):
    return torch.typename(obj)


class Optimizer:
    r"""Base class for all optimizers.

    Args:
        params (iterable): an iterable of :class:`torch.Tensor` s or :class:`dict` s.
            Specifies what Tensors should be optimized.
        defaults: (dict): a dict containing default values of optimization options (used
            when a parameter group doesn't specify them).
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()

        self._patch_step_function()

        if isinstance(params, torch.Tensor):
            raise TypeError(
                "params argument given to the optimizer should be "
                "an iterable of Tensors or dicts, but got " + _typename(params)
            )
        elif isinstance(params, set):
            warnings.warn(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a "
                "list instead. This will be an error in a future release.",
                FutureWarning,
                stacklevel=2,
            )

        self.state = defaultdict(dict)
        self.param_groups = []

        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]

        for param_group in param_groups:
            self.add_param_group(param_group)

        self._warned_capturable_if_run_uncaptured = True

    def __getstate__(self):
        return {
            "defaults": self.defaults,
            "state": self.state,
            "param_groups": self.param_groups,
        }

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        format_string = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            format_string += "\n"
            format_string += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    format_string += f"    {key}: {group[key]}\n"
        format_string += ")"
        return format_string

    # ---- step hooks

    def _optimizer_step_code(self):
        """Entry point for profilers (PyTorch's); does nothing."""

    @staticmethod
    def profile_hook_step(func):
        """Wraps a ``step`` so the optimizer's and the global step hooks run around it."""

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            self = args[0]
            if _global_optimizer_pre_hooks or self._optimizer_step_pre_hooks:
                for pre_hook in itertools.chain(
                    _global_optimizer_pre_hooks.values(),
                    self._optimizer_step_pre_hooks.values(),
                ):
                    result = pre_hook(self, args, kwargs)
                    if result is not None:
                        if isinstance(result, tuple) and len(result) == 2:
                            args, kwargs = result
                        else:
                            raise RuntimeError(
                                f"{func} must return None or a tuple of (new_args, new_kwargs), "
                                f"but got {result}."
                            )
            out = func(*args, **kwargs)
            if self._optimizer_step_post_hooks or _global_optimizer_post_hooks:
                for post_hook in itertools.chain(
                    self._optimizer_step_post_hooks.values(),
                    _global_optimizer_post_hooks.values(),
                ):
                    post_hook(self, args, kwargs)
            return out

        return wrapper

    def _patch_step_function(self):
        self._zero_grad_profile_name = (
            f"Optimizer.zero_grad#{self.__class__.__name__}.zero_grad"
        )
        hooked = getattr(self.__class__.step, "hooked", None)
        if not hooked:
            self.__class__.step = self.profile_hook_step(self.__class__.step)
            self.__class__.step.hooked = True

    def register_step_pre_hook(self, hook):
        """Registers ``hook(optimizer, args, kwargs)`` to run before this optimizer's step;
        it may return new ``(args, kwargs)``."""
        handle = _RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        """Registers ``hook(optimizer, args, kwargs)`` to run after this optimizer's step."""
        handle = _RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    def _register(self, hooks, hook, prepend):
        handle = _RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Registers ``hook(optimizer)`` to run before ``state_dict()``."""
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Registers ``hook(optimizer, state_dict)`` to run after ``state_dict()``; it may
        return a new state dict."""
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Registers ``hook(optimizer, state_dict)`` to run before ``load_state_dict()``; it
        may return the state dict to load."""
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Registers ``hook(optimizer)`` to run after ``load_state_dict()``."""
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ---- state dicts

    def _pack_groups(self):
        """The groups with parameter ids for tensors, and the id of each parameter."""
        param_mappings = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            param_mappings.update(
                {
                    id(p): i
                    for i, p in enumerate(group["params"], start_index)
                    if id(p) not in param_mappings
                }
            )
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        return [pack_group(g) for g in self.param_groups], param_mappings

    def _packed_state(self, param_mappings):
        return {
            (param_mappings[id(k)] if isinstance(k, torch.Tensor) else k): v
            for k, v in self.state.items()
        }

    def state_dict(self):
        r"""Returns the state of the optimizer as a :class:`dict`: ``state`` maps parameter
        ids (positions across groups) to their state, ``param_groups`` holds each group's
        options and the ids of its parameters."""
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        param_groups, param_mappings = self._pack_groups()
        state_dict = {
            "state": self._packed_state(param_mappings),
            "param_groups": param_groups,
        }
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            hook_result = post_hook(self, state_dict)
            if hook_result is not None:
                state_dict = hook_result
        return state_dict

    @staticmethod
    def _process_value_according_to_param_policy(param, value, param_id, param_groups, key=None):
        fused = False
        capturable = False
        for pg in param_groups:
            if param_id in pg["params"]:
                fused = pg.get("fused", False)
                capturable = pg.get("capturable", False)
                break
        if key == "step":
            if capturable or fused:
                return value.to(dtype=torch.float32, device=param.device)
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)

    def _check_and_map(self, state_dict):
        """PyTorch's checks of a state dict to load; returns the deep-copied saved groups
        and the map from saved ids to parameters."""
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        param_lens = [len(g["params"]) for g in groups]
        saved_lens = [len(g["params"]) for g in saved_groups]
        if any(p_len != s_len for p_len, s_len in zip(param_lens, saved_lens)):
            raise ValueError(
                "loaded state dict contains a parameter group "
                "that doesn't match the size of optimizer's group"
            )
        id_map = dict(
            zip(
                itertools.chain.from_iterable(g["params"] for g in saved_groups),
                itertools.chain.from_iterable(g["params"] for g in groups),
            )
        )

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        return param_groups, id_map

    def _cast(self, param, value, param_id, param_groups, key=None):
        """A deep copy of ``value`` with its tensors cast to ``param``'s dtype and device."""
        if isinstance(value, torch.Tensor):
            return Optimizer._process_value_according_to_param_policy(
                param, value, param_id, param_groups, key
            )
        if isinstance(value, dict):
            return {
                k: self._cast(param, v, param_id, param_groups, key=k)
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple, set)):
            return type(value)(self._cast(param, v, param_id, param_groups) for v in value)
        return value

    def load_state_dict(self, state_dict):
        r"""Loads the optimizer state saved by :meth:`state_dict`."""
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            hook_result = pre_hook(self, state_dict)
            if hook_result is not None:
                state_dict = hook_result
        param_groups, id_map = self._check_and_map(state_dict)
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = self._cast(param, v, k, state_dict["param_groups"])
            else:
                state[k] = v
        self.__setstate__({"state": state, "param_groups": param_groups})
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)

    # ---- the training-loop calls

    def zero_grad(self, set_to_none=True):
        r"""Resets the gradients of all optimized tensors: to ``None`` (the default), or to
        zeros in place when ``set_to_none=False``."""
        _C._optim.zero_grad(self.param_groups, set_to_none)

    def step(self, closure=None):
        r"""Performs a single optimization step (a subclass's job)."""
        raise NotImplementedError

    def add_param_group(self, param_group):
        r"""Adds a param group to the :class:`Optimizer` s ``param_groups``; options it does
        not give take the optimizer's defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")

        params = param_group["params"]
        if isinstance(params, torch.Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a list "
                "instead."
            )
        else:
            param_group["params"] = list(params)

        extracted_param_tensors = []
        extracted_param_names = []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                extracted_param_names.append(param[0])
                extracted_param_tensors.append(param[1])
            else:
                extracted_param_tensors.append(param)

        param_group["params"] = extracted_param_tensors
        if len(extracted_param_names) != 0:
            if len(extracted_param_names) == len(extracted_param_tensors):
                param_group["param_names"] = extracted_param_names
            else:
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                )

        for param in param_group["params"]:
            if not isinstance(param, torch.Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, "
                    "but one of the params is " + _typename(param)
                )
            if not self.defaults.get("differentiable", None) and not (
                param.is_leaf or param.retains_grad
            ):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {name}"
                )
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )

        param_set = set()
        for group in self.param_groups:
            param_set.update(set(group["params"]))
            if ("param_names" in param_group) != ("param_names" in group):
                current_group_txt = (
                    "with names" if "param_names" in param_group else "without names"
                )
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {current_group_txt} to the optimizer"
                )

        if not param_set.isdisjoint(set(param_group["params"])):
            raise ValueError("some parameters appear in more than one parameter group")

        self.param_groups.append(param_group)


# --------------------------------------------------------------------------- engine-backed

class _ParamState(dict):
    """``optimizer.state[p]`` of an engine optimizer: a dict whose writes go to the engine
    (entries the engine does not keep are kept beside it, as PyTorch keeps any entry)."""

    __slots__ = ("_opt", "_param")

    def __init__(self, opt, param, items):
        super().__init__(items)
        self._opt = opt
        self._param = param

    def _push(self):
        self._opt._write_state(self._param, dict(self))

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._push()

    def __delitem__(self, key):
        super().__delitem__(key)
        self._push()

    def update(self, *args, **kwargs):
        super().update(*args, **kwargs)
        self._push()

    def setdefault(self, key, default=None):
        if key in self:
            return self[key]
        self[key] = default
        return default

    def pop(self, key, *default):
        r = super().pop(key, *default)
        self._push()
        return r

    def popitem(self):
        r = super().popitem()
        self._push()
        return r

    def clear(self):
        super().clear()
        self._push()

    def __reduce__(self):
        return (dict, (dict(self),))

    def __deepcopy__(self, memo):
        return deepcopy(dict(self), memo)

    def copy(self):
        return dict(self)


class _EngineState:
    """``optimizer.state`` of an engine optimizer: PyTorch's ``defaultdict(dict)`` from
    parameter to its state, read from (and written to) the engine. Tensors in it share
    memory with the engine's state; ``step`` and ``mu_product`` are read as new 0-dim
    tensors each time."""

    __slots__ = ("_opt",)

    def __init__(self, opt):
        self._opt = opt

    def _items(self):
        opt = self._opt
        return opt._engine_items()

    def __getitem__(self, key):
        opt = self._opt
        if isinstance(key, torch.Tensor):
            i = opt._index_of(key)
            if i is not None:
                return opt._cached(key, opt._read_state(key, i))
        extras = opt._state_extras
        if key not in extras:
            extras[key] = {}
        return extras[key]

    def __setitem__(self, key, value):
        self._opt._write_state(key, dict(value))

    def __delitem__(self, key):
        if key not in self:
            raise KeyError(key)
        self._opt._write_state(key, {})

    def __contains__(self, key):
        return any(k is key for k, _ in self._items())

    def __iter__(self):
        return iter([k for k, _ in self._items()])

    def __len__(self):
        return len(self._items())

    def __bool__(self):
        return len(self) > 0

    def keys(self):
        return [k for k, _ in self._items()]

    def values(self):
        return [v for _, v in self._items()]

    def items(self):
        return self._items()

    def get(self, key, default=None):
        return self[key] if key in self else default

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = {} if default is None else default
        return self[key]

    def pop(self, key, *default):
        if key in self:
            v = dict(self[key])
            del self[key]
            return v
        if default:
            return default[0]
        raise KeyError(key)

    def clear(self):
        for k in self.keys():
            del self[k]

    def update(self, other=(), **kw):
        items = other.items() if hasattr(other, "items") else other
        for k, v in itertools.chain(items, kw.items()):
            self[k] = v

    def copy(self):
        return defaultdict(dict, {k: dict(v) for k, v in self._items()})

    def __eq__(self, other):
        return dict(self._items()) == other

    __hash__ = None

    def __repr__(self):
        return repr(defaultdict(dict, {k: dict(v) for k, v in self._items()}))

    def __reduce__(self):
        return (defaultdict, (dict, {k: dict(v) for k, v in self._items()}))

    def __deepcopy__(self, memo):
        return deepcopy(defaultdict(dict, {k: dict(v) for k, v in self._items()}), memo)


class _EngineOptimizer(Optimizer):
    """An optimizer whose ``step`` runs the engine's algorithm ``_algorithm``.

    Subclasses name the algorithm, the order in which PyTorch creates the state entries
    (``_state_keys``), the options PyTorch's ``__setstate__`` fills in for old state dicts
    (``_group_setdefaults``) and those it forces (``_group_forced``)."""

    _algorithm = None
    _state_keys = ()
    _group_setdefaults = {}
    _group_forced = {}

    def __init__(self, params, defaults):
        self.__dict__["_engine"] = None
        self._state_extras = {}
        super().__init__(params, defaults)
        self._engine = _C._optim.Engine(self._algorithm, type(self).__name__, self.defaults)
        self._engine.sync_groups(self.param_groups)

    # `state` is a view of the engine's state (the base class assigns a defaultdict first).
    @property
    def state(self):
        return _EngineState(self)

    @state.setter
    def state(self, value):
        if self.__dict__.get("_engine") is None:
            return
        self._load_state({k: dict(v) for k, v in value.items()})

    def _params(self):
        return [p for g in self.param_groups for p in g["params"]]

    def _index_of(self, param):
        for i, p in enumerate(self._params()):
            if p is param:
                return i
        return None

    def _order(self, d):
        keys = self._state_keys
        ordered = {k: d[k] for k in keys if k in d}
        for k, v in d.items():
            if k not in ordered:
                ordered[k] = v
        return ordered

    def _cached(self, param, fresh):
        """The parameter's state dict, refreshed with ``fresh``: the same dict object at
        every read, and the same tensor objects while the engine's tensors are the same
        memory (so ``state[p] is state[p]``, as in PyTorch). Scalar state (``step``) is
        copied into the tensor handed out before."""
        cache = self.__dict__.setdefault("_state_cache", {})
        ps = cache.get(param)
        if ps is None:
            ps = cache[param] = _ParamState(self, param, ())
        for k, v in fresh.items():
            old = dict.get(ps, k)
            if isinstance(v, torch.Tensor) and isinstance(old, torch.Tensor):
                if (old.data_ptr() == v.data_ptr() and old.shape == v.shape
                        and old.dtype == v.dtype and old.stride() == v.stride()):
                    fresh[k] = old
                elif old.dim() == 0 and v.dim() == 0 and old.dtype == v.dtype:
                    with torch.no_grad():
                        old.copy_(v)
                    fresh[k] = old
        dict.clear(ps)
        dict.update(ps, fresh)
        return ps

    def _read_state(self, param, index):
        st = self._engine.state(self.param_groups, index) or {}
        extra = self._state_extras.get(param)
        if extra:
            st = dict(st, **extra)
        return self._order(st)

    def _engine_items(self):
        states = self._engine.states(self.param_groups)
        out, seen = [], set()
        for i, p in enumerate(self._params()):
            if id(p) in seen:
                continue
            seen.add(id(p))
            st = dict(states.get(i, {}))
            extra = self._state_extras.get(p)
            if extra:
                st.update(extra)
            if st or p in self._state_extras:
                out.append((p, self._cached(p, self._order(st))))
        for k, v in self._state_extras.items():
            if not (isinstance(k, torch.Tensor) and self._index_of(k) is not None):
                out.append((k, v))
        return out

    def _write_state(self, param, st):
        """Sets ``param``'s whole state: entries the engine keeps go to it, others beside."""
        i = self._index_of(param) if isinstance(param, torch.Tensor) else None
        if i is None:
            self._state_extras[param] = st
            return
        known = set(self._state_keys)
        engine = {k: v for k, v in st.items() if k in known and v is not None}
        extra = {k: v for k, v in st.items() if k not in known}
        if extra:
            self._state_extras[param] = extra
        else:
            self._state_extras.pop(param, None)
        self._engine.set_state(self.param_groups, i, engine or None)

    def _load_state(self, state):
        """Replaces every parameter's state with ``state`` (parameter -> dict)."""
        self._state_extras = {}
        for i, p in enumerate(self._params()):
            self._engine.set_state(self.param_groups, i, None)
        for k, v in state.items():
            self._write_state(k, v)

    def __getstate__(self):
        return {
            "defaults": self.defaults,
            "state": defaultdict(dict, {k: dict(v) for k, v in self._engine_items()}),
            "param_groups": self.param_groups,
        }

    def __setstate__(self, state):
        state = dict(state)
        st = state.pop("state", None)
        super().__setstate__(state)
        if "_state_extras" not in self.__dict__:
            self._state_extras = {}
        for group in self.param_groups:
            for k, v in self._group_setdefaults.items():
                group.setdefault(k, v)
            group.update(self._group_forced)
        if self.__dict__.get("_engine") is None:
            self._engine = _C._optim.Engine(self._algorithm, type(self).__name__, self.defaults)
        self._engine.sync_groups(self.param_groups)
        if st is not None:
            self._load_state(st)

    def state_dict(self):
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        param_groups, param_mappings = self._pack_groups()
        packed = {}
        for k, v in self._engine_items():
            packed[param_mappings[id(k)] if isinstance(k, torch.Tensor) else k] = dict(v)
        state_dict = {"state": packed, "param_groups": param_groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            hook_result = post_hook(self, state_dict)
            if hook_result is not None:
                state_dict = hook_result
        return state_dict

    def step(self, closure=None):
        """Performs a single optimization step; ``closure`` (re-evaluating the model and
        returning the loss) is called first, with grad mode on, and its value returned."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self._engine.step(self.param_groups)
        return loss
