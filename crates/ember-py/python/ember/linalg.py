"""``torch.linalg``: inverse, determinant, solve, Cholesky, norms."""

from . import Tensor as _Tensor
from ._C import LinAlgError  # noqa: F401


def inv(A, *, out=None):
    """``torch.linalg.inv``."""
    return A.inverse()


def det(A, *, out=None):
    """``torch.linalg.det``."""
    return A.det()


def solve(A, B, *, left=True, out=None):
    """``torch.linalg.solve(A, B)``."""
    return _Tensor._linalg_solve(A, B)


def cholesky(A, *, upper=False, out=None):
    """``torch.linalg.cholesky``."""
    return _Tensor._linalg_cholesky(A, upper)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """``torch.linalg.vector_norm``."""
    return x.norm(p=ord, dim=dim, keepdim=keepdim, dtype=dtype)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """``torch.linalg.norm``: the vector 2-norm or the Frobenius norm by default."""
    return A.norm(p=2 if ord is None else ord, dim=dim, keepdim=keepdim, dtype=dtype)
