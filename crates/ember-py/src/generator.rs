//! `torch.Generator`, the `generator=` argument of the random ops, and `Tensor.random_`.
//!
//! A `Generator` object owns an engine generator (PyTorch's mt19937 with its seeding and
//! transformations), or stands for the engine's default one (`torch.default_generator`). An
//! op given `generator=g` runs inside [`ember::Generator::scope`], so every draw it makes on
//! this thread comes from `g` and the default stream does not move.

use crate::convert::index_of;
use crate::dtype::{DeviceArg, PyDevice};
use crate::error::{OrRaise, guard, type_error};
use crate::tensor::{PyTensor, wrap};
use ember::{DType, Device, Tensor};
use parking_lot::Mutex;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// PyTorch's `default_rng_seed_val`: the seed of a new `torch.Generator()`.
const DEFAULT_SEED: u64 = 67_280_421_310_721;

enum Source {
    /// A generator of its own, locked while an op draws from it (ops on several threads may
    /// share one generator, as in PyTorch).
    Own(Box<Mutex<ember::Generator>>),
    /// The engine's default generator (`torch.default_generator`).
    Default,
}

/// `torch.Generator(device='cpu')`: a random number generator of its own, for the
/// `generator=` argument of the random ops.
#[pyclass(name = "Generator", module = "ember", frozen)]
pub struct PyGenerator {
    source: Source,
    device: Device,
}

/// A seed as PyTorch unpacks it: an int in `[-2^63, 2^64)`, negative ones taken as their
/// two's complement.
pub fn seed_of(seed: &Bound<'_, PyAny>) -> PyResult<u64> {
    if seed.is_instance_of::<pyo3::types::PyBool>() || !seed.is_instance_of::<pyo3::types::PyInt>()
    {
        return Err(PyRuntimeError::new_err(format!(
            "manual_seed expected a long, but got {}",
            seed.get_type().name()?
        )));
    }
    if let Ok(s) = seed.extract::<u64>() {
        return Ok(s);
    }
    match seed.extract::<i64>() {
        Ok(s) => Ok(s as u64),
        Err(_) => Err(PyValueError::new_err("Overflow when unpacking long long")),
    }
}

/// A fresh nondeterministic seed (`Generator.seed()`), from the OS's randomness that
/// seeds std's hash maps, mixed with the time.
fn nondeterministic_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    RandomState::new().hash_one(now)
}

impl PyGenerator {
    fn with<R>(&self, f: impl FnOnce(&mut ember::Generator) -> R) -> R {
        match &self.source {
            Source::Own(g) => f(&mut g.lock()),
            Source::Default => ember::with_default_generator(f),
        }
    }

    fn reseed(&self, seed: u64) {
        // The default generator's own manual_seed leaves the other devices' generators
        // alone, as PyTorch's does; `torch.manual_seed` seeds them all.
        self.with(|g| *g = ember::Generator::new(seed));
    }
}

#[pymethods]
impl PyGenerator {
    #[new]
    #[pyo3(signature = (device = None))]
    fn new(device: Option<DeviceArg>) -> PyResult<Self> {
        let device = device.map_or(Device::Cpu, |d| d.0);
        if device == Device::Meta {
            return Err(PyRuntimeError::new_err(
                "META device type not an accelerator.",
            ));
        }
        Ok(PyGenerator {
            source: Source::Own(Box::new(Mutex::new(ember::Generator::new(DEFAULT_SEED)))),
            device,
        })
    }

