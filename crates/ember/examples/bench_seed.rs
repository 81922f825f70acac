//! Times the seed training loops, the Rust side of `bench/pytorch/bench_seed.py` (same
//! workloads, same sizes, same flags): milliseconds per iteration and peak memory.
//!
//! ```sh
//! cargo run --release --example bench_seed                     # every workload, a table
//! cargo run --release --example bench_seed -- --variant mlp --iters 20
//! ~/torch-venv/bin/python bench/pytorch/bench_seed.py --variant mlp --iters 20 --threads 2
//! ```
//! With `--variant` (one of `autograd`, `myrelu`, `nn-sgd`, `nn-adam`, `mlp`, `cnn`) it runs
//! 10 warm-up steps and then `--iters` timed steps, printing nothing per step; the last
//! line is `ms_per_iter=<float>` (`bench/compare.sh` reads it). `RAYON_NUM_THREADS` sets the
//! thread count (PyTorch's script uses `--threads`).
//!
//! With `--memory` it runs `--iters` steps (default 10,000) of every workload, or of
//! `--variant`, printing the resident set, the live tensors and the CPU allocator's bytes
//! every 1,000 steps: after warm-up they must stay flat (a growing count is a leak).
//!
//! ```sh
//! cargo run --release --example bench_seed -- --memory
//! ```

#[path = "common/seed_net.rs"]
mod seed_net;

use ember::autograd::Function;
use ember::nn::{self, Module};
use ember::optim::{self, Optimizer};
use ember::{Result, Tensor};
use seed_net::{D_IN, D_OUT, H, MyReLU, N, TwoLayerNet};
use std::time::Instant;

type Step = Box<dyn FnMut() -> Result<()>>;

fn seed_autograd(custom: bool) -> Step {
    let (x, y) = (ember::randn([N, D_IN]), ember::randn([N, D_OUT]));
    let w1 = ember::randn([D_IN, H]).requires_grad_(true);
    let w2 = ember::randn([H, D_OUT]).requires_grad_(true);
    Box::new(move || {
        let h = x.try_mm(&w1)?;
        let h = if custom {
            MyReLU.apply1(&h)?
        } else {
            h.try_clamp(0.0, None)?
        };
        let loss = h.try_mm(&w2)?.try_sub(&y)?.try_pow(2.0)?.try_sum()?;
        loss.try_backward()?;
        let _guard = ember::no_grad();
        for w in [&w1, &w2] {
            if let Some(g) = w.grad() {
                w.try_sub_(&g.try_mul(1e-6)?)?;
                g.zero_();
            }
        }
        Ok(())
    })
}

/// Seed 001's loop on raw tensors: the backward pass written by hand, no autograd.
fn seed_tensors() -> Step {
    let (x, y) = (ember::randn([N, D_IN]), ember::randn([N, D_OUT]));
    let (w1, w2) = (ember::randn([D_IN, H]), ember::randn([H, D_OUT]));
    Box::new(move || {
        let h = x.try_mm(&w1)?;
        let h_relu = h.try_clamp(0.0, None)?;
        let y_pred = h_relu.try_mm(&w2)?;
        let grad_y_pred = y_pred.try_sub(&y)?.try_mul(2.0)?;
        let grad_w2 = h_relu.try_t()?.try_mm(&grad_y_pred)?;
        let grad_h = grad_y_pred
            .try_mm(&w2.try_t()?)?
            .try_masked_fill(&h.try_lt(0.0)?, 0.0)?;
        let grad_w1 = x.try_t()?.try_mm(&grad_h)?;
        w1.try_sub_(&grad_w1.try_mul(1e-6)?)?;
        w2.try_sub_(&grad_w2.try_mul(1e-6)?)?;
        Ok(())
    })
}

fn seed_optim(adam: bool) -> Step {
    let (x, y) = (ember::randn([N, D_IN]), ember::randn([N, D_OUT]));
    let model: Box<dyn Module> = if adam {
        Box::new(TwoLayerNet::new(D_IN, H, D_OUT))
    } else {
        Box::new(
            nn::Sequential::new()
                .push(nn::Linear::new(D_IN, H))
                .push(nn::ReLU::new())
                .push(nn::Linear::new(H, D_OUT)),
        )
    };
    let mut opt: Box<dyn Optimizer> = if adam {
        Box::new(optim::Adam::new(model.parameters(), 1e-4))
    } else {
        Box::new(optim::SGD::new(model.parameters(), 1e-4))
    };
    let loss_fn = nn::MSELoss::with_reduction(nn::functional::Reduction::Sum);
    Box::new(move || {
        let loss = loss_fn.forward(&model.forward(&x)?, &y)?;
        opt.zero_grad();
        loss.try_backward()?;
        opt.step()
    })
}

