//! Optimizer and learning-rate scheduler cases (`nn_optims.jsonl`, `nn_schedulers.jsonl`).

use super::spec::{self, Kw};
use ember::Tensor;
use ember::optim::lr_scheduler::{self as sched, LRScheduler};
use ember::optim::{self, Optimizer};
use serde_json::Value;

fn betas(kw: &Kw, default: (f64, f64)) -> (f64, f64) {
    match kw.get("betas").and_then(Value::as_array) {
        Some(a) if a.len() == 2 => (
            spec::num(&a[0]).unwrap_or(default.0),
            spec::num(&a[1]).unwrap_or(default.1),
        ),
        _ => default,
    }
}

/// One option read from the case's kwargs, PyTorch's default when absent.
macro_rules! kwarg {
    ($kw:ident, $d:ident, $field:ident: f64) => {
        $kw.f64(stringify!($field)).unwrap_or($d.$field)
    };
    ($kw:ident, $d:ident, $field:ident: bool) => {
        $kw.bool(stringify!($field)).unwrap_or($d.$field)
    };
    ($kw:ident, $d:ident, $field:ident: betas) => {
        betas($kw, $d.$field)
    };
}

/// Builds `torch.optim.<name>(params, **kwargs)`.
pub fn make_optimizer(
    name: &str,
    params: Vec<Tensor>,
    kw: &Kw,
) -> Result<Box<dyn Optimizer>, String> {
    macro_rules! build {
        ($opt:ident, $opts:ident { $($field:ident: $kind:ident),* $(,)? }) => {{
            let d = optim::$opts::default();
            let o = optim::$opts { $($field: kwarg!(kw, d, $field: $kind)),* };
            optim::$opt::try_with(params, o).map(|o| Box::new(o) as Box<dyn Optimizer>)
        }};
    }
    let r: ember::Result<Box<dyn Optimizer>> = match name {
        "SGD" => build!(
            SGD,
            SgdOptions {
                lr: f64,
                momentum: f64,
                dampening: f64,
                weight_decay: f64,
                nesterov: bool,
                maximize: bool,
            }
        ),
        "Adam" => build!(
            Adam,
            AdamOptions {
                lr: f64,
                betas: betas,
                eps: f64,
                weight_decay: f64,
                amsgrad: bool,
                maximize: bool,
                decoupled_weight_decay: bool,
            }
        ),
        "AdamW" => build!(
            AdamW,
            AdamWOptions {
                lr: f64,
                betas: betas,
                eps: f64,
                weight_decay: f64,
                amsgrad: bool,
                maximize: bool,
            }
        ),
        "RMSprop" => build!(
            RMSprop,
            RMSpropOptions {
                lr: f64,
                alpha: f64,
                eps: f64,
                weight_decay: f64,
                momentum: f64,
                centered: bool,
                maximize: bool,
            }
        ),
        "Adagrad" => build!(
            Adagrad,
            AdagradOptions {
                lr: f64,
                lr_decay: f64,
                weight_decay: f64,
                initial_accumulator_value: f64,
                eps: f64,
                maximize: bool,
            }
        ),
        "Adamax" => build!(
            Adamax,
            AdamaxOptions {
                lr: f64,
                betas: betas,
                eps: f64,
                weight_decay: f64,
                maximize: bool,
            }
        ),
        "NAdam" => build!(
            NAdam,
            NAdamOptions {
                lr: f64,
                betas: betas,
                eps: f64,
                weight_decay: f64,
                momentum_decay: f64,
                decoupled_weight_decay: bool,
                maximize: bool,
            }
        ),
        "Adadelta" => build!(
            Adadelta,
            AdadeltaOptions {
                lr: f64,
                rho: f64,
                eps: f64,
                weight_decay: f64,
                maximize: bool,
            }
        ),
        _ => return Err(format!("unknown optimizer {name}")),
    };
    r.map_err(|e| e.to_string())
}

/// An optimizer case: step with each recorded gradient and compare the parameter.
pub fn run_optim_case(case: &Value) -> Result<(), String> {
    let name = case["optimizer"].as_str().ok_or("no optimizer")?;
    let p = spec::tensor(&case["param"])?
        .try_requires_grad_(true)
        .map_err(|e| e.to_string())?;
    let kw = Kw(&case["kwargs"]);
    let mut opt = make_optimizer(name, vec![p.clone()], &kw)?;
    let grads = case["grads"].as_array().ok_or("no grads")?;
    let after = case["params_after"].as_array().ok_or("no params_after")?;
    for (t, (g, want)) in grads.iter().zip(after).enumerate() {
        p.set_grad(Some(spec::tensor(g)?));
        opt.step().map_err(|e| format!("step {t}: {e}"))?;
        spec::compare(&p, want, None).map_err(|e| format!("after step {t}: {e}"))?;
    }
    Ok(())
}

fn usize_kw(kw: &Kw, k: &str) -> Result<usize, String> {
    kw.i64(k)
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| format!("missing {k}"))
}

