//! PyTorch's MNIST example (`examples/mnist/main.py`) in Rust, on the handwritten digits
//! shipped with ember: a `Dataset` with transforms, a `DataLoader`, a CNN, Adadelta with
//! `StepLR`, an epoch loop with test loss and accuracy, and the trained model saved.
//!
//! ```sh
//! cargo run --release --example digits                              # the shipped 8×8 digits
//! cargo run --release --example digits -- --epochs 3 --save-model
//! cargo run --release --example digits -- --data-dir ~/data         # real MNIST IDX files
//! ```
//!
//! The options are PyTorch's (`--batch-size 64`, `--test-batch-size 1000`, `--epochs 14`,
//! `--lr 1.0`, `--gamma 0.7`, `--seed 1`, `--log-interval 10`, `--dry-run`,
//! `--save-model`), plus `--data-dir DIR` to train on MNIST from `DIR/MNIST/raw/` or `DIR/`
//! instead (ember never downloads) and `--plot PATH` (default `digits.png`). Unlike
//! PyTorch's CPU run, the training set is shuffled each epoch (PyTorch shuffles only with
//! CUDA). Prints a progress bar per epoch (log lines when not on a terminal), the test set's
//! loss and accuracy after each epoch, and finally `test accuracy: 0.NNNN`; writes the
//! train loss and test accuracy per epoch to the plot and, with `--save-model`, the weights
//! to `digits_cnn.safetensors` (`mnist_cnn.safetensors` on MNIST).

#[path = "common/font.rs"]
mod font;

use ember::datasets::{Digits, MNIST};
use ember::nn::functional::{self as F, MaxPool2dOptions, NllLossOptions, Reduction};
use ember::nn::{self, Module};
use ember::optim::lr_scheduler::{LRScheduler, StepLR};
use ember::optim::{Adadelta, Optimizer};
use ember::utils::data::{DataLoader, DataLoaderOptions, Dataset};
use ember::vision::transforms::{Compose, Normalize, ToTensor, Transform};
use ember::{Result, Tensor};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;

/// The command line, with PyTorch's defaults.
struct Args {
    batch_size: usize,
    test_batch_size: usize,
    epochs: usize,
    lr: f64,
    gamma: f64,
    seed: u64,
    log_interval: usize,
    dry_run: bool,
    save_model: bool,
    data_dir: Option<PathBuf>,
    plot: PathBuf,
}

impl Args {
    fn parse() -> std::result::Result<Args, String> {
        let mut a = Args {
            batch_size: 64,
            test_batch_size: 1000,
            epochs: 14,
            lr: 1.0,
            gamma: 0.7,
            seed: 1,
            log_interval: 10,
            dry_run: false,
            save_model: false,
            data_dir: None,
            plot: PathBuf::from("digits.png"),
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
            fn num<T: std::str::FromStr>(flag: &str, v: String) -> std::result::Result<T, String> {
                v.parse()
                    .map_err(|_| format!("{flag}: '{v}' is not a valid number"))
            }
            match flag.as_str() {
                "--batch-size" => a.batch_size = num(&flag, value()?)?,
                "--test-batch-size" => a.test_batch_size = num(&flag, value()?)?,
                "--epochs" => a.epochs = num(&flag, value()?)?,
                "--lr" => a.lr = num(&flag, value()?)?,
                "--gamma" => a.gamma = num(&flag, value()?)?,
                "--seed" => a.seed = num(&flag, value()?)?,
                "--log-interval" => a.log_interval = num(&flag, value()?)?,
                "--data-dir" => a.data_dir = Some(value()?.into()),
                "--plot" => a.plot = value()?.into(),
                "--dry-run" => a.dry_run = true,
                "--save-model" => a.save_model = true,
                // PyTorch's device flags: ember trains on the CPU here either way.
                "--no-cuda" | "--no-mps" | "--no-accel" => {}
                "-h" | "--help" => {
                    return Err("usage: digits [--batch-size N] [--test-batch-size N] \
                                [--epochs N] [--lr LR] [--gamma G] [--seed S] \
                                [--log-interval N] [--dry-run] [--save-model] \
                                [--data-dir DIR] [--plot PATH]"
                        .into());
                }
                other => return Err(format!("unrecognized argument: {other}")),
            }
        }
        Ok(a)
    }
}

