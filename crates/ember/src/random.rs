//! Random numbers: PyTorch's CPU generator (mt19937) and its transformations, so that
//! `ember::manual_seed(s)` followed by `rand`/`randn`/`randint`/`randperm` gives the numbers
//! `torch.manual_seed(s)` gives (up to the last bits where PyTorch uses SIMD math).

use crate::error::{OrPanic, Result, bail};
use crate::shape::IntList;
use crate::tensor::{TensorOptions, kernel};
use crate::{DType, Device, Tensor};
use ember_derive::panicking;
use parking_lot::Mutex;

const N: usize = 624;
const M: usize = 397;

/// A Mersenne Twister (mt19937) generator with PyTorch's seeding and sampling.
///
/// ```
/// let mut g = ember::Generator::new(0);
/// let a = g.random();
/// let mut h = ember::Generator::new(0);
/// assert_eq!(a, h.random());
/// ```
#[derive(Clone)]
pub struct Generator {
    state: [u32; N],
    index: usize,
    seed: u64,
    next_normal: Option<f64>,
}

impl Generator {
    /// A generator seeded with `seed` (`torch.Generator().manual_seed(seed)`).
    pub fn new(seed: u64) -> Generator {
        let mut state = [0u32; N];
        state[0] = seed as u32;
        for j in 1..N {
            state[j] = 1_812_433_253u32
                .wrapping_mul(state[j - 1] ^ (state[j - 1] >> 30))
                .wrapping_add(j as u32);
        }
        Generator {
            state,
            index: N,
            seed,
            next_normal: None,
        }
    }

    /// `torch.randperm(n, generator=g)`: a random permutation of `0..n` (int64) drawn from
    /// this generator, as PyTorch's CPU kernel draws it.
    ///
    /// ```
    /// let mut g = ember::Generator::new(0);
    /// assert_eq!(g.randperm(5).to_vec::<i64>(), vec![4, 0, 1, 3, 2]);
    /// ```
    pub fn randperm(&mut self, n: usize) -> Tensor {
        let mut v: Vec<i64> = (0..n as i64).collect();
        for i in 0..n.saturating_sub(1) {
            let z = if n - i < u32::MAX as usize {
                self.random() as usize % (n - i)
            } else {
                (self.random64() % (n - i) as u64) as usize
            };
            v.swap(i, z + i);
        }
        Tensor::from_vec(v, [n])
    }

    /// A draw in `0..range` as PyTorch's `randint` and `random_(from, to)` make it
    /// (`uniform_int_from_to_distribution`): the next 32 bits modulo `range`, or the next 64
    /// from a range of 2^28 on (where PyTorch 2.15 switches, for every dtype).
    ///
    /// ```
    /// let mut g = ember::Generator::new(5);
    /// assert_eq!(g.random_below(10), 1); // torch.randint(0, 10, (1,), generator=g)
    /// let mut g = ember::Generator::new(5);
    /// assert_eq!(g.random_below(1 << 31), 236_996_814);
    /// ```
    pub fn random_below(&mut self, range: u64) -> u64 {
        if range >= 1 << 28 {
            self.random64() % range
        } else {
            self.random() as u64 % range
        }
    }

    /// `torch.empty((), dtype=torch.int64).random_(generator=g).item()`: a draw in
    /// `0..2^63`, which is how PyTorch's samplers seed a fresh generator.
    ///
    /// ```
    /// let mut g = ember::Generator::new(0);
    /// assert_eq!(g.random_i64(), 900_450_186_894_289_455);
    /// ```
    pub fn random_i64(&mut self) -> i64 {
        (self.random64() % (1u64 << 63)) as i64
    }