/// A scheduler case: `optimizer.step()` then `scheduler.step()`, comparing the rate.
pub fn run_scheduler_case(case: &Value) -> Result<(), String> {
    let name = case["scheduler"].as_str().ok_or("no scheduler")?;
    let okw = Kw(&case["optimizer"]);
    let p = ember::zeros([2]).requires_grad_(true);
    let mut opt = make_optimizer(okw.str("name").ok_or("no optimizer name")?, vec![p], &okw)?;
    let kw = Kw(&case["kwargs"]);
    let f = |k: &str, d: f64| kw.f64(k).unwrap_or(d);
    let lrs = case["lrs"].as_array().ok_or("no lrs")?;
    let check = |t: usize, got: f64, want: &Value| -> Result<(), String> {
        let want = spec::num(want).ok_or("bad lr")?;
        if (got - want).abs() > 1e-12 + 1e-10 * want.abs() {
            return Err(format!("step {t}: lr {got} != expected {want}"));
        }
        Ok(())
    };
    if name == "ReduceLROnPlateau" {
        let d = sched::ReduceLROnPlateauOptions::default();
        let mode = match kw.str("mode") {
            Some("max") => sched::PlateauMode::Max,
            _ => sched::PlateauMode::Min,
        };
        let threshold_mode = match kw.str("threshold_mode") {
            Some("abs") => sched::ThresholdMode::Abs,
            _ => sched::ThresholdMode::Rel,
        };
        let mut s = sched::ReduceLROnPlateau::try_with(
            &*opt,
            sched::ReduceLROnPlateauOptions {
                mode,
                factor: f("factor", d.factor),
                patience: usize_kw(&kw, "patience").unwrap_or(d.patience),
                threshold: f("threshold", d.threshold),
                threshold_mode,
                cooldown: usize_kw(&kw, "cooldown").unwrap_or(d.cooldown),
                min_lr: f("min_lr", d.min_lr),
                min_lrs: None,
                eps: f("eps", d.eps),
            },
        )
        .map_err(|e| e.to_string())?;
        let metrics = case["metrics"].as_array().ok_or("no metrics")?;
        for (t, (m, want)) in metrics.iter().zip(lrs).enumerate() {
            opt.step().map_err(|e| e.to_string())?;
            s.try_step(spec::num(m).ok_or("bad metric")?)
                .map_err(|e| e.to_string())?;
            check(t, s.get_last_lr()[0], want)?;
            check(t, opt.lrs()[0], want)?;
        }
        return Ok(());
    }
    let mut s: Box<dyn LRScheduler> = match name {
        "StepLR" => Box::new(sched::StepLR::new(
            &*opt,
            usize_kw(&kw, "step_size")?,
            f("gamma", 0.1),
        )),
        "MultiStepLR" => {
            let ms: Vec<usize> = kw
                .ints("milestones")
                .ok_or("no milestones")?
                .into_iter()
                .map(|m| m as usize)
                .collect();
            Box::new(sched::MultiStepLR::new(&*opt, &ms, f("gamma", 0.1)))
        }
        "ExponentialLR" => Box::new(sched::ExponentialLR::new(&*opt, f("gamma", 0.1))),
        "CosineAnnealingLR" => Box::new(sched::CosineAnnealingLR::new(
            &*opt,
            usize_kw(&kw, "T_max")?,
            f("eta_min", 0.0),
        )),
        "LinearLR" => Box::new(
            sched::LinearLR::try_new(
                &*opt,
                f("start_factor", 1.0 / 3.0),
                f("end_factor", 1.0),
                usize_kw(&kw, "total_iters").unwrap_or(5),
            )
            .map_err(|e| e.to_string())?,
        ),
        "OneCycleLR" => {
            let d = sched::OneCycleOptions::default();
            Box::new(
                sched::OneCycleLR::try_with(
                    &*opt,
                    f("max_lr", 0.0),
                    sched::OneCycleOptions {
                        total_steps: usize_kw(&kw, "total_steps").ok(),
                        epochs: usize_kw(&kw, "epochs").ok(),
                        steps_per_epoch: usize_kw(&kw, "steps_per_epoch").ok(),
                        pct_start: f("pct_start", d.pct_start),
                        anneal_strategy: match kw.str("anneal_strategy") {
                            Some("linear") => sched::AnnealStrategy::Linear,
                            _ => sched::AnnealStrategy::Cos,
                        },
                        cycle_momentum: kw.bool("cycle_momentum").unwrap_or(true),
                        base_momentum: f("base_momentum", d.base_momentum),
                        max_momentum: f("max_momentum", d.max_momentum),
                        div_factor: f("div_factor", d.div_factor),
                        final_div_factor: f("final_div_factor", d.final_div_factor),
                        three_phase: kw.bool("three_phase").unwrap_or(false),
                    },
                )
                .map_err(|e| e.to_string())?,
            )
        }
        _ => return Err(format!("unknown scheduler {name}")),
    };
    for (t, want) in lrs.iter().enumerate() {
        opt.step().map_err(|e| e.to_string())?;
        s.try_step().map_err(|e| e.to_string())?;
        check(t, s.get_last_lr()[0], want)?;
        check(t, opt.lrs()[0], want)?;
    }
    Ok(())
}