fn mlp() -> Step {
    let x = ember::randn([256, 784]);
    let target = ember::randint(0, 10, [256]);
    let model = nn::Sequential::new()
        .push(nn::Linear::new(784, 1024))
        .push(nn::ReLU::new())
        .push(nn::Linear::new(1024, 1024))
        .push(nn::ReLU::new())
        .push(nn::Linear::new(1024, 10));
    let mut opt = optim::Adam::new(model.parameters(), 1e-3);
    Box::new(move || {
        let loss = nn::functional::cross_entropy(
            &model.forward(&x)?,
            &target,
            nn::functional::CrossEntropyOptions::default(),
        )?;
        opt.zero_grad();
        loss.try_backward()?;
        opt.step()
    })
}

/// LeNet-5 as in `bench_seed.py`: conv 6@5x5 (padding 2), pool, conv 16@5x5, pool, then
/// 120/84/10 fully connected, cross-entropy, SGD with momentum 0.9.
#[derive(nn::Module)]
struct LeNet {
    conv1: nn::Conv2d,
    conv2: nn::Conv2d,
    fc1: nn::Linear,
    fc2: nn::Linear,
    fc3: nn::Linear,
}

impl LeNet {
    fn new() -> LeNet {
        let pad2 = nn::Conv2dLayerOptions::default().padding(2);
        LeNet {
            conv1: nn::Conv2d::new_with(1, 6, 5, pad2).expect("valid conv"),
            conv2: nn::Conv2d::new(6, 16, 5),
            fc1: nn::Linear::new(16 * 5 * 5, 120),
            fc2: nn::Linear::new(120, 84),
            fc3: nn::Linear::new(84, 10),
        }
    }
}

impl Module for LeNet {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let pool = nn::functional::MaxPool2dOptions::new(2);
        let h = nn::functional::max_pool2d(&self.conv1.forward(x)?.try_relu()?, pool)?;
        let h = nn::functional::max_pool2d(&self.conv2.forward(&h)?.try_relu()?, pool)?;
        let h = self.fc1.forward(&h.try_flatten(1, -1)?)?.try_relu()?;
        let h = self.fc2.forward(&h)?.try_relu()?;
        self.fc3.forward(&h)
    }
}

fn lenet() -> Step {
    let x = ember::randn([64, 1, 28, 28]);
    let target = ember::randint(0, 10, [64]);
    let model = LeNet::new();
    let opts = optim::SgdOptions {
        lr: 0.01,
        momentum: 0.9,
        ..Default::default()
    };
    let mut opt = optim::SGD::with(model.parameters(), opts);
    Box::new(move || {
        let loss = nn::functional::cross_entropy(
            &model.forward(&x)?,
            &target,
            nn::functional::CrossEntropyOptions::default(),
        )?;
        opt.zero_grad();
        loss.try_backward()?;
        opt.step()
    })
}

/// A workload: its `--variant` name, its name in the table, and how to build it.
type Workload = (&'static str, &'static str, fn() -> Step);

/// Every workload, in the table's order.
const WORKLOADS: [Workload; 7] = [
    ("tensors", "seed_tensors", seed_tensors),
    ("autograd", "seed_autograd", || seed_autograd(false)),
    ("myrelu", "seed_myrelu", || seed_autograd(true)),
    ("nn-sgd", "seed_sequential_sgd", || seed_optim(false)),
    ("nn-adam", "seed_twolayer_adam", || seed_optim(true)),
    ("mlp", "mlp_784_1024_1024_10_adam", mlp),
    ("cnn", "lenet5_sgd_momentum", lenet),
];

/// Seeds, builds the workload and runs 10 warm-up steps.
fn prepare(make: fn() -> Step) -> Result<Step> {
    ember::manual_seed(0);
    let mut step = make();
    for _ in 0..10 {
        step()?;
    }
    ember::cpu::reset_peak();
    Ok(step)
}