    /// Runs `f` with this generator as the source of every random draw that `f` makes on
    /// this thread (`rand`, `randn`, `randint`, `randperm`, `uniform_`, `normal_`, dropout
    /// masks, on any device): PyTorch's `generator=g` argument, for a whole block. The
    /// default generator does not advance; this one does. Scopes nest.
    ///
    /// ```
    /// ember::manual_seed(1);
    /// let a = ember::rand([2]).to_vec::<f32>();
    /// ember::manual_seed(1);
    /// let mut g = ember::Generator::new(0);
    /// let p = g.scope(|| ember::randperm(5));
    /// assert_eq!(p.to_vec::<i64>(), vec![4, 0, 1, 3, 2]); // torch.randperm(5, generator=g)
    /// let _ = g.scope(|| ember::rand([2]));               // continues g's stream
    /// assert_eq!(ember::rand([2]).to_vec::<f32>(), a);   // the default did not move
    /// ```
    pub fn scope<R>(&mut self, f: impl FnOnce() -> R) -> R {
        struct Restore<'a> {
            generator: &'a mut Generator,
            outer: Option<Generator>,
        }
        impl Drop for Restore<'_> {
            // Runs on unwind too, so a panic inside `f` leaves neither this generator's
            // advanced state nor the outer scope behind.
            fn drop(&mut self) {
                let mine =
                    SCOPED.with(|s| std::mem::replace(&mut *s.borrow_mut(), self.outer.take()));
                if let Some(g) = mine {
                    *self.generator = g;
                }
            }
        }
        let outer = SCOPED.with(|s| s.borrow_mut().replace(self.clone()));
        let _restore = Restore {
            generator: self,
            outer,
        };
        f()
    }

    /// The seed this generator started from (`initial_seed()`).
    pub fn initial_seed(&self) -> u64 {
        self.seed
    }

    /// `g.get_state()`: the generator's state in the bytes of PyTorch's
    /// `CPUGeneratorImplState` (little-endian), so a state saved by PyTorch restores here and
    /// the other way round.
    ///
    /// ```
    /// let mut g = ember::Generator::new(3);
    /// let _ = g.random();
    /// let s = g.get_state();
    /// assert_eq!(s.len(), ember::Generator::STATE_SIZE);
    /// let mut h = ember::Generator::new(0);
    /// h.set_state(&s).unwrap();
    /// assert_eq!((h.initial_seed(), h.random()), (3, g.random()));
    /// ```
    pub fn get_state(&self) -> Vec<u8> {
        // The layout: the legacy THGeneratorState (seed, left, seeded, next, the 624 words
        // as u64, the unused normal_x/normal_y/normal_rho doubles and normal_is_valid, padded
        // to 8), then a cached float normal and its flag, padded to 8. PyTorch's mt19937
        // twists when `left` reaches 0 after decrementing, reading `state[next]`; its
        // `left + next` is always 625, where ember keeps `index` (= next, N = twist next).
        let mut b = Vec::with_capacity(Self::STATE_SIZE);
        let (left, next) = if self.index >= N {
            (1i32, 0u64)
        } else {
            ((N + 1 - self.index) as i32, self.index as u64)
        };
        b.extend_from_slice(&self.seed.to_le_bytes());
        b.extend_from_slice(&left.to_le_bytes());
        b.extend_from_slice(&1i32.to_le_bytes());
        b.extend_from_slice(&next.to_le_bytes());
        for &w in &self.state {
            b.extend_from_slice(&(w as u64).to_le_bytes());
        }
        b.extend_from_slice(&0f64.to_le_bytes());
        b.extend_from_slice(&self.next_normal.unwrap_or(0.0).to_le_bytes());
        b.extend_from_slice(&0f64.to_le_bytes());
        b.extend_from_slice(&(self.next_normal.is_some() as i32).to_le_bytes());
        b.resize(Self::STATE_SIZE, 0);
        b
    }

    /// The size of [`get_state`](Self::get_state)'s bytes (`sizeof(CPUGeneratorImplState)`).
    pub const STATE_SIZE: usize = 5056;

    /// `g.set_state(state)`: restores a state from [`get_state`](Self::get_state) (or from
    /// PyTorch's `get_state()`).
    ///
    /// # Errors
    /// For bytes of another size, or a state PyTorch's mt19937 would call invalid.
    pub fn set_state(&mut self, state: &[u8]) -> Result<()> {
        if state.len() != Self::STATE_SIZE {
            bail!(
                Value,
                "Expected a CPUGeneratorImplState of size {} but found the input RNG state size to be {}",
                Self::STATE_SIZE,
                state.len()
            );
        }
        let u64_at = |i: usize| u64::from_le_bytes(state[i..i + 8].try_into().unwrap());
        let i32_at = |i: usize| i32::from_le_bytes(state[i..i + 4].try_into().unwrap());
        let (seed, left, seeded, next) = (u64_at(0), i32_at(8), i32_at(12), u64_at(16));
        if seeded == 0 || left <= 0 || left as usize > N || next as usize > N {
            bail!(Value, "Invalid mt19937 state");
        }
        let words = 24;
        let normals = words + 8 * N;
        let mut words_out = [0u32; N];
        for (j, w) in words_out.iter_mut().enumerate() {
            *w = u64_at(words + 8 * j) as u32;
        }
        let normal_valid = i32_at(normals + 24) != 0;
        // The float-normal cache that follows is left out: no ember sampler draws PyTorch's
        // `normal_distribution<float>`, the only reader of it.
        *self = Generator {
            state: words_out,
            index: N + 1 - left as usize,
            seed,
            next_normal: normal_valid
                .then(|| f64::from_le_bytes(state[normals + 8..normals + 16].try_into().unwrap())),
        };
        Ok(())
    }

    fn twist(&mut self) {
        for i in 0..N {
            let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % N] & 0x7fff_ffff);
            let mut v = self.state[(i + M) % N] ^ (y >> 1);
            if y & 1 != 0 {
                v ^= 0x9908_b0df;
            }
            self.state[i] = v;
        }
        self.index = 0;
    }

    /// The next 32 random bits.
    pub fn random(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// The next 64 random bits (two draws, the first in the high half).
    pub fn random64(&mut self) -> u64 {
        let hi = self.random() as u64;
        let lo = self.random() as u64;
        (hi << 32) | lo
    }

    /// A uniform sample in `[from, to)` with the mantissa width of `dt`, as PyTorch draws it.
    fn uniform(&mut self, from: f64, to: f64, dt: DType) -> f64 {
        let x = match dt {
            DType::F64 => (self.random64() & ((1u64 << 53) - 1)) as f64 / (1u64 << 53) as f64,
            DType::F16 => (self.random() & ((1 << 11) - 1)) as f64 / (1u64 << 11) as f64,
            DType::BF16 => (self.random() & ((1 << 8) - 1)) as f64 / (1u64 << 8) as f64,
            _ => (self.random() & ((1 << 24) - 1)) as f64 / (1u64 << 24) as f64,
        };
        x * (to - from) + from
    }

    /// One standard normal sample by Box–Muller, caching the second value
    /// (PyTorch's `normal_distribution<double>`).
    fn normal(&mut self, mean: f64, std: f64) -> f64 {
        if let Some(v) = self.next_normal.take() {
            return v * std + mean;
        }
        let u1 = self.uniform(0.0, 1.0, DType::F64);
        let u2 = self.uniform(0.0, 1.0, DType::F64);
        let r = (-2.0 * (1.0 - u2).ln()).sqrt();
        let theta = 2.0 * std::f64::consts::PI * u1;
        self.next_normal = Some(r * theta.sin());
        r * theta.cos() * std + mean
    }

    /// Fills `out` with normal samples the way PyTorch fills a contiguous tensor of 16 or
    /// more elements: uniforms first, then Box–Muller over blocks of 16.
    fn normal_fill(&mut self, out: &mut [f64], mean: f64, std: f64, dt: DType) {
        let n = out.len();
        let round = |v: f64| -> f64 { if dt == DType::F32 { v as f32 as f64 } else { v } };
        for v in out.iter_mut() {
            *v = round(self.uniform(0.0, 1.0, dt));
        }
        let fill16 = |d: &mut [f64]| {
            for j in 0..8 {
                let u1 = 1.0 - d[j];
                let u2 = d[j + 8];
                let (r, theta) = if dt == DType::F32 {
                    let r = (-2.0f32 * (u1 as f32).ln()).sqrt();
                    let th = 2.0f32 * std::f32::consts::PI * u2 as f32;
                    (r as f64, th as f64)
                } else {
                    ((-2.0 * u1.ln()).sqrt(), 2.0 * std::f64::consts::PI * u2)
                };
                if dt == DType::F32 {
                    let (r, th) = (r as f32, theta as f32);
                    d[j] = (r * th.cos() * std as f32 + mean as f32) as f64;
                    d[j + 8] = (r * th.sin() * std as f32 + mean as f32) as f64;
                } else {
                    d[j] = r * theta.cos() * std + mean;
                    d[j + 8] = r * theta.sin() * std + mean;
                }
            }
        };
        let mut i = 0;
        while i + 16 <= n {
            fill16(&mut out[i..i + 16]);
            i += 16;
        }
        if !n.is_multiple_of(16) {
            let tail = &mut out[n - 16..];
            for v in tail.iter_mut() {
                *v = round(self.uniform(0.0, 1.0, dt));
            }
            fill16(tail);
        }
    }
}

