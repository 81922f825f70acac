//! The two-layer network of seeds 001, 002 and 004 (N=64, D_in=1000, H=100, D_out=10), in
//! every variant the tutorials build it:
//!
//! | variant    | what it shows                                              |
//! |------------|------------------------------------------------------------|
//! | `tensors`  | raw tensors, backward pass written by hand                 |
//! | `autograd` | the same with `loss.backward()` (the default)              |
//! | `myrelu`   | a custom autograd `Function` for ReLU                      |
//! | `nn`       | `nn::Sequential` + `MSELoss(sum)`, manual parameter update |
//! | `sgd`      | `TwoLayerNet` module + `MSELoss(sum)` + `optim::SGD`       |
//! | `adam`     | `nn::Sequential` + `optim::Adam`                           |
//! | `all`      | every variant above, one after the other                   |
//!
//! ```sh
//! cargo run --release --example two_layer_net                  # autograd
//! cargo run --release --example two_layer_net -- --variant all
//! ```
//!
//! Prints `t loss` every 100 iterations as the seeds do, shows a progress bar with the live
//! loss on a terminal, and writes the loss curves to `loss.png`.

#[path = "common/font.rs"]
mod font;
#[path = "common/seed_net.rs"]
mod seed_net;

use ember::autograd::Function;
use ember::nn::{self, Module};
use ember::{Result, Tensor, optim};
use indicatif::{ProgressBar, ProgressStyle};
use seed_net::{D_IN, D_OUT, H, MyReLU, N, TwoLayerNet};
use std::io::IsTerminal;

const STEPS: usize = 500;

/// Reports the loss of each step: a progress bar on a terminal, the seeds' `t loss` lines
/// every 100 steps, and the whole curve for the plot.
struct Reporter {
    bar: Option<ProgressBar>,
    curve: Vec<f64>,
}

impl Reporter {
    fn new(name: &str) -> Reporter {
        println!("== {name}");
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(STEPS as u64);
            bar.set_style(
                ProgressStyle::with_template("{prefix:>8} [{bar:40}] {pos:>3}/{len} loss {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(name.to_string());
            bar
        });
        Reporter {
            bar,
            curve: Vec::with_capacity(STEPS),
        }
    }

    fn step(&mut self, t: usize, loss: f64) {
        self.curve.push(loss);
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{loss:.4}"));
            bar.inc(1);
        }
        if t % 100 == 99 {
            let line = format!("{t} {}", py_float(loss));
            match &self.bar {
                Some(bar) => bar.println(line),
                None => println!("{line}"),
            }
        }
    }

    fn finish(self) -> Vec<f64> {
        if let Some(bar) = self.bar {
            bar.finish();
        }
        self.curve
    }
}

