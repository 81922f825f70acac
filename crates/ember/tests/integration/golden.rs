//! Conformance against PyTorch: runs every case of `tests/golden/*.jsonl` (and of the folder
//! named by `EMBER_GOLDEN_DIR`, when set). Values, dtypes, shapes, gradients, `grad_fn`
//! names, printed text and errors must all match. An op the runner does not know fails,
//! unless `tests/golden/PENDING.txt` lists it while its issue is open.

use crate::golden_ops::{
    self,
    spec::{self, Kw},
};
use ember::Tensor;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

fn case_files() -> Vec<PathBuf> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")];
    if let Ok(d) = std::env::var("EMBER_GOLDEN_DIR") {
        dirs.push(PathBuf::from(d));
    }
    let mut files = Vec::new();
    for d in dirs {
        let mut fs: Vec<PathBuf> = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        fs.sort();
        files.extend(fs);
    }
    files
}

fn pending() -> HashSet<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/PENDING.txt");
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// A message with ember's module name spelled as PyTorch's, whitespace collapsed (PyTorch's
/// messages may be cut mid-word, so ours is mapped to theirs, not the other way).
fn normalise(s: &str) -> String {
    s.replace("ember.", "torch.")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_error(got: Result<(), String>, want: &str) -> Result<(), String> {
    match got {
        Ok(()) => Err(format!("expected error {want:?}, got success")),
        Err(msg) => {
            if normalise(&msg).contains(&normalise(want)) {
                Ok(())
            } else {
                Err(format!("error {msg:?} does not match expected {want:?}"))
            }
        }
    }
}

fn tol(case: &Value) -> Option<(f64, f64)> {
    match (case["rtol"].as_f64(), case["atol"].as_f64()) {
        (Some(r), Some(a)) => Some((r, a)),
        (Some(r), None) => Some((r, 0.0)),
        (None, Some(a)) => Some((0.0, a)),
        _ => None,
    }
}

fn inputs(case: &Value) -> Result<Vec<Tensor>, String> {
    case["inputs"]
        .as_array()
        .map(|a| a.iter().map(spec::tensor).collect())
        .unwrap_or(Ok(vec![]))
}

fn grad_fn_name(t: &Tensor) -> Option<String> {
    t.grad_fn().map(|g| g.name())
}

/// The expected node name. PyTorch's C++-only nodes carry their namespace in `.name()`
/// (`torch::autograd::CopySlices`) while the cases may spell them bare; "NoneType" (PyTorch's
/// `type(out.grad_fn).__name__` without a node) is no node.
fn want_name(v: &Value) -> Option<String> {
    v.as_str()
        .filter(|&n| n != "NoneType")
        .map(|n| n.trim_start_matches("torch::autograd::").to_string())
}

pub(crate) fn run_op_case(case: &Value) -> Result<(), String> {
    let op = case["op"].as_str().unwrap_or_default();
    let ins = inputs(case)?;
    let kw = Kw(&case["kwargs"]);
    let res = golden_ops::dispatch(op, &ins, &kw).ok_or_else(|| format!("unknown op {op}"))?;
    if let Some(want) = case["error"].as_str() {
        return check_error(res.map(|_| ()).map_err(|e| e.to_string()), want);
    }
    let outs = res.map_err(|e| format!("unexpected error: {e}"))?;
    let tol = tol(case);
    match &case["output"] {
        Value::Array(specs) => {
            if specs.len() != outs.len() {
                return Err(format!("{} outputs, expected {}", outs.len(), specs.len()));
            }
            for (i, (o, s)) in outs.iter().zip(specs).enumerate() {
                spec::compare(o, s, tol).map_err(|e| format!("output {i}: {e}"))?;
            }
        }
        s => spec::compare(outs.first().ok_or("no output")?, s, tol)
            .map_err(|e| format!("output: {e}"))?,
    }
    if let Some(g) = case.get("grad_fn") {
        let (got, want) = (grad_fn_name(&outs[0]), want_name(g));
        if got != want {
            return Err(format!("grad_fn {got:?} != expected {want:?}"));
        }
    }
    if let Some(grads) = case["grads"].as_array() {
        let go = spec::tensor(&case["grad_output"])?;
        outs[0]
            .backward_opts()
            .gradient(&go)
            .run()
            .map_err(|e| format!("backward failed: {e}"))?;
        for (i, (x, g)) in ins.iter().zip(grads).enumerate() {
            match (x.grad(), g.is_null()) {
                (None, true) => {}
                (Some(_), true) => {
                    if x.requires_grad() {
                        return Err(format!("input {i} got a gradient, expected none"));
                    }
                }
                (None, false) => return Err(format!("input {i} got no gradient")),
                (Some(gx), false) => {
                    spec::compare(&gx, g, tol).map_err(|e| format!("grad {i}: {e}"))?
                }
            }
        }
    }
    Ok(())
}

fn run_repr_case(case: &Value) -> Result<(), String> {
    let ins = inputs(case)?;
    let mut t = ins.first().ok_or("repr without input")?.clone();
    match case["kwargs"]["then"].as_str() {
        None => {}
        Some("mean") => t = t.try_mean().map_err(|e| e.to_string())?,
        Some(s) => match s.split_once(':') {
            Some(("mul", k)) => {
                let k: f64 = k.parse().map_err(|_| format!("bad then {s}"))?;
                t = t.try_mul(k).map_err(|e| e.to_string())?;
            }
            _ => return Err(format!("unknown then {s}")),
        },
    }
    let got = t.to_string();
    let want = case["repr"]
        .as_str()
        .unwrap_or_default()
        .replace("torch.", "ember.");
    if got != want {
        return Err(format!("repr\n{got}\n!= expected\n{want}"));
    }
    Ok(())
}

/// Runs an autograd scenario: a short program over named tensors.
fn run_scenario(case: &Value) -> Result<(), String> {
    let mut env: HashMap<String, Option<Tensor>> = HashMap::new();
    let _mode = ember::autograd::GradModeGuard::new(true);
    let get = |env: &HashMap<String, Option<Tensor>>, n: &Value| -> Result<Tensor, String> {
        let n = n.as_str().ok_or("bad name")?;
        env.get(n)
            .cloned()
            .flatten()
            .ok_or_else(|| format!("unbound tensor {n}"))
    };
    for (si, step) in case["steps"]
        .as_array()
        .ok_or("no steps")?
        .iter()
        .enumerate()
    {
        let r: Result<(), String> = (|| {
            if let Some(spec_v) = step.get("tensor") {
                let t = spec::tensor(spec_v)?;
                env.insert(step["let"].as_str().unwrap_or_default().into(), Some(t));
            } else if let Some(op) = step.get("op").and_then(Value::as_str) {
                let ins: Vec<Tensor> = step["inputs"]
                    .as_array()
                    .ok_or("no inputs")?
                    .iter()
                    .map(|n| get(&env, n))
                    .collect::<Result<_, _>>()?;
                let kw = Kw(&step["kwargs"]);
                let outs = golden_ops::dispatch(op, &ins, &kw)
                    .ok_or_else(|| format!("unknown op {op}"))?
                    .map_err(|e| e.to_string())?;
                env.insert(
                    step["let"].as_str().unwrap_or_default().into(),
                    outs.into_iter().next(),
                );
            } else if let Some(kind) = step.get("inplace").and_then(Value::as_str) {
                let t = get(&env, &step["target"])?;
                let kw = Kw(&step["kwargs"]);
                let other: Option<Tensor> = match step["inputs"].as_array().and_then(|a| a.first())
                {
                    Some(n) => Some(get(&env, n)?),
                    None => None,
                };
                let operand: Option<ember::Operand<'_>> = match &other {
                    Some(t) => Some(ember::Operand::Tensor(t)),
                    None => kw.scalar("other").map(ember::Operand::Scalar),
                };
                let operand = || operand.ok_or_else(|| "no operand".to_string());
                let r = match kind {
                    "add_" => t.try_add_(operand()?),
                    "sub_" => t.try_sub_(operand()?),
                    "mul_" => t.try_mul_(operand()?),
                    "div_" => t.try_div_(operand()?),
                    "zero_" => t.try_zero_(),
                    k => return Err(format!("unknown inplace {k}")),
                };
                r.map_err(|e| e.to_string())?;
            } else if let Some(b) = step.get("backward") {
                let t = get(&env, b)?;
                let mut bw = t.backward_opts();
                let g = if step["gradient"].is_null() {
                    None
                } else {
                    Some(spec::tensor(&step["gradient"])?)
                };
                if let Some(g) = &g {
                    bw = bw.gradient(g);
                }
                bw.retain_graph(step["retain_graph"].as_bool().unwrap_or(false))
                    .create_graph(step["create_graph"].as_bool().unwrap_or(false))
                    .run()
                    .map_err(|e| e.to_string())?;
            } else if let Some(g) = step.get("grad").filter(|g| g.is_object()) {
                let outs: Vec<Tensor> = g["outputs"]
                    .as_array()
                    .ok_or("no outputs")?
                    .iter()
                    .map(|n| get(&env, n))
                    .collect::<Result<_, _>>()?;
                let ins: Vec<Tensor> = g["inputs"]
                    .as_array()
                    .ok_or("no inputs")?
                    .iter()
                    .map(|n| get(&env, n))
                    .collect::<Result<_, _>>()?;
                let grad_outputs = match g["grad_outputs"].as_array() {
                    None => vec![],
                    Some(a) => a
                        .iter()
                        .map(|s| {
                            if s.is_null() {
                                Ok(None)
                            } else {
                                spec::tensor(s).map(Some)
                            }
                        })
                        .collect::<Result<_, _>>()?,
                };
                let create_graph = g["create_graph"].as_bool().unwrap_or(false);
                let opts = ember::autograd::GradOptions {
                    grad_outputs,
                    retain_graph: Some(g["retain_graph"].as_bool().unwrap_or(create_graph)),
                    create_graph,
                    allow_unused: g["allow_unused"].as_bool().unwrap_or(false),
                };
                let refs_o: Vec<&Tensor> = outs.iter().collect();
                let refs_i: Vec<&Tensor> = ins.iter().collect();
                let res = ember::autograd::grad_with(&refs_o, &refs_i, opts)
                    .map_err(|e| e.to_string())?;
                if let Some(names) = step["let"].as_array() {
                    for (n, r) in names.iter().zip(res) {
                        env.insert(n.as_str().unwrap_or_default().into(), r);
                    }
                }
            } else if let Some(n) = step.get("retain_grad") {
                get(&env, n)?.try_retain_grad().map_err(|e| e.to_string())?;
            } else if let Some(n) = step.get("requires_grad_") {
                get(&env, n)?
                    .try_requires_grad_(true)
                    .map_err(|e| e.to_string())?;
            } else if let Some(n) = step.get("detach") {
                let d = get(&env, n)?.detach();
                env.insert(step["let"].as_str().unwrap_or_default().into(), Some(d));
            } else if let Some(n) = step.get("grad_of") {
                let g = get(&env, n)?.grad();
                env.insert(step["let"].as_str().unwrap_or_default().into(), g);
            } else if let Some(n) = step.get("zero_grad") {
                let g = get(&env, n)?.grad().ok_or("zero_grad without grad")?;
                g.try_zero_().map_err(|e| e.to_string())?;
            } else if let Some(n) = step.get("set_grad_none") {
                get(&env, n)?.set_grad(None);
            } else if let Some(b) = step.get("no_grad").and_then(Value::as_bool) {
                ember::set_grad_enabled(!b);
            } else if let Some(n) = step.get("expect") {
                let t = get(&env, n)?;
                spec::compare(&t, &step["value"], None)?;
                if let Some(rg) = step["requires_grad"].as_bool()
                    && t.requires_grad() != rg
                {
                    return Err(format!("requires_grad {} != {rg}", t.requires_grad()));
                }
                if let Some(l) = step["is_leaf"].as_bool()
                    && t.is_leaf() != l
                {
                    return Err(format!("is_leaf {} != {l}", t.is_leaf()));
                }
                if let Some(g) = step.get("grad_fn") {
                    let (got, want) = (grad_fn_name(&t), want_name(g));
                    if got != want {
                        return Err(format!("grad_fn {got:?} != {want:?}"));
                    }
                }
            } else if let Some(n) = step.get("expect_grad") {
                let g = get(&env, n)?.grad();
                match (g, step["value"].is_null()) {
                    (None, true) => {}
                    (Some(g), true) => return Err(format!("expected no grad, got {g}")),
                    (None, false) => return Err("expected a grad, got none".into()),
                    (Some(g), false) => {
                        spec::compare(&g, &step["value"], None)?;
                        if let Some(gf) = step.get("grad_fn") {
                            let (got, want) = (grad_fn_name(&g), want_name(gf));
                            if got != want {
                                return Err(format!("grad's grad_fn {got:?} != {want:?}"));
                            }
                        }
                    }
                }
            } else {
                return Err(format!("unknown step {step}"));
            }
            Ok(())
        })();
        match step["error"].as_str() {
            Some(want) => check_error(r, want).map_err(|e| format!("step {si}: {e}"))?,
            None => r.map_err(|e| format!("step {si} {step}: {e}"))?,
        }
    }
    Ok(())
}