impl std::fmt::Debug for Generator {
    /// The seed only: the 624 words of state say nothing to a reader.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("initial_seed", &self.seed)
            .finish_non_exhaustive()
    }
}

static DEFAULT: Mutex<Option<Generator>> = Mutex::new(None);
const DEFAULT_SEED: u64 = 67_280_421_310_721;

thread_local! {
    /// The generator of the innermost [`Generator::scope`] on this thread, if any.
    static SCOPED: std::cell::RefCell<Option<Generator>> = const { std::cell::RefCell::new(None) };
}

fn with_default<R>(f: impl FnOnce(&mut Generator) -> R) -> R {
    // The scoped generator is moved out for the call, so a draw nested inside `f` (none
    // today) would fall back to the default generator rather than re-borrow it.
    if let Some(mut g) = SCOPED.with(|s| s.borrow_mut().take()) {
        let r = f(&mut g);
        SCOPED.with(|s| *s.borrow_mut() = Some(g));
        return r;
    }
    let mut g = DEFAULT.lock();
    f(g.get_or_insert_with(|| Generator::new(DEFAULT_SEED)))
}

/// Seeds the default generator (`torch.manual_seed`), making every random op reproducible.
///
/// ```
/// ember::manual_seed(0);
/// let a = ember::rand([3]);
/// ember::manual_seed(0);
/// assert_eq!(a.to_vec::<f32>(), ember::rand([3]).to_vec::<f32>());
/// ```
pub fn manual_seed(seed: u64) {
    let mut g = DEFAULT.lock();
    // Every device's generator restarts from the seed, as PyTorch's manual_seed seeds the
    // CUDA generators too.
    let mut d = DEVICE_GENERATORS.lock();
    d.seed = None;
    d.gens.clear();
    *g = Some(Generator::new(seed));
}