/// Seconds per step over `iters` steps.
fn time(step: &mut Step, iters: usize) -> Result<f64> {
    let t = Instant::now();
    for _ in 0..iters {
        step()?;
    }
    Ok(t.elapsed().as_secs_f64() / iters as f64)
}

/// The process's peak resident set (`VmHWM`), in MiB, where Linux reports it.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// One workload, one timed run: the machine-readable lines of `bench/compare.sh`.
fn run_variant(make: fn() -> Step, iters: usize) -> Result<()> {
    let mut step = prepare(make)?;
    let t = time(&mut step, iters)?;
    println!("threads={}", rayon::current_num_threads());
    println!(
        "peak_allocated_mib={:.1}",
        mib(ember::cpu::peak_allocated_bytes())
    );
    if let Some(rss) = peak_rss_mib() {
        println!("peak_rss_mib={rss:.1}");
    }
    println!("ms_per_iter={}", t * 1e3);
    Ok(())
}

/// The process's resident set now (`VmRSS`), in MiB.
fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// `iters` steps of each workload, with the memory figures every 1,000 steps.
fn run_memory(only: Option<&str>, iters: usize) -> Result<()> {
    println!(
        "# ember, {} threads, {iters} steps each",
        rayon::current_num_threads()
    );
    for (short, name, make) in WORKLOADS {
        if only.is_some_and(|v| v != short) {
            continue;
        }
        println!("== {name}");
        println!(
            "{:>6} {:>9} {:>12} {:>14} {:>11}",
            "step", "rss_mib", "live_tensors", "allocated_mib", "cached_mib"
        );
        let mut step = prepare(make)?;
        let mut first = None;
        let mut last = (0.0, 0);
        for i in 1..=iters {
            step()?;
            if i % 1000 == 0 || i == iters {
                let rss = rss_mib().unwrap_or(f64::NAN);
                let live = ember::live_tensors();
                println!(
                    "{i:>6} {rss:>9.1} {live:>12} {:>14.1} {:>11.1}",
                    mib(ember::cpu::allocated_bytes()),
                    mib(ember::cpu::cached_bytes())
                );
                first.get_or_insert((rss, live));
                last = (rss, live);
            }
        }
        if let Some((rss0, live0)) = first {
            println!(
                "drift after the first 1,000 steps: rss {:+.1} MiB, live tensors {:+}",
                last.0 - rss0,
                last.1 as i64 - live0 as i64
            );
        }
    }
    Ok(())
}

/// Every workload: the median of five rounds each, as a table.
fn run_all(iters: usize) -> Result<()> {
    println!("# ember, {} threads", rayon::current_num_threads());
    for (_, name, make) in WORKLOADS {
        let n = if matches!(name.get(..3), Some("mlp" | "len")) {
            (iters / 10).max(5)
        } else {
            iters
        };
        let mut step = prepare(make)?;
        let mut times = (0..5)
            .map(|_| time(&mut step, n))
            .collect::<Result<Vec<f64>>>()?;
        times.sort_by(f64::total_cmp);
        println!(
            "{name:32} {:9.3} ms/iter  peak allocated {:7.1} MiB",
            times[2] * 1e3,
            mib(ember::cpu::peak_allocated_bytes())
        );
    }
    Ok(())
}

fn usage() -> ! {
    let names: Vec<&str> = WORKLOADS.iter().map(|w| w.0).collect();
    eprintln!(
        "usage: bench_seed [--memory] [--variant {}] [--iters N]",
        names.join("|")
    );
    std::process::exit(2);
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut variant, mut iters, mut memory) = (None, None, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--memory" => memory = true,
            "--variant" => variant = Some(it.next().cloned().unwrap_or_else(|| usage())),
            "--iters" => {
                let n = it.next().and_then(|s| s.parse::<usize>().ok());
                iters = Some(n.filter(|&n| n > 0).unwrap_or_else(|| usage()));
            }
            _ => usage(),
        }
    }
    if memory {
        if variant
            .as_deref()
            .is_some_and(|v| !WORKLOADS.iter().any(|w| w.0 == v))
        {
            usage();
        }
        return run_memory(variant.as_deref(), iters.unwrap_or(10_000));
    }
    match variant {
        None => run_all(iters.unwrap_or(100)),
        Some(v) => match WORKLOADS.iter().find(|w| w.0 == v) {
            Some(&(_, _, make)) => run_variant(make, iters.unwrap_or(100)),
            None => usage(),
        },
    }
}