    /// `g.manual_seed(seed)`: restarts the stream from `seed`; returns `g`.
    fn manual_seed<'py>(
        slf: &Bound<'py, Self>,
        seed: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        slf.get().reseed(seed_of(seed)?);
        Ok(slf.clone())
    }

    /// `g.initial_seed()`: the seed the stream started from.
    fn initial_seed(&self) -> u64 {
        self.with(|g| g.initial_seed())
    }

    /// `g.seed()`: reseeds from a nondeterministic seed and returns it.
    fn seed(&self) -> u64 {
        let s = nondeterministic_seed();
        self.reseed(s);
        s
    }

    /// `g.device`.
    #[getter]
    fn device(&self) -> PyDevice {
        PyDevice::of(self.device)
    }

    /// `g.get_state()`: the state as a uint8 tensor in PyTorch's layout
    /// (`CPUGeneratorImplState`, 5056 bytes), so states move between ember and PyTorch.
    fn get_state(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let bytes = self.with(|g| g.get_state());
        let t = Tensor::try_from_vec(bytes, [ember::Generator::STATE_SIZE]).or_raise()?;
        wrap(py, t)
    }

    /// `g.set_state(state)`: restores a state from `get_state()`; returns `g`.
    fn set_state<'py>(
        slf: &Bound<'py, Self>,
        new_state: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let Ok(t) = new_state.cast::<PyTensor>() else {
            return Err(PyTypeError::new_err(format!(
                "expected a torch.ByteTensor, but got {}",
                new_state.get_type().name()?
            )));
        };
        let t = &t.get().t;
        if t.dtype() != DType::U8 {
            return Err(PyTypeError::new_err("RNG state must be a torch.ByteTensor"));
        }
        let bytes: Vec<u8> = guard(|| {
            t.try_contiguous()
                .and_then(|c| c.try_to_device(Device::Cpu))
                .and_then(|c| c.try_to_vec::<u8>())
                .or_raise()
        })?;
        let mut g = slf.get().with(|g| g.clone());
        // The engine reports these as value errors; PyTorch's C++ check raises RuntimeError.
        g.set_state(&bytes)
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        slf.get().with(|d| *d = g);
        Ok(slf.clone())
    }

    /// Pickling and `copy.deepcopy`, as PyTorch's: `(Generator, (device,), (seed, None,
    /// state))`, the device as its string; the copy is a generator of its own, also of
    /// `default_generator`.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let cls = py.get_type::<PyGenerator>();
        let args = PyTuple::new(py, [self.device.to_string()])?;
        let state = (self.initial_seed(), py.None(), self.get_state(py)?);
        PyTuple::new(
            py,
            [
                cls.into_any(),
                args.into_any(),
                state.into_pyobject(py)?.into_any(),
            ],
        )
    }

    /// Restores what `__reduce__` saved.
    fn __setstate__(slf: &Bound<'_, Self>, state: &Bound<'_, PyTuple>) -> PyResult<()> {
        if state.len() != 3 {
            return Err(PyTypeError::new_err(
                "Generator.__setstate__ expects (seed, offset, state)",
            ));
        }
        PyGenerator::set_state(slf, &state.get_item(2)?)?;
        Ok(())
    }

    /// `g.clone_state()`: a new generator with this one's state.
    fn clone_state(&self) -> PyGenerator {
        PyGenerator {
            source: Source::Own(Box::new(Mutex::new(self.with(|g| g.clone())))),
            device: self.device,
        }
    }
}

/// The generator of a `generator=` argument: `None` (or Python's `None`) for the default.
pub struct GenArg<'a, 'py>(Option<&'a Bound<'py, PyGenerator>>);

impl<'a, 'py> GenArg<'a, 'py> {
    /// Checks `generator=` of `func`: a `torch.Generator` or `None`.
    pub fn new(func: &str, obj: Option<&'a Bound<'py, PyAny>>) -> PyResult<Self> {
        match obj {
            None => Ok(GenArg(None)),
            Some(o) if o.is_none() => Ok(GenArg(None)),
            Some(o) => o
                .cast::<PyGenerator>()
                .map(|g| GenArg(Some(g)))
                .map_err(|_| type_error(func, "generator", "torch.Generator", o)),
        }
    }

