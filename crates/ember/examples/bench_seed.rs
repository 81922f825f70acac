//! Times the seed training loops, the Rust side of `bench/pytorch/bench_seed.py` (same
//! workloads, same sizes, same iteration counts): milliseconds per iteration, median of five
//! rounds, and the allocator's peak bytes.
//!
//! ```sh
//! cargo run --release --example bench_seed            # every workload
//! cargo run --release --example bench_seed -- seed_autograd 500
//! ~/torch-venv/bin/python bench/pytorch/bench_seed.py --threads 2
//! ```
//! `RAYON_NUM_THREADS` sets the thread count (PyTorch's script uses `--threads`).

use ember::autograd::{Function, FunctionCtx};
use ember::nn::{self, Module};
use ember::optim::{self, Optimizer};
use ember::{Result, Tensor};
use std::time::Instant;

const N: usize = 64;
const D_IN: usize = 1000;
const H: usize = 100;
const D_OUT: usize = 10;

struct MyReLU;

impl Function for MyReLU {
    fn forward(&self, ctx: &mut FunctionCtx, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        ctx.save_for_backward(&[&inputs[0]]);
        Ok(vec![inputs[0].try_clamp(0.0, None)?])
    }

    fn backward(&self, ctx: &FunctionCtx, grad_outputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let input = &ctx.saved_tensors()?[0];
        let grad_input = grad_outputs[0].clone_tensor();
        grad_input.try_masked_fill_(&input.try_lt(0.0)?, 0.0)?;
        Ok(vec![Some(grad_input)])
    }
}

#[derive(nn::Module)]
struct TwoLayerNet {
    linear1: nn::Linear,
    linear2: nn::Linear,
}

impl Module for TwoLayerNet {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.linear2
            .forward(&self.linear1.forward(x)?.try_clamp(0.0, None)?)
    }
}

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

fn seed_optim(adam: bool) -> Step {
    let (x, y) = (ember::randn([N, D_IN]), ember::randn([N, D_OUT]));
    let model: Box<dyn Module> = if adam {
        Box::new(TwoLayerNet {
            linear1: nn::Linear::new(D_IN, H),
            linear2: nn::Linear::new(H, D_OUT),
        })
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
        opt.zero_grad(true);
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
        opt.zero_grad(true);
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
        opt.zero_grad(true);
        loss.try_backward()?;
        opt.step()
    })
}

fn workload(name: &str) -> Option<Step> {
    Some(match name {
        "seed_autograd" => seed_autograd(false),
        "seed_myrelu" => seed_autograd(true),
        "seed_sequential_sgd" => seed_optim(false),
        "seed_twolayer_adam" => seed_optim(true),
        "mlp_784_1024_1024_10_adam" => mlp(),
        "lenet5_sgd_momentum" => lenet(),
        _ => return None,
    })
}

const ALL: [&str; 6] = [
    "seed_autograd",
    "seed_myrelu",
    "seed_sequential_sgd",
    "seed_twolayer_adam",
    "mlp_784_1024_1024_10_adam",
    "lenet5_sgd_momentum",
];

fn run(name: &str, iters: usize) -> Result<()> {
    ember::manual_seed(0);
    let Some(mut step) = workload(name) else {
        eprintln!("unknown workload {name:?}; one of {ALL:?}");
        std::process::exit(2);
    };
    for _ in 0..10 {
        step()?;
    }
    ember::cpu::reset_peak();
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..iters {
            step()?;
        }
        times.push(t.elapsed().as_secs_f64() / iters as f64);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{name:32} {:9.3} ms/iter  peak allocated {:7.1} MiB",
        times[2] * 1e3,
        ember::cpu::peak_allocated_bytes() as f64 / (1 << 20) as f64
    );
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let iters: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100);
    println!("# ember, {} threads", rayon::current_num_threads());
    match args.first() {
        Some(name) => run(name, iters),
        None => {
            for name in ALL {
                let n = if name.starts_with("mlp") || name.starts_with("lenet") {
                    (iters / 10).max(5)
                } else {
                    iters
                };
                run(name, n)?;
            }
            Ok(())
        }
    }
}