fn run_case(case: &Value, pending: &HashSet<String>) -> Option<Result<(), String>> {
    let op = case["op"].as_str().unwrap_or_default();
    let uses_pending = |c: &Value| -> bool {
        pending.contains(op)
            || c["steps"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|st| st["op"].as_str().is_some_and(|o| pending.contains(o)))
            })
    };
    if uses_pending(case) {
        return None;
    }
    Some(match op {
        "repr" => run_repr_case(case),
        "scenario" => run_scenario(case),
        "optim" => golden_ops::optim::run_optim_case(case),
        "lr_scheduler" => golden_ops::optim::run_scheduler_case(case),
        _ => run_op_case(case),
    })
}

/// Ops whose output shape depends on values, which meta tensors do not have: PyTorch
/// refuses them on meta too (`NotImplementedError`).
const DATA_DEPENDENT: &[&str] = &[
    "nonzero",
    "masked_select",
    "one_hot",
    "unique",
    "bincount",
    "argwhere",
    "item",
    "tolist",
    "equal",
    "allclose",
];

/// Runs an op case on the meta device: the outputs and gradients must have PyTorch's
/// shapes and dtypes. `Ok(false)` when the op is data-dependent and refused, as in PyTorch.
fn run_meta_case(case: &Value) -> Result<bool, String> {
    let op = case["op"].as_str().unwrap_or_default();
    spec::on_meta(|| {
        let ins = inputs(case)?;
        let kw = Kw(&case["kwargs"]);
        let res = golden_ops::dispatch(op, &ins, &kw).ok_or_else(|| format!("unknown op {op}"))?;
        let outs = match res {
            Err(ember::Error::NotImplemented(m))
                if DATA_DEPENDENT
                    .iter()
                    .any(|d| m.contains(&format!("aten::{d}:"))) =>
            {
                return Ok(false);
            }
            r => r.map_err(|e| format!("unexpected error on meta: {e}"))?,
        };
        let specs: Vec<&Value> = match &case["output"] {
            Value::Array(specs) => specs.iter().collect(),
            s => vec![s],
        };
        if specs.len() != outs.len() {
            return Err(format!("{} outputs, expected {}", outs.len(), specs.len()));
        }
        for (i, (o, s)) in outs.iter().zip(&specs).enumerate() {
            spec::compare_meta(o, s).map_err(|e| format!("output {i}: {e}"))?;
        }
        if let Some(g) = case.get("grad_fn") {
            let (got, want) = (grad_fn_name(&outs[0]), want_name(g));
            if got != want {
                return Err(format!("grad_fn {got:?} != expected {want:?}"));
            }
        }
        if let Some(grads) = case["grads"].as_array() {
            let go = spec::tensor(&case["grad_output"])?;
            outs[0]
                .backward_opts()
                .gradient(&go)
                .run()
                .map_err(|e| format!("backward failed on meta: {e}"))?;
            for (i, (x, g)) in ins.iter().zip(grads).enumerate() {
                match (x.grad(), g.is_null()) {
                    (None, true) | (Some(_), true) => {}
                    (None, false) => return Err(format!("input {i} got no gradient")),
                    (Some(gx), false) => {
                        spec::compare_meta(&gx, g).map_err(|e| format!("grad {i}: {e}"))?
                    }
                }
            }
        }
        Ok(true)
    })
}

