//! Reading the golden files' tensor specs and keyword arguments, and comparing results.

use ember::{DType, Device, Tensor};
use serde_json::Value;
use std::cell::Cell;

thread_local! {
    /// Whether [`tensor`] builds its tensors on the meta device (the meta run of the cases).
    static ON_META: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with every spec tensor built on the meta device.
pub fn on_meta<R>(f: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            ON_META.with(|m| m.set(false));
        }
    }
    ON_META.with(|m| m.set(true));
    let _reset = Reset;
    f()
}

/// Parses a number that may be written `"nan"`, `"inf"` or `"-inf"`.
pub fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "nan" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        Value::Bool(b) => Some(*b as u8 as f64),
        _ => None,
    }
}

/// Builds the tensor a spec describes (contiguous, or the non-contiguous view the format
/// defines), marking it as requiring grad when asked.
pub fn tensor(spec: &Value) -> Result<Tensor, String> {
    let dt = DType::from_name(spec["dtype"].as_str().ok_or("spec without dtype")?)
        .ok_or_else(|| format!("unknown dtype {}", spec["dtype"]))?;
    let shape: Vec<usize> = spec["shape"]
        .as_array()
        .ok_or("spec without shape")?
        .iter()
        .map(|v| v.as_u64().map(|x| x as usize).ok_or("bad size"))
        .collect::<Result<_, _>>()?;
    let data = spec["data"].as_array().ok_or("spec without data")?;
    let t = if dt == DType::Bool {
        let v: Vec<bool> = data.iter().map(|x| x.as_bool().unwrap_or(false)).collect();
        Tensor::try_from_vec(v, shape.as_slice()).map_err(|e| e.to_string())?
    } else if dt.is_floating_point() {
        let v: Vec<f64> = data.iter().map(|x| num(x).unwrap_or(f64::NAN)).collect();
        Tensor::try_from_vec(v, shape.as_slice())
            .and_then(|t| t.try_to_dtype(dt))
            .map_err(|e| e.to_string())?
    } else {
        let v: Vec<i64> = data.iter().map(|x| x.as_i64().unwrap_or(0)).collect();
        Tensor::try_from_vec(v, shape.as_slice())
            .and_then(|t| t.try_to_dtype(dt))
            .map_err(|e| e.to_string())?
    };
    let t = if ON_META.with(Cell::get) {
        t.try_to_device(Device::Meta).map_err(|e| e.to_string())?
    } else {
        t
    };
    let t = if spec["noncontig"].as_bool() == Some(true) {
        noncontig(&t).map_err(|e| e.to_string())?
    } else {
        t
    };

    if spec["requires_grad"].as_bool() == Some(true) {
        t.try_requires_grad_(true).map_err(|e| e.to_string())?;
    }
    Ok(t)
}

/// The non-contiguous view holding `t`'s values, as the golden format defines it.
fn noncontig(t: &Tensor) -> ember::Result<Tensor> {
    if t.dim() >= 2 {
        let swapped = t.try_transpose(-1, -2)?.try_contiguous()?;
        swapped.try_transpose(-1, -2)
    } else if t.dim() == 1 {
        let n = t.numel() as i64;
        let doubled = t.try_unsqueeze(1)?.try_expand([n, 2])?.try_contiguous()?;
        doubled.try_select(1, 0)
    } else {
        Ok(t.clone())
    }
}

/// The default tolerances of the golden format, by dtype.
pub fn tolerances(dt: DType) -> (f64, f64) {
    match dt {
        DType::F64 => (1e-7, 1e-9),
        DType::F32 => (1.3e-6, 1e-5),
        DType::F16 | DType::BF16 => (1e-3, 1e-3),
        _ => (0.0, 0.0),
    }
}

/// Compares a tensor with a spec: dtype, shape and values.
pub fn compare(got: &Tensor, spec: &Value, tol: Option<(f64, f64)>) -> Result<(), String> {
    let want_dt = DType::from_name(spec["dtype"].as_str().unwrap_or("")).ok_or("bad dtype")?;
    if got.dtype() != want_dt {
        return Err(format!("dtype {} != expected {}", got.dtype(), want_dt));
    }
    let shape: Vec<usize> = spec["shape"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_u64().unwrap_or(0) as usize).collect())
        .unwrap_or_default();
    if got.shape() != shape.as_slice() {
        return Err(format!("shape {:?} != expected {:?}", got.shape(), shape));
    }
    let want: Vec<f64> = spec["data"]
        .as_array()
        .map(|a| a.iter().map(|x| num(x).unwrap_or(f64::NAN)).collect())
        .unwrap_or_default();
    let have: Vec<f64> = got.try_to_vec::<f64>().map_err(|e| e.to_string())?;
    let (rtol, atol) = tol.unwrap_or_else(|| tolerances(want_dt));
    for (i, (&h, &w)) in have.iter().zip(&want).enumerate() {
        let ok = if w.is_nan() {
            h.is_nan()
        } else if w.is_infinite() {
            h == w
        } else {
            (h - w).abs() <= atol + rtol * w.abs()
        };
        if !ok {
            return Err(format!(
                "value[{i}] = {h} != expected {w} (rtol {rtol}, atol {atol})"
            ));
        }
    }
    Ok(())
}

/// Compares a meta tensor with a spec: device, dtype and shape (there are no values).
pub fn compare_meta(got: &Tensor, spec: &Value) -> Result<(), String> {
    if got.device() != Device::Meta {
        return Err(format!("device {} != expected meta", got.device()));
    }
    let want_dt = DType::from_name(spec["dtype"].as_str().unwrap_or("")).ok_or("bad dtype")?;
    if got.dtype() != want_dt {
        return Err(format!("dtype {} != expected {}", got.dtype(), want_dt));
    }
    let shape: Vec<usize> = spec["shape"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_u64().unwrap_or(0) as usize).collect())
        .unwrap_or_default();
    if got.shape() != shape.as_slice() {
        return Err(format!("shape {:?} != expected {:?}", got.shape(), shape));
    }
    Ok(())
}

/// Keyword arguments of a case.
pub struct Kw<'a>(pub &'a Value);

impl Kw<'_> {
    pub fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k).filter(|v| !v.is_null())
    }
    pub fn f64(&self, k: &str) -> Option<f64> {
        self.get(k).and_then(num)
    }
    pub fn i64(&self, k: &str) -> Option<i64> {
        self.get(k).and_then(Value::as_i64)
    }
    pub fn bool(&self, k: &str) -> Option<bool> {
        self.get(k).and_then(Value::as_bool)
    }
    pub fn str(&self, k: &str) -> Option<&str> {
        self.get(k).and_then(Value::as_str)
    }
    /// An int or a list of ints.
    pub fn ints(&self, k: &str) -> Option<Vec<i64>> {
        match self.get(k)? {
            Value::Array(a) => a.iter().map(Value::as_i64).collect(),
            v => v.as_i64().map(|x| vec![x]),
        }
    }
    /// A scalar operand: float, int or bool, as the JSON wrote it.
    pub fn scalar(&self, k: &str) -> Option<ember::Scalar> {
        match self.get(k)? {
            Value::Bool(b) => Some(ember::Scalar::Bool(*b)),
            Value::Number(n) if n.is_i64() => n.as_i64().map(ember::Scalar::Int),
            v => num(v).map(ember::Scalar::Float),
        }
    }
}