/// Runs `f` on the default CPU generator (`torch.default_generator`), as PyTorch's samplers
/// draw from it when given no generator of their own.
///
/// ```
/// ember::manual_seed(0);
/// let a = ember::with_default_generator(|g| g.random_i64());
/// ember::manual_seed(0);
/// assert_eq!(a, ember::with_default_generator(|g| g.random_i64()));
/// ```
pub fn with_default_generator<R>(f: impl FnOnce(&mut Generator) -> R) -> R {
    with_default(f)
}

/// The default generator's seed (`torch.initial_seed()`).
pub fn initial_seed() -> u64 {
    with_default(|g| g.initial_seed())
}

/// The generators of the devices other than the CPU, made on first use from the default
/// generator's seed.
///
/// Note [Generators per device]
/// PyTorch draws a CUDA tensor's random numbers from that device's generator, so sampling on
/// a GPU leaves the CPU stream where it was: a program that seeds once and builds its model
/// on the CPU gets the same weights whatever it later samples on the GPU. ember's kernels
/// sample on the host and copy, so each device gets a generator of its own here, and a
/// device that is not available is refused before anything is drawn.
static DEVICE_GENERATORS: Mutex<DeviceGenerators> = Mutex::new(DeviceGenerators {
    seed: None,
    gens: Vec::new(),
});