/// Every op case that succeeds on the CPU, run again on the meta device (issue 16): PyTorch's
/// output shapes, dtypes and `grad_fn`s without touching data.
#[test]
fn golden_cases_on_meta() {
    let pending = pending();
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    let (mut passed, mut refused) = (0, 0);
    for file in case_files() {
        let text = std::fs::read_to_string(&file).expect("read case file");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(case) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let op = case["op"].as_str().unwrap_or_default();
            if matches!(op, "repr" | "scenario" | "optim" | "lr_scheduler")
                || pending.contains(op)
                || case.get("error").is_some()
            {
                continue;
            }
            let id = format!(
                "{} ({})",
                case["id"].as_str().unwrap_or("?"),
                file.file_name().unwrap_or_default().to_string_lossy()
            );
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let r = run_meta_case(&case);
                ember::set_grad_enabled(true);
                r
            }));
            match r {
                Ok(Ok(true)) => passed += 1,
                Ok(Ok(false)) => refused += 1,
                Ok(Err(e)) => {
                    failures.insert(id, e);
                }
                Err(_) => {
                    failures.insert(id, "panicked".into());
                }
            }
        }
    }
    eprintln!(
        "golden on meta: {passed} passed, {refused} data-dependent, {} failed",
        failures.len()
    );
    assert!(passed > 1000, "only {passed} cases ran on meta");
    if !failures.is_empty() {
        let report: Vec<String> = failures
            .iter()
            .map(|(k, v)| format!("  {k}: {v}"))
            .collect();
        panic!(
            "{} golden cases failed on meta:\n{}",
            failures.len(),
            report.join("\n")
        );
    }
}