/// A float as Python's `print` writes it (`1.0`, `3.0203538699424826e-05`), so the lines
/// read like the seeds'.
fn py_float(v: f64) -> String {
    if v.is_finite() && v != 0.0 && !(1e-4..1e16).contains(&v.abs()) {
        let s = format!("{v:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else if v.is_finite() && v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

fn data() -> (Tensor, Tensor) {
    (ember::randn([N, D_IN]), ember::randn([N, D_OUT]))
}

/// Seed 002 "using tensor": forward and backward by hand, no autograd.
fn tensors(r: &mut Reporter) -> Result<()> {
    let (x, y) = data();
    let w1 = ember::randn([D_IN, H]);
    let w2 = ember::randn([H, D_OUT]);
    let learning_rate = 1e-6;
    for t in 0..STEPS {
        let h = x.try_mm(&w1)?;
        let h_relu = h.try_clamp(0.0, None)?;
        let y_pred = h_relu.try_mm(&w2)?;
        let diff = y_pred.try_sub(&y)?;
        r.step(t, diff.try_pow(2.0)?.try_sum()?.try_item::<f64>()?);

        let grad_y_pred = diff.try_mul(2.0)?;
        let grad_w2 = h_relu.try_t()?.try_mm(&grad_y_pred)?;
        let grad_h_relu = grad_y_pred.try_mm(&w2.try_t()?)?;
        let grad_h = grad_h_relu.clone_tensor();
        grad_h.try_masked_fill_(&h.try_lt(0.0)?, 0.0)?;
        let grad_w1 = x.try_t()?.try_mm(&grad_h)?;

        w1.try_sub_(&grad_w1.try_mul(learning_rate)?)?;
        w2.try_sub_(&grad_w2.try_mul(learning_rate)?)?;
    }
    Ok(())
}

/// Seeds 001/002 "using autograd", with `relu` either `clamp(min=0)` or `MyReLU`.
fn autograd(r: &mut Reporter, custom_relu: bool) -> Result<()> {
    let (x, y) = data();
    let w1 = ember::randn([D_IN, H]).requires_grad_(true);
    let w2 = ember::randn([H, D_OUT]).requires_grad_(true);
    let learning_rate = 1e-6;
    for t in 0..STEPS {
        let h = x.try_mm(&w1)?;
        let h_relu = if custom_relu {
            MyReLU.apply1(&h)?
        } else {
            h.try_clamp(0.0, None)?
        };
        let y_pred = h_relu.try_mm(&w2)?;
        let loss = y_pred.try_sub(&y)?.try_pow(2.0)?.try_sum()?;
        r.step(t, loss.try_item::<f64>()?);

        loss.try_backward()?;

        let _guard = ember::no_grad();
        for w in [&w1, &w2] {
            if let Some(g) = w.grad() {
                w.try_sub_(&g.try_mul(learning_rate)?)?;
                g.zero_();
            }
        }
    }
    Ok(())
}

fn sequential() -> nn::Sequential {
    nn::Sequential::new()
        .push(nn::Linear::new(D_IN, H))
        .push(nn::ReLU::new())
        .push(nn::Linear::new(H, D_OUT))
}

/// Seed 001's `nn.Sequential` with the parameters updated by hand.
fn nn_manual(r: &mut Reporter) -> Result<()> {
    let (x, y) = data();
    let model = sequential();
    let loss_fn = nn::MSELoss::with_reduction(nn::functional::Reduction::Sum);
    let learning_rate = 1e-4;
    for t in 0..STEPS {
        let loss = loss_fn.forward(&model.forward(&x)?, &y)?;
        r.step(t, loss.try_item::<f64>()?);
        model.zero_grad();
        loss.try_backward()?;
        let _guard = ember::no_grad();
        for param in model.parameters() {
            if let Some(g) = param.grad() {
                param.try_sub_(&g.try_mul(learning_rate)?)?;
            }
        }
    }
    Ok(())
}

/// Seed 002's `TwoLayerNet` trained with `optim.SGD`, or seed 001's `Sequential` with
/// `optim.Adam`.
fn with_optimizer(r: &mut Reporter, adam: bool) -> Result<()> {
    let (x, y) = data();
    let model: Box<dyn Module> = if adam {
        Box::new(sequential())
    } else {
        Box::new(TwoLayerNet::new(D_IN, H, D_OUT))
    };
    let loss_fn = nn::MSELoss::with_reduction(nn::functional::Reduction::Sum);
    let mut optimizer: Box<dyn optim::Optimizer> = if adam {
        Box::new(optim::Adam::new(model.parameters(), 1e-4))
    } else {
        Box::new(optim::SGD::new(model.parameters(), 1e-4))
    };
    for t in 0..STEPS {
        let loss = loss_fn.forward(&model.forward(&x)?, &y)?;
        r.step(t, loss.try_item::<f64>()?);
        optimizer.zero_grad();
        loss.try_backward()?;
        optimizer.step()?;
    }
    Ok(())
}

fn run(variant: &str) -> Result<Vec<f64>> {
    let mut r = Reporter::new(variant);
    match variant {
        "tensors" => tensors(&mut r)?,
        "autograd" => autograd(&mut r, false)?,
        "myrelu" => autograd(&mut r, true)?,
        "nn" => nn_manual(&mut r)?,
        "sgd" => with_optimizer(&mut r, false)?,
        "adam" => with_optimizer(&mut r, true)?,
        other => {
            eprintln!("unknown variant {other:?}");
            std::process::exit(2);
        }
    }
    Ok(r.finish())
}

fn plot(
    curves: &[(String, Vec<f64>)],
    path: &str,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;

    font::register()?;

    let max = curves
        .iter()
        .flat_map(|(_, c)| c.iter().copied())
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold(1.0_f64, f64::max);
    let min = curves
        .iter()
        .flat_map(|(_, c)| c.iter().copied())
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold(max, f64::min);

    let root = BitMapBackend::new(path, (900, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("two-layer net: training loss", ("sans-serif", 24))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0..STEPS, (min * 0.5..max * 2.0).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc("loss (log scale)")
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()?;
    for (i, (name, curve)) in curves.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                curve
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite() && **v > 0.0)
                    .map(|(t, v)| (t, *v)),
                color.stroke_width(2),
            ))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut variant = "autograd".to_string();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--variant" | "-v" if i + 1 < args.len() => {
                variant = args[i + 1].clone();
                i += 1;
            }
            "--help" | "-h" => {
                println!(
                    "usage: two_layer_net [--variant tensors|autograd|myrelu|nn|sgd|adam|all]"
                );
                return;
            }
            other => variant = other.trim_start_matches("--").to_string(),
        }
        i += 1;
    }
    ember::manual_seed(0);
    let variants: Vec<&str> = if variant == "all" {
        vec!["tensors", "autograd", "myrelu", "nn", "sgd", "adam"]
    } else {
        vec![variant.as_str()]
    };
    let mut curves = Vec::new();
    for v in variants {
        match run(v) {
            Ok(curve) => curves.push((v.to_string(), curve)),
            Err(e) => {
                eprintln!("{v}: {e}");
                std::process::exit(1);
            }
        }
    }
    match plot(&curves, "loss.png") {
        Ok(()) => println!("wrote loss.png"),
        Err(e) => eprintln!("could not write loss.png: {e}"),
    }
}