struct DeviceGenerators {
    /// The seed of generators made from now on (`cuda.manual_seed_all`); `None` follows the
    /// default generator's seed.
    seed: Option<u64>,
    gens: Vec<(Device, Generator)>,
}

/// Seeds the generator of `device`, or with `None` those of every device but the CPU
/// (`torch.cuda.manual_seed` / `manual_seed_all`). Lazy: nothing touches a device.
pub(crate) fn seed_devices(device: Option<Device>, seed: u64) {
    let mut d = DEVICE_GENERATORS.lock();
    match device {
        None => {
            d.seed = Some(seed);
            d.gens.clear();
        }
        Some(dev) => {
            d.gens.retain(|(x, _)| *x != dev);
            d.gens.push((dev, Generator::new(seed)));
        }
    }
}

/// Runs `f` on the generator that samples for `device`.
fn with_generator<R>(device: Device, f: impl FnOnce(&mut Generator) -> R) -> R {
    if device == Device::Cpu || SCOPED.with(|s| s.borrow().is_some()) {
        return with_default(f);
    }
    let default_seed = initial_seed();
    let mut d = DEVICE_GENERATORS.lock();
    let seed = d.seed.unwrap_or(default_seed);
    let i = match d.gens.iter().position(|(x, _)| *x == device) {
        Some(i) => i,
        None => {
            d.gens.push((device, Generator::new(seed)));
            d.gens.len() - 1
        }
    };
    f(&mut d.gens[i].1)
}

/// Runs `f` on the generator that samples for `device`: the innermost
/// [`Generator::scope`]'s, else the default generator for the CPU, else the device's own (see
/// Note [Generators per device]). For a front that draws numbers of its own, as PyTorch's
/// `random_` does.
///
/// ```
/// ember::manual_seed(0);
/// let a = ember::try_with_device_generator(ember::Device::Cpu, |g| g.random()).unwrap();
/// ember::manual_seed(0);
/// assert_eq!(a, ember::with_default_generator(|g| g.random()));
/// ```
///
/// # Errors
/// When `device` is not available here (nothing is drawn).
pub fn try_with_device_generator<R>(
    device: Device,
    f: impl FnOnce(&mut Generator) -> R,
) -> Result<R> {
    check_device(device)?;
    Ok(with_generator(device, f))
}

/// Fails, before anything is drawn, when `device` cannot hold tensors here (a CUDA device
/// on a machine without one).
fn check_device(device: Device) -> Result<()> {
    if device != Device::Cpu {
        Tensor::alloc(&[0], DType::F32, device)?;
    }
    Ok(())
}

/// Values for a new tensor of `n` elements on `device`, drawn from its generator.
fn sample(
    device: Device,
    n: usize,
    f: impl FnOnce(&mut Generator, &mut [f64]),
) -> Result<Vec<f64>> {
    check_device(device)?;
    let mut v = vec![0f64; n];
    with_generator(device, |g| f(g, &mut v));
    Ok(v)
}

/// A new tensor on the meta device: nothing to sample, and the generator does not advance
/// (as in PyTorch).
fn meta_out(shape: &[usize], dt: DType, opts: TensorOptions) -> Result<Tensor> {
    let t = Tensor::alloc(shape, dt, Device::Meta)?;
    if opts.requires_grad {
        t.try_requires_grad_(true)?;
    }
    Ok(t)
}

