//! PyTorch's print format (`torch._tensor_str`): precision 4, threshold 1000, edgeitems 3,
//! linewidth 80, automatic integer/fixed/scientific mode, and the `dtype=`, `device=`,
//! `requires_grad=True` and `grad_fn=<…>` suffixes.

use crate::{DType, Device, Tensor};
use parking_lot::RwLock;
use std::fmt;

/// `torch.set_printoptions` settings.
///
/// ```
/// let opts = ember::print_options();
/// assert_eq!((opts.precision, opts.threshold, opts.edgeitems, opts.linewidth), (4, 1000, 3, 80));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrintOptions {
    /// Digits after the decimal point.
    pub precision: usize,
    /// Element count above which the middle of each dim is elided.
    pub threshold: usize,
    /// Elements kept at each end of an elided dim.
    pub edgeitems: usize,
    /// Characters per line.
    pub linewidth: usize,
    /// Force (`Some(true)`) or forbid (`Some(false)`) scientific notation.
    pub sci_mode: Option<bool>,
}

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions {
            precision: 4,
            threshold: 1000,
            edgeitems: 3,
            linewidth: 80,
            sci_mode: None,
        }
    }
}

static PRINT_OPTS: RwLock<PrintOptions> = RwLock::new(PrintOptions {
    precision: 4,
    threshold: 1000,
    edgeitems: 3,
    linewidth: 80,
    sci_mode: None,
});

/// The current print options.
pub fn print_options() -> PrintOptions {
    *PRINT_OPTS.read()
}

/// Sets the print options (`torch.set_printoptions`).
///
/// ```
/// let old = ember::print_options();
/// ember::set_print_options(ember::PrintOptions { precision: 2, ..old });
/// assert_eq!(ember::tensor([0.12345]).to_string(), "tensor([0.12])");
/// ember::set_print_options(old);
/// ```
pub fn set_print_options(opts: PrintOptions) {
    *PRINT_OPTS.write() = opts;
}

#[derive(Clone, Copy)]
enum Val {
    F(f64),
    I(i64),
    B(bool),
}

fn fmt_fixed(v: f64, prec: usize) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{v:.prec$}")
    }
}