/// PyTorch's example network; `side` is the input images' side (8 or 28), which sets the
/// size of `fc1`'s input (two 3×3 convolutions, then a 2×2 max pool).
#[derive(nn::Module)]
struct Net {
    conv1: nn::Conv2d,
    conv2: nn::Conv2d,
    dropout1: nn::Dropout,
    dropout2: nn::Dropout,
    fc1: nn::Linear,
    fc2: nn::Linear,
}

impl Net {
    fn new(side: usize) -> Net {
        let pooled = (side - 4) / 2;
        Net {
            conv1: nn::Conv2d::new(1, 32, 3),
            conv2: nn::Conv2d::new(32, 64, 3),
            dropout1: nn::Dropout::new(0.25),
            dropout2: nn::Dropout::new(0.5),
            fc1: nn::Linear::new(64 * pooled * pooled, 128),
            fc2: nn::Linear::new(128, 10),
        }
    }
}

impl Module for Net {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = self.conv1.forward(x)?.try_relu()?;
        let x = self.conv2.forward(&x)?.try_relu()?;
        let x = F::max_pool2d(&x, MaxPool2dOptions::new(2))?;
        let x = self.dropout1.forward(&x)?.try_flatten(1, -1)?;
        let x = self.fc1.forward(&x)?.try_relu()?;
        let x = self.fc2.forward(&self.dropout2.forward(&x)?)?;
        F::log_softmax(&x, 1)
    }
}

type Batch = (Tensor, Tensor);

/// One pass over the training set; returns the mean training loss.
fn train(
    args: &Args,
    model: &mut Net,
    loader: &DataLoader<Batch>,
    optimizer: &mut Adadelta,
    epoch: usize,
    n_train: usize,
) -> Result<f64> {
    model.train(true);
    let batches = loader.len();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(batches as u64);
        bar.set_style(
            ProgressStyle::with_template("epoch {prefix} {bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(epoch.to_string());
        bar
    });
    let (mut total, mut seen) = (0.0, 0usize);
    for (batch_idx, batch) in loader.iter().enumerate() {
        let (data, target) = batch?;
        optimizer.zero_grad();
        let output = model.forward(&data)?;
        let loss = F::nll_loss(&output, &target, NllLossOptions::default())?;
        loss.try_backward()?;
        optimizer.step()?;
        let l = loss.try_item::<f64>()?;
        total += l * data.shape()[0] as f64;
        seen += data.shape()[0];
        match &bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(format!("loss {l:.6}"));
            }
            None if batch_idx % args.log_interval == 0 => println!(
                "Train Epoch: {epoch} [{}/{n_train} ({:.0}%)]\tLoss: {l:.6}",
                batch_idx * args.batch_size,
                100.0 * batch_idx as f64 / batches as f64
            ),
            None => {}
        }
        if args.dry_run {
            break;
        }
    }
    if let Some(bar) = bar {
        bar.finish();
    }
    Ok(total / seen.max(1) as f64)
}

/// The test set's mean loss and accuracy.
fn test(model: &mut Net, loader: &DataLoader<Batch>, n_test: usize) -> Result<(f64, f64)> {
    model.eval();
    let _g = ember::no_grad();
    let (mut loss, mut correct) = (0.0, 0i64);
    for batch in loader.iter() {
        let (data, target) = batch?;
        let output = model.forward(&data)?;
        let opts = NllLossOptions {
            reduction: Reduction::Sum,
            ..Default::default()
        };
        loss += F::nll_loss(&output, &target, opts)?.try_item::<f64>()?;
        let pred = output.try_argmax_dim(1, true)?;
        correct += pred
            .try_eq(&target.try_view(pred.shape())?)?
            .try_sum()?
            .try_item::<i64>()?;
    }
    let n = n_test.max(1) as f64;
    let (loss, accuracy) = (loss / n, correct as f64 / n);
    println!(
        "\nTest set: Average loss: {loss:.4}, Accuracy: {correct}/{n_test} ({:.0}%)\n",
        100.0 * accuracy
    );
    Ok((loss, accuracy))
}

/// A boxed dataset of `(image, label)` samples, whichever data set was chosen.
type Data = Box<dyn Dataset<Item = (Tensor, i64)>>;

