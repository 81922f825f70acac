"""``torchvision`` on ember (``import torchvision`` after ``ember.install_as_torch()``): the
transforms and datasets of image pipelines, without PIL. Where torchvision gives a PIL
image, ember gives a uint8 tensor ``[H, W]`` (or ``[H, W, C]``), which ``ToTensor`` takes
as it takes a PIL image."""

from . import datasets, transforms  # noqa: F401