    /// Runs `f` with the GIL released, every random draw it makes coming from this
    /// generator; on this thread, as [`ember::Generator::scope`] is per thread. `device` is
    /// where the op samples: a generator of another device type is refused, as PyTorch does.
    pub fn draw<T: Send>(
        &self,
        py: Python<'_>,
        device: Device,
        f: impl FnOnce() -> T + Send,
    ) -> PyResult<T> {
        let Some(g) = self.0 else {
            return Ok(py.detach(f));
        };
        let g = g.get();
        let kind = |d: Device| match d {
            Device::Cpu => "cpu",
            Device::Cuda(_) => "cuda",
            Device::Meta => "meta",
        };
        if device != Device::Meta && kind(device) != kind(g.device) {
            return Err(PyRuntimeError::new_err(format!(
                "Expected a '{}' device type for generator but found '{}'",
                kind(device),
                kind(g.device)
            )));
        }
        match &g.source {
            Source::Default => Ok(py.detach(f)),
            // Locked without the GIL, so a thread waiting for the generator never blocks one
            // that needs the GIL to finish.
            Source::Own(m) => Ok(py.detach(|| m.lock().scope(f))),
        }
    }
}

/// `torch.default_generator`: the engine's default generator as a `Generator` object.
fn default_generator() -> PyGenerator {
    PyGenerator {
        source: Source::Default,
        device: Device::Cpu,
    }
}

/// Bounds of `random_`'s values in `dt`: PyTorch's `check_from_to_in_range`, its precision
/// warning for floats included.
fn check_random_bounds(py: Python<'_>, from: i64, to_inc: i64, dt: DType) -> PyResult<()> {
    let ctype = dt.cpp_type_name();
    let (min, max): (f64, f64) = match dt {
        DType::Bool => (0.0, 1.0),
        DType::U8 => (0.0, 255.0),
        DType::I8 => (-128.0, 127.0),
        DType::I16 => (-32768.0, 32767.0),
        DType::I32 => (i32::MIN as f64, i32::MAX as f64),
        DType::I64 => (i64::MIN as f64, i64::MAX as f64),
        DType::F16 => (-65504.0, 65504.0),
        DType::BF16 => (-bf16_max(), bf16_max()),
        DType::F32 => (f32::MIN as f64, f32::MAX as f64),
        DType::F64 => (f64::MIN, f64::MAX),
    };
    let in_range = |v: i64| {
        if dt.is_floating_point() {
            (min..=max).contains(&(v as f64))
        } else {
            (min as i128..=max as i128).contains(&(v as i128))
        }
    };
    for (v, name) in [(from, "from"), (to_inc, "to - 1")] {
        if !in_range(v) {
            return Err(PyRuntimeError::new_err(format!(
                "{name} is out of bounds for {ctype}"
            )));
        }
    }
    if let Some(digits) = mantissa_digits(dt) {
        for (v, name) in [(from, "from"), (to_inc, "to - 1")] {
            if !(-(1i64 << digits)..=(1i64 << digits)).contains(&v) {
                let msg = format!(
                    "{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations {ctype} can support discrete uniform distribution only within this range. This warning will become an error in version 1.7 release, please fix the code in advance"
                );
                let cat = py.get_type::<pyo3::exceptions::PyUserWarning>();
                PyErr::warn(py, &cat, &std::ffi::CString::new(msg)?, 1)?;
            }
        }
    }
    Ok(())
}

fn bf16_max() -> f64 {
    half::bf16::MAX.to_f64()
}

fn mantissa_digits(dt: DType) -> Option<u32> {
    match dt {
        DType::F16 => Some(11),
        DType::BF16 => Some(8),
        DType::F32 => Some(24),
        DType::F64 => Some(53),
        _ => None,
    }
}

/// `v` rounded to the float dtype `dt` and back (`static_cast<int64_t>(static_cast<T>(v))`).
fn round_through(v: i64, dt: DType) -> i64 {
    match dt {
        DType::F16 => half::f16::from_f32(v as f32).to_f64() as i64,
        DType::BF16 => half::bf16::from_f32(v as f32).to_f64() as i64,
        DType::F32 => v as f32 as i64,
        _ => v as f64 as i64,
    }
}

/// PyTorch's `update_from`: a `from` whose successor rounds below it in `dt` moves up to
/// the next representable value.
fn update_from(from: i64, dt: DType) -> i64 {
    let digits = mantissa_digits(dt).unwrap_or(53) as i32;
    let plus_1 = round_through(from.wrapping_add(1), dt);
    if plus_1 < from {
        let n = 63 - (from.wrapping_add(1).unsigned_abs() | 1).leading_zeros() as i32;
        return plus_1 + (1i64 << (n - digits + 1).max(0));
    }
    from
}