/// The train and test sets, normalised with the training set's pixel mean and std, and the
/// images' side.
fn datasets(args: &Args) -> Result<(Data, Data, usize)> {
    let transform = |mean: f64, std: f64| {
        Compose::new(vec![
            Box::new(ToTensor) as Box<dyn Transform>,
            Box::new(Normalize::new(vec![mean], vec![std])),
        ])
    };
    Ok(match &args.data_dir {
        // PyTorch's example's constants for MNIST.
        Some(dir) => (
            Box::new(MNIST::new(dir, true)?.with_transform(transform(0.1307, 0.3081))),
            Box::new(MNIST::new(dir, false)?.with_transform(transform(0.1307, 0.3081))),
            28,
        ),
        // The same statistics of the shipped digits' 1,500 training images.
        None => (
            Box::new(Digits::new(true)?.with_transform(transform(0.3052, 0.3749))),
            Box::new(Digits::new(false)?.with_transform(transform(0.3052, 0.3749))),
            8,
        ),
    })
}

fn run(args: &Args) -> Result<f64> {
    ember::manual_seed(args.seed);
    let (train_set, test_set, side) = datasets(args)?;
    let (n_train, n_test) = (train_set.len(), test_set.len());
    let train_loader = DataLoader::new(
        train_set,
        DataLoaderOptions {
            batch_size: Some(args.batch_size),
            shuffle: true,
            ..Default::default()
        },
    )?;
    let test_loader = DataLoader::new(
        test_set,
        DataLoaderOptions {
            batch_size: Some(args.test_batch_size),
            ..Default::default()
        },
    )?;
    let mut model = Net::new(side);
    let mut optimizer = Adadelta::new(model.parameters(), args.lr);
    let mut scheduler = StepLR::new(&optimizer, 1, args.gamma);
    let (mut losses, mut accuracies) = (Vec::new(), Vec::new());
    let mut accuracy = 0.0;
    for epoch in 1..=args.epochs {
        let loss = train(
            args,
            &mut model,
            &train_loader,
            &mut optimizer,
            epoch,
            n_train,
        )?;
        let (_, acc) = test(&mut model, &test_loader, n_test)?;
        scheduler.step();
        losses.push(loss);
        accuracies.push(acc);
        accuracy = acc;
    }
    if let Err(e) = plot(&losses, &accuracies, &args.plot) {
        eprintln!("could not write {}: {e}", args.plot.display());
    } else {
        println!("wrote {}", args.plot.display());
    }
    if args.save_model {
        let name = if args.data_dir.is_some() {
            "mnist_cnn.safetensors"
        } else {
            "digits_cnn.safetensors"
        };
        ember::io::save(&model.state_dict(), name)?;
        println!("saved {name}");
    }
    Ok(accuracy)
}

/// Train loss and test accuracy per epoch, side by side.
fn plot(
    losses: &[f64],
    accuracies: &[f64],
    path: &std::path::Path,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;

    font::register()?;
    let root = BitMapBackend::new(path, (1000, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(500);
    let epochs = losses.len().max(1);
    let panels = [
        (left, "train loss", losses, BLUE),
        (right, "test accuracy", accuracies, RED),
    ];
    for (area, name, values, color) in panels {
        let hi = values.iter().copied().fold(f64::MIN, f64::max);
        let lo = values.iter().copied().fold(f64::MAX, f64::min);
        let (lo, hi) = if lo < hi {
            (lo, hi)
        } else {
            (lo - 0.5, lo + 0.5)
        };
        let pad = (hi - lo) * 0.1;
        let mut chart = ChartBuilder::on(&area)
            .caption(format!("digits: {name}"), ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(1..epochs, lo - pad..hi + pad)?;
        chart.configure_mesh().x_desc("epoch").draw()?;
        let points = values.iter().enumerate().map(|(i, v)| (i + 1, *v));
        chart.draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?;
        chart.draw_series(points.map(|p| Circle::new(p, 3, color.filled())))?;
    }
    root.present()?;
    Ok(())
}

fn main() {
    let args = match Args::parse() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    match run(&args) {
        Ok(accuracy) => println!("test accuracy: {accuracy:.4}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