fn finish(v: Vec<f64>, shape: &[usize], dt: DType, opts: TensorOptions) -> Result<Tensor> {
    let t = Tensor::try_from_vec(v, shape)?.try_to_dtype(dt)?;
    let t = match opts.device_or_default() {
        Device::Cpu => t,
        d => t.try_to_device(d)?,
    };
    if opts.requires_grad {
        t.try_requires_grad_(true)?;
    }
    Ok(t)
}

fn float_dtype(opts: &TensorOptions, op: &str) -> Result<DType> {
    let dt = opts.dtype.unwrap_or_else(crate::get_default_dtype);
    if !dt.is_floating_point() {
        bail!(
            DType,
            "\"{op}\" not implemented for '{}'",
            dt.scalar_type_name()
        );
    }
    Ok(dt)
}

fn fill_uniform(g: &mut Generator, v: &mut [f64], from: f64, to: f64, dt: DType) {
    for x in v.iter_mut() {
        *x = g.uniform(from, to, dt);
    }
}

fn fill_normal(g: &mut Generator, v: &mut [f64], mean: f64, std: f64, dt: DType) {
    if v.len() >= 16 {
        g.normal_fill(v, mean, std, dt);
    } else {
        for x in v.iter_mut() {
            *x = g.normal(mean, std);
        }
    }
}

/// `torch.rand(shape, dtype=…)`: uniform on `[0, 1)`.
///
/// # Errors
/// For a non-float dtype or a negative size.
#[panicking]
pub fn try_rand_with(shape: impl IntList, opts: impl Into<TensorOptions>) -> Result<Tensor> {
    let opts = opts.into();
    let dt = float_dtype(&opts, "check_uniform_bounds")?;
    let shape = crate::shape::resolve_shape(&shape.into_list())?;
    if opts.device_or_default() == Device::Meta {
        return meta_out(&shape, dt, opts);
    }
    let v = sample(
        opts.device_or_default(),
        crate::shape::numel(&shape),
        |g, v| fill_uniform(g, v, 0.0, 1.0, dt),
    )?;
    finish(v, &shape, dt, opts)
}

/// `torch.rand(shape)`.
///
/// ```
/// let x = ember::rand([5, 3]);
/// assert!(x.to_vec::<f32>().iter().all(|&v| (0.0..1.0).contains(&v)));
/// ```
///
/// # Panics
/// If a size is negative.
#[track_caller]
pub fn rand(shape: impl IntList) -> Tensor {
    try_rand_with(shape, TensorOptions::new()).or_panic()
}

/// `torch.randn(shape, dtype=…)`: standard normal samples.
///
/// ```
/// let w = ember::randn_with([3], ember::TensorOptions::new().requires_grad(true));
/// assert!(w.requires_grad());
/// ```
///
/// # Errors
/// For a non-float dtype or a negative size.
#[panicking]
pub fn try_randn_with(shape: impl IntList, opts: impl Into<TensorOptions>) -> Result<Tensor> {
    let opts = opts.into();
    let dt = float_dtype(&opts, "normal_kernel_cpu")?;
    let shape = crate::shape::resolve_shape(&shape.into_list())?;
    if opts.device_or_default() == Device::Meta {
        return meta_out(&shape, dt, opts);
    }
    let v = sample(
        opts.device_or_default(),
        crate::shape::numel(&shape),
        |g, v| fill_normal(g, v, 0.0, 1.0, dt),
    )?;
    finish(v, &shape, dt, opts)
}

/// `torch.randn(shape)`.
///
/// ```
/// ember::manual_seed(0);
/// let x = ember::randn([64, 1000]);
/// let m = x.mean().item::<f32>();
/// assert!(m.abs() < 0.05);
/// ```
///
/// # Panics
/// If a size is negative.
#[track_caller]
pub fn randn(shape: impl IntList) -> Tensor {
    try_randn_with(shape, TensorOptions::new()).or_panic()
}