/// Python's `'{:.{p}e}'`: the exponent has a sign and at least two digits.
fn fmt_sci(v: f64, prec: usize) -> String {
    if !v.is_finite() {
        return fmt_fixed(v, prec);
    }
    let s = format!("{v:.prec$e}");
    match s.split_once('e') {
        Some((mant, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mant}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

struct Formatter {
    floating: bool,
    int_mode: bool,
    sci_mode: bool,
    max_width: usize,
    precision: usize,
}

impl Formatter {
    fn new(vals: &[Val], floating: bool, opts: &PrintOptions) -> Formatter {
        let mut f = Formatter {
            floating,
            int_mode: true,
            sci_mode: false,
            max_width: 1,
            precision: opts.precision,
        };
        if !floating {
            for v in vals {
                f.max_width = f.max_width.max(f.plain(*v).len());
            }
        } else {
            let nz: Vec<f64> = vals
                .iter()
                .filter_map(|v| match v {
                    Val::F(x) if x.is_finite() && *x != 0.0 => Some(*x),
                    _ => None,
                })
                .collect();
            if !nz.is_empty() {
                let min = nz.iter().map(|x| x.abs()).fold(f64::INFINITY, f64::min);
                let max = nz.iter().map(|x| x.abs()).fold(0.0, f64::max);
                f.int_mode = nz.iter().all(|x| *x == x.ceil());
                let p = opts.precision;
                if f.int_mode {
                    if max / min > 1000.0 || max > 1.0e8 {
                        f.sci_mode = true;
                        for x in &nz {
                            f.max_width = f.max_width.max(fmt_sci(*x, p).len());
                        }
                    } else {
                        for x in &nz {
                            f.max_width = f.max_width.max(fmt_fixed(*x, 0).len() + 1);
                        }
                    }
                } else if max / min > 1000.0 || max > 1.0e8 || min < 1.0e-4 {
                    f.sci_mode = true;
                    for x in &nz {
                        f.max_width = f.max_width.max(fmt_sci(*x, p).len());
                    }
                } else {
                    for x in &nz {
                        f.max_width = f.max_width.max(fmt_fixed(*x, p).len());
                    }
                }
            }
            if let Some(s) = opts.sci_mode {
                f.sci_mode = s;
            }
        }
        f
    }

    fn plain(&self, v: Val) -> String {
        match v {
            Val::F(x) => fmt_fixed(x, self.precision),
            Val::I(i) => i.to_string(),
            Val::B(b) => if b { "True" } else { "False" }.to_string(),
        }
    }

    fn format(&self, v: Val) -> String {
        let ret = match v {
            Val::F(x) if self.floating => {
                if self.sci_mode {
                    fmt_sci(x, self.precision)
                } else if self.int_mode {
                    let mut r = fmt_fixed(x, 0);
                    if x.is_finite() {
                        r.push('.');
                    }
                    r
                } else {
                    fmt_fixed(x, self.precision)
                }
            }
            other => self.plain(other),
        };
        format!("{ret:>width$}", width = self.max_width)
    }
}

/// A row-major view of the values with the shape, for recursive printing.
struct Data<'a> {
    vals: &'a [Val],
    shape: &'a [usize],
    strides: Vec<usize>,
}

impl Data<'_> {
    /// Indices kept along a dim of size `n` when summarizing.
    fn kept(n: usize, summarize: bool, edge: usize) -> Vec<Option<usize>> {
        if summarize && n > 2 * edge {
            (0..edge)
                .map(Some)
                .chain(std::iter::once(None))
                .chain((n - edge..n).map(Some))
                .collect()
        } else {
            (0..n).map(Some).collect()
        }
    }

    /// The values a summarized print shows (`get_summarized_data`), for the formatter.
    fn summarized(&self, off: usize, d: usize, summarize: bool, edge: usize, out: &mut Vec<Val>) {
        if d == self.shape.len() {
            out.push(self.vals[off]);
            return;
        }
        for i in Self::kept(self.shape[d], summarize, edge)
            .into_iter()
            .flatten()
        {
            self.summarized(off + i * self.strides[d], d + 1, summarize, edge, out);
        }
    }

    fn render(
        &self,
        off: usize,
        d: usize,
        indent: usize,
        summarize: bool,
        f: &Formatter,
        o: &PrintOptions,
    ) -> String {
        let dim = self.shape.len() - d;
        if dim == 0 {
            return f.format(self.vals[off]);
        }
        let kept = Self::kept(self.shape[d], summarize, o.edgeitems);
        if dim == 1 {
            let elem_len = f.max_width + 2;
            let per_line = ((o.linewidth.saturating_sub(indent)) / elem_len).max(1);
            let data: Vec<String> = kept
                .iter()
                .map(|k| match k {
                    Some(i) => f.format(self.vals[off + i * self.strides[d]]),
                    None => " ...".to_string(),
                })
                .collect();
            let lines: Vec<String> = data.chunks(per_line).map(|c| c.join(", ")).collect();
            return format!(
                "[{}]",
                lines.join(&format!(",\n{}", " ".repeat(indent + 1)))
            );
        }
        let slices: Vec<String> = kept
            .iter()
            .map(|k| match k {
                Some(i) => self.render(
                    off + i * self.strides[d],
                    d + 1,
                    indent + 1,
                    summarize,
                    f,
                    o,
                ),
                None => "...".to_string(),
            })
            .collect();
        let sep = format!(",{}{}", "\n".repeat(dim - 1), " ".repeat(indent + 1));
        format!("[{}]", slices.join(&sep))
    }
}

/// `torch.Size([2, 3])`, spelled with ember's module name.
pub(crate) fn size_repr(shape: &[usize]) -> String {
    crate::Size(shape).to_string()
}

fn tensor_str(t: &Tensor, indent: usize, o: &PrintOptions) -> String {
    let floating = t.dtype().is_floating_point();
    let vals: Vec<Val> = if floating {
        t.to_vec::<f64>().into_iter().map(Val::F).collect()
    } else if t.dtype() == DType::Bool {
        t.to_vec::<bool>().into_iter().map(Val::B).collect()
    } else {
        t.to_vec::<i64>().into_iter().map(Val::I).collect()
    };
    let shape = t.shape();
    let strides = crate::layout::contiguous_strides(shape).to_vec();
    let data = Data {
        vals: &vals,
        shape,
        strides,
    };
    let summarize = t.numel() > o.threshold;
    let mut shown = Vec::new();
    data.summarized(0, 0, summarize, o.edgeitems, &mut shown);
    let f = Formatter::new(&shown, floating, o);
    data.render(0, 0, indent, summarize, &f, o)
}

fn add_suffixes(s: &str, suffixes: &[String], indent: usize, linewidth: usize) -> String {
    let mut out = s.to_string();
    let mut last_line_len = match s.rfind('\n') {
        Some(p) => s.len() - p + 1,
        None => s.len() + 2,
    };
    for suffix in suffixes {
        if last_line_len + suffix.len() + 2 > linewidth {
            out.push_str(&format!(",\n{}{}", " ".repeat(indent), suffix));
            last_line_len = indent + suffix.len();
        } else {
            out.push_str(&format!(", {suffix}"));
            last_line_len += suffix.len() + 2;
        }
    }
    out.push(')');
    out
}

impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = print_options();
        let prefix = "tensor(";
        let indent = prefix.len();
        let mut suffixes = Vec::new();
        if self.device() != Device::Cpu {
            suffixes.push(format!("device='{}'", self.device()));
        }
        let dt = self.dtype();
        // Tensors without values to show (meta tensors, and empty ones of more than one dim)
        // show PyTorch's `size=(…)` suffix instead; both show any non-default dtype.
        let no_values = self.device().is_meta() || self.numel() == 0;
        let body = if no_values {
            if self.device().is_meta() || self.dim() != 1 {
                let dims: Vec<String> = self.shape().iter().map(|d| d.to_string()).collect();
                let tuple = match dims.len() {
                    1 => format!("({},)", dims[0]),
                    _ => format!("({})", dims.join(", ")),
                };
                suffixes.push(format!("size={tuple}"));
            }
            if dt != crate::get_default_dtype() {
                suffixes.push(format!("dtype={dt}"));
            }
            if self.device().is_meta() { "..." } else { "[]" }.to_string()
        } else {
            if !(dt == crate::get_default_dtype() || dt == DType::I64 || dt == DType::Bool) {
                suffixes.push(format!("dtype={dt}"));
            }
            tensor_str(self, indent, &o)
        };
        if let Some(g) = self.grad_fn() {
            suffixes.push(format!("grad_fn=<{}>", g.name()));
        } else if self.requires_grad() {
            suffixes.push("requires_grad=True".into());
        }
        f.write_str(&add_suffixes(
            &format!("{prefix}{body}"),
            &suffixes,
            indent,
            o.linewidth,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sci_exponent_has_two_digits() {
        assert_eq!(fmt_sci(1e-5, 4), "1.0000e-05");
        assert_eq!(fmt_sci(12345.0, 4), "1.2345e+04");
        assert_eq!(fmt_sci(1.5e100, 4), "1.5000e+100");
    }
}
