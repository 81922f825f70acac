"""``torchvision.datasets``: ``MNIST`` from its IDX files and ``Digits`` (scikit-learn's
8×8 digits, shipped with ember). Items are ``(image, label)`` as torchvision's, the image a
uint8 tensor where torchvision gives a PIL image (``ToTensor`` takes either). ember never
downloads: the files must be there."""

import os

from .. import _C, uint8

__all__ = ["MNIST", "Digits", "VisionDataset"]


class VisionDataset:
    """The base of the image datasets: ``root``, ``transform`` (for the image) and
    ``target_transform`` (for the label), and torchvision's ``repr``."""

    _repr_indent = 4

    def __init__(self, root=None, transform=None, target_transform=None):
        if isinstance(root, (str, os.PathLike)):
            root = os.path.expanduser(root)
        self.root = root
        self.transform = transform
        self.target_transform = target_transform

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def _item(self, img, target):
        target = int(target)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self):
        """Lines of the ``repr`` after the root (the split, for the datasets that have one)."""
        return ""

    def __repr__(self):
        lines = [f"Number of datapoints: {self.__len__()}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines += self.extra_repr().splitlines()
        if self.transform is not None:
            lines += _format_transform(repr(self.transform), "Transform: ")
        if self.target_transform is not None:
            lines += _format_transform(repr(self.target_transform), "Target transform: ")
        body = [" " * self._repr_indent + line for line in lines]
        return "\n".join([f"Dataset {self.__class__.__name__}"] + body)


def _format_transform(text, head):
    lines = text.splitlines()
    return [f"{head}{lines[0]}"] + ["{}{}".format(" " * len(head), line) for line in lines[1:]]


def _read_idx(path, ndim):
    t = _C._read_idx(os.fspath(path))
    if t.dtype != uint8 or t.ndim != ndim:
        raise RuntimeError(f"{path}: expected a uint8 IDX file of {ndim} dimensions, got {t.dtype} {tuple(t.shape)}")
    return t


class _LabelledImages(VisionDataset):
    """A dataset of ``data`` (uint8 images) and ``targets`` (int64 labels) with a ``train``
    split: what MNIST and Digits share."""

    def __getitem__(self, index):
        return self._item(self.data[index], self.targets[index])

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class MNIST(_LabelledImages):
    """MNIST from the four IDX files under ``root/MNIST/raw`` (as torchvision keeps them:
    ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
    ``t10k-labels-idx1-ubyte``): the 60,000 training images, or the 10,000 test images with
    ``train=False``. ``data`` is a uint8 tensor ``[N, 28, 28]``, ``targets`` int64 ``[N]``;
    an item is ``(uint8 tensor [28, 28], int)`` before the transforms. ``download=True`` is
    accepted when the files are there; ember never downloads, so without them it raises."""

    resources = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if not self._check_exists():
            if download:
                raise RuntimeError(
                    f"ember does not download datasets: put the MNIST files {', '.join(self.resources)} "
                    f"(uncompressed) in {self.raw_folder}"
                )
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        prefix = "train" if train else "t10k"
        self.data = _read_idx(os.path.join(self.raw_folder, f"{prefix}-images-idx3-ubyte"), 3)
        self.targets = _read_idx(os.path.join(self.raw_folder, f"{prefix}-labels-idx1-ubyte"), 1).long()

    @property
    def raw_folder(self):
        """Where the IDX files are: ``root/MNIST/raw``."""
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def class_to_idx(self):
        """Each class name's label."""
        return {c: i for i, c in enumerate(self.classes)}

    def _check_exists(self):
        return all(os.path.isfile(os.path.join(self.raw_folder, f)) for f in self.resources)


class Digits(_LabelledImages):
    """scikit-learn's handwritten digits (1,797 images of 8×8 pixels, labels 0–9), shipped
    with ember (``root`` is not read), as the engine's ``ember::datasets::Digits``: 1,500
    training and 297 test images (``train=False``), split as
    ``random_split(digits, [1500, 297], generator=torch.Generator().manual_seed(0))``
    does (the source's last rows come from writers the first ones never show), and the
    source's 0–16 pixel counts are scaled to 0–255 (``round(v * 255 / 16)``) so the images behave as
    images do (``ToTensor`` maps them to ``[0, 1]``). ``data`` is a uint8 tensor
    ``[N, 8, 8]``, ``targets`` int64 ``[N]``; an item is ``(uint8 tensor [8, 8], int)``
    before the transforms."""

    classes = [str(i) for i in range(10)]

    def __init__(self, root=None, train=True, transform=None, target_transform=None):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        self.data, self.targets = _C._digits(bool(train))