/// `torch.rand_like(t)`.
///
/// ```
/// assert_eq!(ember::rand_like(&ember::zeros([2, 2])).shape(), &[2, 2]);
/// ```
///
/// # Panics
/// If `t` is not a float tensor.
#[track_caller]
pub fn rand_like(t: &Tensor) -> Tensor {
    try_rand_with(t.shape(), (t.dtype(), t.device())).or_panic()
}

/// `torch.rand_like(t, dtype=…)` (or `device=`, `requires_grad=`): uniform in `[0, 1)`
/// with `t`'s shape, and its dtype and device unless `opts` says otherwise.
///
/// ```
/// let x = ember::rand_like_with(&ember::zeros([5, 3]), ember::DType::F64);
/// assert_eq!((x.shape(), x.dtype()), (&[5, 3][..], ember::DType::F64));
/// assert!(x.to_vec::<f64>().iter().all(|v| (0.0..1.0).contains(v)));
/// ```
///
/// ```
/// let e = ember::try_rand_like_with(&ember::zeros([2]), ember::DType::I64).unwrap_err();
/// assert_eq!(e.to_string(), "\"check_uniform_bounds\" not implemented for 'Long'");
/// ```
///
/// # Errors
/// If the dtype is not a float dtype.
#[panicking]
pub fn try_rand_like_with(t: &Tensor, opts: impl Into<TensorOptions>) -> Result<Tensor> {
    try_rand_with(t.shape(), like_options(t, opts.into()))
}

/// `opts` with `t`'s dtype and device where it leaves them unset.
fn like_options(t: &Tensor, o: TensorOptions) -> TensorOptions {
    TensorOptions {
        dtype: Some(o.dtype.unwrap_or(t.dtype())),
        device: Some(o.device.unwrap_or(t.device())),
        requires_grad: o.requires_grad,
    }
}

/// `torch.randn_like(t)`.
///
/// ```
/// assert_eq!(ember::randn_like(&ember::zeros([2])).shape(), &[2]);
/// ```
///
/// # Panics
/// If `t` is not a float tensor.
#[track_caller]
pub fn randn_like(t: &Tensor) -> Tensor {
    randn_like_with(t, TensorOptions::new())
}

/// `torch.randn_like(t, dtype=…)`.
///
/// ```
/// let x = ember::randn_like_with(&ember::zeros([5, 3]), ember::DType::F64);
/// assert_eq!(x.dtype(), ember::DType::F64);
/// ```
///
/// # Panics
/// If the dtype is not a float dtype.
#[track_caller]
pub fn randn_like_with(t: &Tensor, opts: impl Into<TensorOptions>) -> Tensor {
    try_randn_with(t.shape(), like_options(t, opts.into())).or_panic()
}

/// `torch.randint(low, high, shape)`: integers in `[low, high)`, int64 by default.
///
/// ```
/// let x = ember::randint(0, 10, [100]);
/// assert!(x.to_vec::<i64>().iter().all(|&v| (0..10).contains(&v)));
/// ```
///
/// # Panics
/// As [`try_randint_with`].
#[track_caller]
pub fn randint(low: i64, high: i64, shape: impl IntList) -> Tensor {
    try_randint_with(low, high, shape, TensorOptions::new()).or_panic()
}

