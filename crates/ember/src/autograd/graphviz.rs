//! `make_dot` (torchviz's): the backward graph of a tensor as Graphviz DOT, and as SVG laid
//! out by the pure-Rust `layout-rs` crate, so no Graphviz install is needed.

use super::GradFn;
use crate::Tensor;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::fmt::Write as _;

/// A backward graph ready to be written as DOT or SVG. See [`make_dot`].
pub struct Dot {
    nodes: Vec<DotNode>,
    edges: Vec<(usize, usize, bool)>,
}

struct DotNode {
    label: String,
    fill: &'static str,
}

// torchviz's colours, as hex so every renderer knows them.
const LEAF: &str = "#add8e6";
const OUTPUT: &str = "#caff70";
const SAVED: &str = "#ffa500";
const OP: &str = "#d3d3d3";

fn size_str(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(ToString::to_string).collect();
    format!("({})", parts.join(", "))
}

/// `torchviz.make_dot(output, params, show_saved=True)`: one box per `grad_fn` reachable
/// from `output` (blue for leaves, with their name when listed in `params`, orange for the
/// tensors a node saved, green for the output), edges in the direction data flows.
///
/// ```
/// let x = ember::ones([2, 2]).requires_grad_(true);
/// let out = ((&x + 2.0).exp() + (-&x - 2.0).exp()).mean();
/// let dot = ember::autograd::make_dot(&out, &[("x", &x)]);
/// assert!(dot.to_dot().contains("MeanBackward0"));
/// assert!(dot.to_dot().contains("x\\n(2, 2)"));
/// assert!(dot.to_svg().unwrap().contains("<svg"));
/// ```
pub fn make_dot(output: &Tensor, params: &[(&str, &Tensor)]) -> Dot {
    let mut dot = Dot {
        nodes: vec![DotNode {
            label: size_str(output.shape()),
            fill: OUTPUT,
        }],
        edges: Vec::new(),
    };
    let Some(root) = output.grad_fn() else {
        return dot;
    };
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let root_idx = dot.add_fn(&root, params, &mut seen);
    dot.edges.push((root_idx, 0, false));
    let mut stack = vec![root];
    while let Some(f) = stack.pop() {
        let fi = seen[&f.id()];
        for (next, _) in f.next_functions() {
            if let Some(n) = next {
                let new = !seen.contains_key(&n.id());
                let ni = dot.add_fn(&n, params, &mut seen);
                dot.edges.push((ni, fi, false));
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
                    fill: LEAF,
                }
            }
            None => DotNode {
                label: f.name(),
                fill: OP,
            },
        };
        self.nodes.push(node);
        let idx = self.nodes.len() - 1;
        seen.insert(f.id(), idx);
        for shape in f.saved_shapes() {
            self.nodes.push(DotNode {
                label: format!("saved\n{}", size_str(&shape)),
                fill: SAVED,
            });
            self.edges.push((self.nodes.len() - 1, idx, true));
        }
        idx
    }

    /// The graph in Graphviz's DOT language.
    pub fn to_dot(&self) -> String {
        let mut s = String::from(
            "digraph {\n\tgraph [size=\"12,12\"]\n\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n",
        );
        for (i, n) in self.nodes.iter().enumerate() {
            let label = n
                .label
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            let _ = writeln!(
                s,
                "\tn{i} [label=\"{label}\" shape=box style=filled fillcolor=\"{}\" fontsize=10]",
                n.fill
            );
        }
        for (a, b, dashed) in &self.edges {
            let style = if *dashed { " [style=dashed]" } else { "" };
            let _ = writeln!(s, "\tn{a} -> n{b}{style}");
        }
        s.push_str("}\n");
        s
    }

    /// The graph as an SVG image (laid out by `layout-rs`).
    ///
    /// # Errors
    /// If the layout engine rejects the graph.
    pub fn to_svg(&self) -> Result<String> {
        use layout::backends::svg::SVGWriter;
        use layout::gv::{DotParser, GraphBuilder};
        let dot = self.to_dot();
        let mut parser = DotParser::new(&dot);
        let graph = parser
            .process()
            .map_err(|e| Error::Format(format!("make_dot: {e}")))?;
        let mut builder = GraphBuilder::new();
        builder.visit_graph(&graph);
        let mut vg = builder.get();
        let mut svg = SVGWriter::new();
        vg.do_it(false, false, false, &mut svg);
        Ok(svg.finalize())
    }

    /// Writes the graph to `path`: SVG when the path ends in `.svg`, DOT otherwise.
    ///
    /// # Errors
    /// If the file cannot be written or the graph cannot be laid out.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let p = path.as_ref();
        let text = if p.extension().is_some_and(|e| e == "svg") {
            self.to_svg()?
        } else {
            self.to_dot()
        };
        std::fs::write(p, text).map_err(|e| crate::error::file_error(p, &e))?;
        Ok(())
    }
}
