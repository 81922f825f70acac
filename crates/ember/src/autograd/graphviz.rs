//! `make_dot`: the backward graph of a tensor as Graphviz DOT, or as a self-contained SVG
//! (laid out in layers, inputs at the top, like `torchviz.make_dot`).

use super::GradFn;
use crate::Tensor;
use crate::error::Result;
use std::collections::HashMap;
use std::fmt::Write as _;

/// A drawn backward graph. See [`make_dot`].
pub struct Dot {
    nodes: Vec<DotNode>,
    edges: Vec<(usize, usize)>,
}

struct DotNode {
    label: String,
    color: Option<&'static str>,
}

fn size_str(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(ToString::to_string).collect();
    format!("({})", parts.join(", "))
}

/// `torchviz.make_dot(output, params)`: nodes are the `grad_fn`s reachable from `output`,
/// leaves (`AccumulateGrad`) show their shape (and their name when listed in `params`), and
/// the output shows its shape.
///
/// ```
/// let x = ember::ones([2, 2]).requires_grad_(true);
/// let out = ((&x + 2.0).exp() + (-&x - 2.0).exp()).mean();
/// let dot = ember::autograd::make_dot(&out, &[("x", &x)]);
/// let text = dot.to_dot();
/// assert!(text.contains("MeanBackward0") && text.contains("x\\n(2, 2)"));
/// assert!(dot.to_svg().starts_with("<svg"));
/// ```
pub fn make_dot(output: &Tensor, params: &[(&str, &Tensor)]) -> Dot {
    let mut dot = Dot {
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    let out_idx = dot.nodes.len();
    dot.nodes.push(DotNode {
        label: size_str(output.shape()),
        color: Some("darkolivegreen1"),
    });
    let Some(root) = output.grad_fn() else {
        return dot;
    };
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let mut stack: Vec<GradFn> = vec![root.clone()];
    let root_idx = dot.add_fn(&root, params, &mut seen);
    dot.edges.push((root_idx, out_idx));
    while let Some(f) = stack.pop() {
        let fi = seen[&f.id()];
        for (next, _) in f.next_functions() {
            if let Some(n) = next {
                let new = !seen.contains_key(&n.id());
                let ni = dot.add_fn(&n, params, &mut seen);
                dot.edges.push((ni, fi));
                if new {
                    stack.push(n);
                }
            }
        }
    }
    dot
}

impl Dot {
    fn add_fn(
        &mut self,
        f: &GradFn,
        params: &[(&str, &Tensor)],
        seen: &mut HashMap<usize, usize>,
    ) -> usize {
        if let Some(&i) = seen.get(&f.id()) {
            return i;
        }
        let node = match f.variable() {
            Some(v) => {
                let name = params
                    .iter()
                    .find(|(_, p)| p.is(&v))
                    .map(|(n, _)| format!("{n}\n"))
                    .unwrap_or_default();
                DotNode {
                    label: format!("{name}{}", size_str(v.shape())),
                    color: Some("lightblue"),
                }
            }
            None => DotNode {
                label: f.name(),
                color: None,
            },
        };
        self.nodes.push(node);
        seen.insert(f.id(), self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    /// The graph in Graphviz's DOT language.
    pub fn to_dot(&self) -> String {
        let mut s = String::from(
            "digraph {\n\tgraph [size=\"12,12\"]\n\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n",
        );
        for (i, n) in self.nodes.iter().enumerate() {
            let fill = n
                .color
                .map(|c| format!(" fillcolor={c}"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "\t{i} [label=\"{}\"{fill}]",
                n.label.replace('\n', "\\n")
            );
        }
        for (a, b) in &self.edges {
            let _ = writeln!(s, "\t{a} -> {b}");
        }
        s.push_str("}\n");
        s
    }

    /// The graph as an SVG image: one row per layer, inputs at the top, the output at the
    /// bottom.
    pub fn to_svg(&self) -> String {
        let n = self.nodes.len();
        // Layer = longest path to the output (node 0), so every edge points down.
        let mut depth = vec![0usize; n];
        for _ in 0..n {
            let mut changed = false;
            for &(a, b) in &self.edges {
                if depth[a] < depth[b] + 1 {
                    depth[a] = depth[b] + 1;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let max_depth = depth.iter().copied().max().unwrap_or(0);
        let mut layers: Vec<Vec<usize>> = vec![Vec::new(); max_depth + 1];
        for (i, &d) in depth.iter().enumerate() {
            layers[max_depth - d].push(i);
        }
        let (char_w, line_h, pad, gap_x, gap_y) = (7.0, 13.0, 6.0, 24.0, 40.0);
        let size = |i: usize| -> (f64, f64) {
            let lines: Vec<&str> = self.nodes[i].label.lines().collect();
            let w = lines.iter().map(|l| l.len()).max().unwrap_or(1) as f64 * char_w + 2.0 * pad;
            (w, lines.len().max(1) as f64 * line_h + 2.0 * pad)
        };
        let widths: Vec<f64> = layers
            .iter()
            .map(|l| {
                l.iter().map(|&i| size(i).0).sum::<f64>() + gap_x * l.len().saturating_sub(1) as f64
            })
            .collect();
        let total_w = widths.iter().copied().fold(0.0, f64::max) + 2.0 * gap_x;
        let mut pos = vec![(0.0, 0.0, 0.0, 0.0); n];
        let mut y = gap_x;
        for (li, layer) in layers.iter().enumerate() {
            let mut x = (total_w - widths[li]) / 2.0;
            let h = layer.iter().map(|&i| size(i).1).fold(0.0, f64::max);
            for &i in layer {
                let (w, hh) = size(i);
                pos[i] = (x, y, w, hh);
                x += w + gap_x;
            }
            y += h + gap_y;
        }
        let total_h = y - gap_y + gap_x;
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total_w:.0}\" height=\"{total_h:.0}\" font-family=\"monospace\" font-size=\"10\">\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n"
        );
        for &(a, b) in &self.edges {
            let (ax, ay, aw, ah) = pos[a];
            let (bx, by, bw, _) = pos[b];
            let _ = writeln!(
                s,
                "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"black\" marker-end=\"url(#arrow)\"/>",
                ax + aw / 2.0,
                ay + ah,
                bx + bw / 2.0,
                by
            );
        }
        for (i, node) in self.nodes.iter().enumerate() {
            let (x, y, w, h) = pos[i];
            let fill = node.color.unwrap_or("lightgray");
            let _ = writeln!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{fill}\" stroke=\"black\"/>"
            );
            for (k, line) in node.label.lines().enumerate() {
                let esc = line
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                let _ = writeln!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\">{esc}</text>",
                    x + pad,
                    y + pad + (k as f64 + 0.8) * line_h
                );
            }
        }
        s.push_str("</svg>\n");
        s
    }

    /// Writes the graph to `path`: SVG when the path ends in `.svg`, DOT otherwise.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let p = path.as_ref();
        let text = if p.extension().is_some_and(|e| e == "svg") {
            self.to_svg()
        } else {
            self.to_dot()
        };
        std::fs::write(p, text)?;
        Ok(())
    }
}