#[test]
fn golden_cases() {
    let pending = pending();
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    let (mut passed, mut skipped) = (0, 0);
    for file in case_files() {
        let text = std::fs::read_to_string(&file).expect("read case file");
        for (ln, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let case: Value = match serde_json::from_str(line) {
                Ok(c) => c,
                Err(e) => {
                    failures.insert(
                        format!("{}:{}", file.display(), ln + 1),
                        format!("bad json: {e}"),
                    );
                    continue;
                }
            };
            let id = format!(
                "{} ({})",
                case["id"].as_str().unwrap_or("?"),
                file.file_name().unwrap_or_default().to_string_lossy()
            );
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let r = run_case(&case, &pending);
                ember::set_grad_enabled(true);
                r
            }));
            match r {
                Ok(None) => skipped += 1,
                Ok(Some(Ok(()))) => passed += 1,
                Ok(Some(Err(e))) => {
                    failures.insert(id, e);
                }
                Err(p) => {
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    failures.insert(id, format!("panicked: {msg}"));
                }
            }
        }
    }
    eprintln!(
        "golden: {passed} passed, {} failed, {skipped} skipped (pending ops)",
        failures.len()
    );
    if !failures.is_empty() {
        let report: Vec<String> = failures
            .iter()
            .map(|(k, v)| format!("  {k}: {v}"))
            .collect();
        panic!(
            "{} golden cases failed:\n{}",
            failures.len(),
            report.join("\n")
        );
    }
}
