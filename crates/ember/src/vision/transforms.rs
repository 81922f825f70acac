//! `torchvision.transforms`: image transforms, composable as [`Transform`] trait objects.

use crate::error::{Result, bail};
use crate::{DType, Tensor};

/// An image transform (`torchvision.transforms`' callables): takes an image tensor, gives
/// the transformed one. `Send + Sync` so a dataset holding one can be loaded by workers.
///
/// ```
/// use ember::vision::transforms::{ToTensor, Transform};
/// let img = ember::Tensor::from_vec(vec![0u8, 255], [1, 2]);
/// assert_eq!(ToTensor.apply(img).unwrap().to_vec::<f32>(), vec![0.0, 1.0]);
/// ```
pub trait Transform: Send + Sync {
    /// The transformed image (`transform(img)`).
    ///
    /// # Errors
    /// When the image is not one the transform accepts (its dtype or number of dims).
    fn apply(&self, img: Tensor) -> Result<Tensor>;
}

impl<T: Transform + ?Sized> Transform for Box<T> {
    fn apply(&self, img: Tensor) -> Result<Tensor> {
        (**self).apply(img)
    }
}

impl<T: Transform + ?Sized> Transform for std::sync::Arc<T> {
    fn apply(&self, img: Tensor) -> Result<Tensor> {
        (**self).apply(img)
    }
}

/// `transforms.ToTensor()`: an `H×W×C` (or `H×W`) image as a `C×H×W` tensor. A `u8` image
/// (the numpy array or PIL image of torchvision) becomes the default float dtype in
/// `[0, 1]` (`/ 255`); any other dtype is only moved to `C×H×W`, as torchvision does.
///
/// ```
/// use ember::vision::transforms::{ToTensor, Transform};
/// let img = ember::Tensor::from_vec(vec![0u8, 51, 102, 153, 204, 255], [1, 2, 3]); // H, W, C
/// let t = ToTensor.apply(img).unwrap();
/// assert_eq!(t.shape(), &[3, 1, 2]);
/// assert_eq!(t.to_vec::<f32>(), vec![0.0, 0.6, 0.2, 0.8, 0.4, 1.0]);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ToTensor;

impl Transform for ToTensor {
    fn apply(&self, img: Tensor) -> Result<Tensor> {
        let hwc = match img.ndim() {
            2 => img.try_unsqueeze(-1)?,
            3 => img,
            n => bail!(Value, "pic should be 2/3 dimensional. Got {n} dimensions."),
        };
        let chw = hwc.try_permute([2, 0, 1])?.try_contiguous()?;
        if chw.dtype() == DType::U8 {
            return chw.try_to_dtype(crate::get_default_dtype())?.try_div(255.0);
        }
        Ok(chw)
    }
}

/// `transforms.Normalize(mean, std, inplace=False)`: `(img - mean[c]) / std[c]` for each
/// channel `c` of a float `(…, C, H, W)` image.
///
/// ```
/// use ember::vision::transforms::{Normalize, Transform};
/// let img = ember::full([2, 1, 1], 0.5);
/// let out = Normalize::new(vec![0.5, 0.25], vec![0.5, 0.25]).apply(img).unwrap();
/// assert_eq!(out.to_vec::<f32>(), vec![0.0, 1.0]);
/// ```
#[derive(Clone, Debug)]
pub struct Normalize {
    /// Each channel's mean (one value applies to all channels).
    pub mean: Vec<f64>,
    /// Each channel's standard deviation.
    pub std: Vec<f64>,
    /// Write into the input tensor instead of a copy.
    pub inplace: bool,
}

impl Normalize {
    /// `Normalize(mean, std)`, out of place.
    pub fn new(mean: Vec<f64>, std: Vec<f64>) -> Self {
        Normalize {
            mean,
            std,
            inplace: false,
        }
    }
}

impl Transform for Normalize {
    fn apply(&self, img: Tensor) -> Result<Tensor> {
        let dt = img.dtype();
        if !dt.is_floating_point() {
            bail!(DType, "Input tensor should be a float tensor. Got {dt}.");
        }
        if img.ndim() < 3 {
            bail!(
                Value,
                "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {}",
                img.size()
            );
        }
        let img = if self.inplace {
            img
        } else {
            img.try_clone_tensor()?
        };
        let per_channel = |v: &[f64]| -> Result<Tensor> {
            Tensor::try_from_vec(v.to_vec(), [v.len()])?.try_to_dtype(dt)
        };
        let mean = per_channel(&self.mean)?;
        let std = per_channel(&self.std)?;
        if std.try_eq(0.0)?.try_any()?.try_item::<bool>()? {
            bail!(
                Value,
                "std evaluated to zero after conversion to {dt}, leading to division by zero."
            );
        }
        img.try_sub_(&mean.try_view([-1, 1, 1])?)?
            .try_div_(&std.try_view([-1, 1, 1])?)
    }
}

/// `transforms.Compose(transforms)`: the transforms one after the other.
///
/// ```
/// use ember::vision::transforms::{Compose, Normalize, ToTensor, Transform};
/// let t = Compose::new(vec![Box::new(ToTensor), Box::new(Normalize::new(vec![0.5], vec![0.5]))]);
/// let img = ember::Tensor::from_vec(vec![0u8, 255], [1, 2]);
/// assert_eq!(t.apply(img).unwrap().to_vec::<f32>(), vec![-1.0, 1.0]);
/// ```
pub struct Compose {
    transforms: Vec<Box<dyn Transform>>,
}

impl Compose {
    /// The composition of `transforms`, applied first to last.
    pub fn new(transforms: Vec<Box<dyn Transform>>) -> Self {
        Compose { transforms }
    }
}

impl Transform for Compose {
    fn apply(&self, img: Tensor) -> Result<Tensor> {
        self.transforms.iter().try_fold(img, |x, t| t.apply(x))
    }
}

/// `transforms.Lambda(f)`: a function as a transform.
///
/// ```
/// use ember::vision::transforms::{Lambda, Transform};
/// let flatten = Lambda::new(|x: ember::Tensor| x.try_flatten(0, -1));
/// assert_eq!(flatten.apply(ember::zeros([1, 2, 2])).unwrap().shape(), &[4]);
/// ```
pub struct Lambda<F> {
    f: F,
}

impl<F: Fn(Tensor) -> Result<Tensor> + Send + Sync> Lambda<F> {
    /// The transform that calls `f`.
    pub fn new(f: F) -> Self {
        Lambda { f }
    }
}

impl<F: Fn(Tensor) -> Result<Tensor> + Send + Sync> Transform for Lambda<F> {
    fn apply(&self, img: Tensor) -> Result<Tensor> {
        (self.f)(img)
    }
}
