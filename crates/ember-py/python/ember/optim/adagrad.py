"""``torch.optim.Adagrad``, run by the engine."""

import ember as torch
from ember import Tensor

from .optimizer import _EngineOptimizer, _get_scalar_dtype

__all__ = ["Adagrad"]


class Adagrad(_EngineOptimizer):
    r"""Implements the Adagrad algorithm, as ``torch.optim.Adagrad`` (its single-tensor
    algorithm). As in PyTorch, every parameter's state (``step`` and ``sum``) exists from
    construction."""

    _algorithm = "Adagrad"
    _state_keys = ("step", "sum")
    _group_setdefaults = {
        "foreach": None,
        "maximize": False,
        "differentiable": False,
        "fused": None,
    }

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")

        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)

        for group in self.param_groups:
            for p in group["params"]:
                self._write_state(p, self._initial_state(p, initial_accumulator_value))

    @staticmethod
    def _initial_state(p, value):
        return {
            "step": torch.tensor(0.0, dtype=_get_scalar_dtype()),
            "sum": torch.full_like(p, value),
        }

    def _init_late_params(self):
        # Parameters added after construction get their state at their first step, filled
        # with the *default* initial_accumulator_value (PyTorch's `_init_group`); the engine
        # would use the group's, so a group that overrides it is initialised here.
        default = self.defaults["initial_accumulator_value"]
        for group in self.param_groups:
            if group["initial_accumulator_value"] == default:
                continue
            for p in group["params"]:
                if p.grad is not None and self._engine.state(
                    self.param_groups, self._index_of(p)
                ) is None:
                    self._write_state(p, self._initial_state(p, default))

    def step(self, closure=None):
        """Performs a single optimization step; ``closure`` (re-evaluating the model and
        returning the loss) is called first, with grad mode on, and its value returned."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if len(self.param_groups) > 1:
            self._init_late_params()
        self._engine.step(self.param_groups)
        return loss