/// PyTorch's `update_to`: a `to` whose predecessor rounds to it or above in `dt` moves down.
fn update_to(to: i64, dt: DType) -> i64 {
    let digits = mantissa_digits(dt).unwrap_or(53) as i32;
    let minus_1 = round_through(to.wrapping_sub(1), dt);
    if minus_1 >= to {
        let n = 63 - (to.wrapping_sub(1).unsigned_abs() | 1).leading_zeros() as i32;
        return minus_1 - (1i64 << (n - digits + 1).max(0));
    }
    to
}

/// What `random_` draws: PyTorch's three forms.
enum RandomRange {
    /// `random_()`: `[0, 2^mantissa]` for floats, `[0, max]` for integers.
    Default,
    /// `[base, base + range)`, `range` up to 2^64 - 1.
    FromTo { range: u64, base: i64 },
    /// `random_(-2^63, None)`: all 64-bit values.
    Full,
}

fn random_range(
    py: Python<'_>,
    from: Option<i64>,
    to: Option<i64>,
    dt: DType,
) -> PyResult<RandomRange> {
    let Some(mut from) = from else {
        return Ok(RandomRange::Default);
    };
    if let Some(mut to) = to {
        if from >= to {
            return Err(PyRuntimeError::new_err(format!(
                "random_ expects 'from' to be less than 'to', but got from={from} >= to={to}"
            )));
        }
        if dt.is_floating_point() {
            from = update_from(from, dt);
            to = update_to(to, dt);
            if from >= to {
                return Err(PyRuntimeError::new_err(format!(
                    "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from={from} >= to={to}"
                )));
            }
        }
        check_random_bounds(py, from, to - 1, dt)?;
        let range = (to as i128 - from as i128) as u64;
        return Ok(RandomRange::FromTo { range, base: from });
    }
    if from == i64::MIN {
        return Ok(RandomRange::Full);
    }
    let to_inc = if let Some(digits) = mantissa_digits(dt) {
        from = update_from(from, dt);
        let to_inc = 1i64 << digits;
        if from >= to_inc {
            return Err(PyRuntimeError::new_err(format!(
                "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to dtype, but got from={from} > to_inc={to_inc}"
            )));
        }
        to_inc
    } else {
        match dt {
            DType::Bool => 1,
            DType::U8 => u8::MAX as i64,
            DType::I8 => i8::MAX as i64,
            DType::I16 => i16::MAX as i64,
            DType::I32 => i32::MAX as i64,
            _ => i64::MAX,
        }
    };
    check_random_bounds(py, from, to_inc, dt)?;
    let range = (to_inc as i128 - from as i128 + 1) as u64;
    Ok(RandomRange::FromTo { range, base: from })
}

/// One `random_` value as PyTorch's CPU kernels draw it (`uniform_int_distribution`,
/// `uniform_int_from_to_distribution`, `uniform_int_full_range_distribution`).
fn random_value(g: &mut ember::Generator, r: &RandomRange, dt: DType) -> i64 {
    match *r {
        RandomRange::Default => match dt {
            DType::I64 => (g.random64() % (1u64 << 63)) as i64,
            DType::F64 => (g.random64() % ((1u64 << 53) + 1)) as i64,
            DType::Bool => (g.random() & 1) as i64,
            _ => {
                let m = match dt {
                    DType::F16 => (1u64 << 11) + 1,
                    DType::BF16 => (1u64 << 8) + 1,
                    DType::F32 => (1u64 << 24) + 1,
                    DType::U8 => 1 << 8,
                    DType::I8 => 1 << 7,
                    DType::I16 => 1 << 15,
                    _ => 1 << 31,
                };
                (g.random() as u64 % m) as i64
            }
        },
        RandomRange::FromTo { range, base } => {
            g.random_below(range).wrapping_add(base as u64) as i64
        }
        RandomRange::Full => g.random64() as i64,
    }
}

