"""``torch.optim``: optimizers whose steps run in the engine, and learning-rate schedulers.

The optimizers have PyTorch's constructors, ``param_groups`` dicts, ``state``,
``state_dict()``/``load_state_dict()`` and printed form; each ``step()`` runs the engine's
implementation of PyTorch's single-tensor algorithm. ``lr_scheduler`` has PyTorch's
schedulers, computing the same rates from the same group dicts.
"""

from . import lr_scheduler  # noqa: F401
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .nadam import NAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "AdamW",
    "NAdam",
    "Optimizer",
    "RMSprop",
    "SGD",
    "lr_scheduler",
]

# PyTorch optimizers ember does not have: a clear error instead of a bare AttributeError.
_MISSING = ("ASGD", "LBFGS", "RAdam", "Rprop", "SparseAdam", "Adafactor", "Muon")


def __getattr__(name):
    import ember

    prefix = ember._prefix()
    if name in _MISSING:
        raise AttributeError(
            f"{prefix}.optim.{name} is not implemented in ember "
            f"(it has {', '.join(__all__[:-1])})"
        )
    raise AttributeError(f"module '{prefix}.optim' has no attribute '{name}'")