/// `torch.randint(low, high, shape, dtype=…)`.
///
/// # Errors
/// If `low >= high` or a size is negative.
pub fn try_randint_with(
    low: i64,
    high: i64,
    shape: impl IntList,
    opts: impl Into<TensorOptions>,
) -> Result<Tensor> {
    let opts = opts.into();
    if low >= high {
        bail!(
            Value,
            "random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        );
    }
    let shape = crate::shape::resolve_shape(&shape.into_list())?;
    if opts.device_or_default() == Device::Meta {
        return meta_out(&shape, opts.dtype.unwrap_or(DType::I64), opts);
    }
    let device = opts.device_or_default();
    check_device(device)?;
    let range = (high as i128 - low as i128) as u64;
    let n = crate::shape::numel(&shape);
    let v: Vec<i64> = with_generator(device, |g| {
        (0..n)
            .map(|_| {
                let r = g.random_below(range);
                (low as i128 + r as i128) as i64
            })
            .collect()
    });
    let dt = opts.dtype.unwrap_or(DType::I64);
    let t = Tensor::try_from_vec(v, shape.as_slice())?.try_to_dtype(dt)?;
    let t = match device {
        Device::Cpu => t,
        d => t.try_to_device(d)?,
    };
    if opts.requires_grad {
        t.try_requires_grad_(true)?;
    }
    Ok(t)
}

/// `torch.randperm(n)`: a random permutation of `0..n` (int64).
///
/// ```
/// let mut p = ember::randperm(5).to_vec::<i64>();
/// p.sort();
/// assert_eq!(p, vec![0, 1, 2, 3, 4]);
/// ```
pub fn randperm(n: usize) -> Tensor {
    with_default(|g| g.randperm(n))
}

impl Tensor {
    /// `x.uniform_(from, to)`: fills in place with uniform samples.
    ///
    /// ```
    /// let x = ember::empty([4]);
    /// x.uniform_(-1.0, 1.0);
    /// assert!(x.to_vec::<f32>().iter().all(|&v| (-1.0..1.0).contains(&v)));
    /// ```
    ///
    /// # Errors
    /// For non-float tensors, `from > to`, or the in-place checks of autograd.
    #[panicking]
    pub fn try_uniform_(&self, from: f64, to: f64) -> Result<Tensor> {
        if from > to {
            bail!(
                Value,
                "uniform_ expects to return a [from, to) range, but found from={from} > to={to}"
            );
        }
        let dt = self.dtype();
        float_dtype(&TensorOptions::new().dtype(dt), "uniform_")?;
        if !self.has_data() {
            return self.fill_nothing();
        }
        let v = sample(self.device(), self.numel(), |g, v| {
            fill_uniform(g, v, from, to, dt)
        })?;
        self.fill_from(v)
    }

    /// `x.normal_(mean, std)`: fills in place with normal samples.
    ///
    /// ```
    /// let x = ember::empty([5]);
    /// x.normal_(0.0, 1.0);
    /// ```
    ///
    /// # Errors
    /// For non-float tensors, negative `std`, or the in-place checks of autograd.
    #[panicking]
    pub fn try_normal_(&self, mean: f64, std: f64) -> Result<Tensor> {
        if std < 0.0 {
            bail!(Value, "normal expects std >= 0.0, but found std {std}");
        }
        let dt = self.dtype();
        float_dtype(&TensorOptions::new().dtype(dt), "normal_kernel_cpu")?;
        if !self.has_data() {
            return self.fill_nothing();
        }
        let contiguous = self.is_contiguous();
        let v = sample(self.device(), self.numel(), |g, v| {
            if contiguous {
                fill_normal(g, v, mean, std, dt)
            } else {
                for x in v.iter_mut() {
                    *x = g.normal(mean, std);
                }
            }
        })?;
        self.fill_from(v)
    }

    /// The in-place fill of a tensor without data (meta): the checks and the version bump
    /// of a write, and nothing sampled.
    fn fill_nothing(&self) -> Result<Tensor> {
        self.check_inplace()?;
        self.bump_version();
        Ok(self.clone())
    }

    /// Writes row-major `values` into `self` in place (no autograd history).
    fn fill_from(&self, values: Vec<f64>) -> Result<Tensor> {
        self.check_inplace()?;
        let src = Tensor::try_from_vec(values, self.shape())?;
        kernel::copy(src.arg(), self.arg())?;
        self.bump_version();
        Ok(self.clone())
    }
}