/// `from`/`to` of `random_(*args, **kwargs)`: `()`, `(to)`, `(from, to)`, `to` may be None.
fn random_args(
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Option<i64>, Option<i64>)> {
    let int_or_none = |o: Bound<'_, PyAny>| -> PyResult<Option<i64>> {
        if o.is_none() {
            Ok(None)
        } else {
            index_of(&o).map(Some)
        }
    };
    let mut from = None;
    let mut to = None;
    let mut have_to = false;
    if let Some(kw) = kwargs {
        for (k, v) in kw.iter() {
            match k.extract::<String>()?.as_str() {
                "from" => from = Some(v),
                "to" => {
                    to = int_or_none(v)?;
                    have_to = true;
                }
                other => {
                    return Err(PyTypeError::new_err(format!(
                        "random_() got an unexpected keyword argument '{other}'"
                    )));
                }
            }
        }
    }
    let invalid = || {
        PyTypeError::new_err(
            "random_() received an invalid combination of arguments - expected one of: (*, torch.Generator generator = None), (int from, int to, *, torch.Generator generator = None), (int to, *, torch.Generator generator = None)",
        )
    };
    match (args.len(), from, have_to) {
        (0, None, false) => Ok((None, None)),
        (0, None, true) => Ok((Some(0), Some(to.ok_or_else(invalid)?))),
        (0, Some(f), true) => Ok((Some(index_of(&f)?), to)),
        (1, None, false) => match int_or_none(args.get_item(0)?)? {
            Some(t) => Ok((Some(0), Some(t))),
            None => Err(invalid()),
        },
        (1, None, true) => Ok((Some(index_of(&args.get_item(0)?)?), to)),
        (2, None, false) => Ok((
            Some(index_of(&args.get_item(0)?)?),
            int_or_none(args.get_item(1)?)?,
        )),
        _ => Err(invalid()),
    }
}

#[pymethods]
impl PyTensor {
    /// `x.random_(from=0, to=None, *, generator=None)`: fills in place with integers drawn
    /// uniformly: `random_()` over `[0, 2^mantissa]` (floats) or `[0, max]` (integers),
    /// `random_(to)` over `[0, to)`, `random_(from, to)` over `[from, to)`, `to=None` up to
    /// the dtype's limit.
    #[pyo3(signature = (*args, generator = None, **kwargs))]
    fn random_<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        generator: Option<&Bound<'py, PyAny>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        let gen_arg = GenArg::new("random_", generator)?;
        let t = slf.get().t.clone();
        let dt = t.dtype();
        let (from, to) = random_args(args, kwargs)?;
        let range = random_range(py, from, to, dt)?;
        if t.numel() == 0 || t.device() == Device::Meta {
            return Ok(slf.clone());
        }
        let n = t.numel();
        let device = t.device();
        let values = gen_arg.draw(py, device, || {
            ember::try_with_device_generator(device, |g| {
                (0..n)
                    .map(|_| random_value(g, &range, dt))
                    .collect::<Vec<i64>>()
            })
        })?;
        guard(|| {
            let src = Tensor::try_from_vec(values.or_raise()?, t.shape())
                .and_then(|s| s.try_to_dtype(dt))
                .and_then(|s| s.try_to_device(device))
                .or_raise()?;
            t.try_copy_(&src).or_raise()
        })?;
        Ok(slf.clone())
    }
}

/// `_C._run_seeded(seed, f)`: calls `f()` with a new generator seeded with `seed` as this
/// thread's default stream for the whole call (a DataLoader worker thread's, as a worker
/// process's `torch.manual_seed(base_seed + worker_id)`); other threads' streams, the main
/// thread's included, do not move.
#[pyfunction]
fn _run_seeded(seed: u64, f: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    ember::Generator::new(seed).scope(|| f.call0().map(Bound::unbind))
}

/// Adds `Generator` and `default_generator` to `_C`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyGenerator>()?;
    m.add_function(wrap_pyfunction!(_run_seeded, m)?)?;
    m.add("default_generator", Py::new(m.py(), default_generator())?)?;
    Ok(())
}
