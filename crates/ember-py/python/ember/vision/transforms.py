"""``torchvision.transforms``: ``ToTensor``, ``Normalize``, ``Compose`` and ``Lambda``, with
torchvision's results, checks and reprs. No PIL: ``ToTensor`` takes NumPy arrays, and uint8
tensors ``[H, W]`` / ``[H, W, C]`` in place of PIL images."""

import numpy as np

from .. import Tensor, as_tensor, from_numpy, get_default_dtype, uint8

__all__ = ["Compose", "Lambda", "Normalize", "ToTensor"]


class Compose:
    """Applies ``transforms`` one after the other."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        lines = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}({lines}\n)"


class ToTensor:
    """An image as a ``[C, H, W]`` tensor: a uint8 image (NumPy array ``[H, W]`` /
    ``[H, W, C]``, or a uint8 tensor of those shapes standing for a PIL image) becomes the
    default float dtype in ``[0, 1]`` (divided by 255); a NumPy array of another dtype keeps
    its dtype and values, as torchvision's does."""

    def __call__(self, pic):
        return to_tensor(pic)

    def __repr__(self):
        return f"{self.__class__.__name__}()"


def to_tensor(pic):
    """``torchvision.transforms.functional.to_tensor`` (see ``ToTensor``)."""
    if isinstance(pic, Tensor):
        if pic.dtype != uint8:
            raise TypeError(
                f"pic should be PIL Image or ndarray. Got {type(pic)} (ember takes uint8 tensors "
                f"[H, W] or [H, W, C] in place of PIL images, not {pic.dtype})"
            )
        img = pic.unsqueeze(-1) if pic.ndim == 2 else pic
        if img.ndim != 3:
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        return img.permute(2, 0, 1).contiguous().to(dtype=get_default_dtype()).div(255)
    if not isinstance(pic, np.ndarray):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if pic.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
    if pic.ndim == 2:
        pic = pic[:, :, None]
    img = from_numpy(np.ascontiguousarray(pic.transpose((2, 0, 1))))
    if img.dtype == uint8:
        return img.to(dtype=get_default_dtype()).div(255)
    return img


class Normalize:
    """``(x - mean) / std`` per channel of a float tensor image ``[..., C, H, W]``; a new
    tensor unless ``inplace``."""

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor):
        return normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self):
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


def normalize(tensor, mean, std, inplace=False):
    """``torchvision.transforms.functional.normalize`` (see ``Normalize``)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(
            f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {tensor.size()}"
        )
    if not inplace:
        tensor = tensor.clone()
    mean = as_tensor(mean, dtype=tensor.dtype, device=tensor.device)
    std = as_tensor(std, dtype=tensor.dtype, device=tensor.device)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


class Lambda:
    """A function of your own as a transform."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{self.__class__.__name__}()"
