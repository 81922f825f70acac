//! `#[derive(Module)]`: makes a struct's fields its registered parameters, buffers and
//! submodules, as assigning attributes in `nn.Module.__init__` does in PyTorch.
//!
//! Field kinds are read from the field's type:
//! - `Parameter` / `Option<Parameter>` — a parameter named after the field,
//! - `Buffer` / `Option<Buffer>` — a buffer (saved in `state_dict`, not trained),
//! - `bool`, numbers, `String`, `Tensor` and fields marked `#[module(skip)]` — plain data,
//! - anything else — a submodule (it must implement `ember::nn::Module`); `Vec<T>` and
//!   `Option<T>` of modules register `name.0`, `name.1`, … and `name`.
//!
//! A `training: bool` field, when present, holds the module's train/eval mode.

use proc_macro::TokenStream;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, GenericArgument, PathArguments, Type, parse_macro_input};

enum Kind {
    Param,
    OptParam,
    Buffer,
    OptBuffer,
    Child,
    OptChild,
    VecChild,
    Skip,
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

fn inner_type(seg: &syn::PathSegment) -> Option<&Type> {
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

const PLAIN: &[&str] = &[
    "bool",
    "u8",
    "u16",
    "u32",
    "u64",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "isize",
    "f32",
    "f64",
    "String",
    "Tensor",
    "DType",
    "Device",
    "PhantomData",
];

fn kind_of(ty: &Type) -> Kind {
    let Some(seg) = last_segment(ty) else {
        return Kind::Skip;
    };
    let name = seg.ident.to_string();
    match name.as_str() {
        "Parameter" => Kind::Param,
        "Buffer" => Kind::Buffer,
        "Option" => match inner_type(seg)
            .and_then(last_segment)
            .map(|s| s.ident.to_string())
        {
            Some(n) if n == "Parameter" => Kind::OptParam,
            Some(n) if n == "Buffer" => Kind::OptBuffer,
            Some(n) if PLAIN.contains(&n.as_str()) => Kind::Skip,
            Some(_) => Kind::OptChild,
            None => Kind::Skip,
        },
        "Vec" => match inner_type(seg)
            .and_then(last_segment)
            .map(|s| s.ident.to_string())
        {
            Some(n) if PLAIN.contains(&n.as_str()) => Kind::Skip,
            Some(_) => Kind::VecChild,
            None => Kind::Skip,
        },
        n if PLAIN.contains(&n) => Kind::Skip,
        _ => Kind::Child,
    }
}

fn has_skip(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("module")
            && a.parse_args::<syn::Ident>()
                .map(|i| i == "skip")
                .unwrap_or(false)
    })
}

/// Implements `ember::nn::ModuleFields` for a struct from its fields (see the crate docs).
#[proc_macro_derive(Module, attributes(module))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let name = &input.ident;
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    let Data::Struct(data) = &input.data else {
        return syn::Error::new_spanned(&input, "#[derive(Module)] supports structs only")
            .to_compile_error()
            .into();
    };
    let fields: Vec<(syn::Ident, String, Kind)> = match &data.fields {
        Fields::Named(f) => f
            .named
            .iter()
            .map(|f| {
                let id = f.ident.clone().expect("named field");
                let kind = if has_skip(&f.attrs) {
                    Kind::Skip
                } else {
                    kind_of(&f.ty)
                };
                (id.clone(), id.to_string(), kind)
            })
            .collect(),
        Fields::Unnamed(f) => f
            .unnamed
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let kind = if has_skip(&f.attrs) {
                    Kind::Skip
                } else {
                    kind_of(&f.ty)
                };
                (format_ident!("_{i}"), i.to_string(), kind)
            })
            .collect(),
        Fields::Unit => vec![],
    };
    let access = |id: &syn::Ident, label: &str| -> proc_macro2::TokenStream {
        match &data.fields {
            Fields::Unnamed(_) => {
                let idx = syn::Index::from(label.parse::<usize>().unwrap_or(0));
                quote!(#idx)
            }
            _ => quote!(#id),
        }
    };
    let mut params = Vec::new();
    let mut params_mut = Vec::new();
    let mut buffers = Vec::new();
    let mut buffers_mut = Vec::new();
    let mut children = Vec::new();
    let mut children_mut = Vec::new();
    let mut has_training = false;
    for (id, label, kind) in &fields {
        let f = access(id, label);
        if label == "training" {
            has_training = true;
            continue;
        }
        match kind {
            Kind::Param => {
                params.push(quote!(v(#label, &self.#f);));
                params_mut.push(quote!(v(#label, &mut self.#f);));
            }
            Kind::OptParam => {
                params.push(quote!(if let Some(p) = &self.#f { v(#label, p); }));
                params_mut.push(quote!(if let Some(p) = &mut self.#f { v(#label, p); }));
            }
            Kind::Buffer => {
                buffers.push(quote!(v(#label, &self.#f);));
                buffers_mut.push(quote!(v(#label, &mut self.#f);));
            }
            Kind::OptBuffer => {
                buffers.push(quote!(if let Some(b) = &self.#f { v(#label, b); }));
                buffers_mut.push(quote!(if let Some(b) = &mut self.#f { v(#label, b); }));
            }
            Kind::Child => {
                children.push(quote!(v(#label, &self.#f);));
                children_mut.push(quote!(v(#label, &mut self.#f);));
            }
            Kind::OptChild => {
                children.push(quote!(if let Some(c) = &self.#f { v(#label, c); }));
                children_mut.push(quote!(if let Some(c) = &mut self.#f { v(#label, c); }));
            }
            Kind::VecChild => {
                children.push(quote!(for (i, c) in self.#f.iter().enumerate() { v(&format!("{}.{}", #label, i), c); }));
                children_mut.push(quote!(for (i, c) in self.#f.iter_mut().enumerate() { v(&format!("{}.{}", #label, i), c); }));
            }
            Kind::Skip => {}
        }
    }
    let training = if has_training {
        quote! {
            fn own_training(&self) -> Option<bool> { Some(self.training) }
            fn set_own_training(&mut self, mode: bool) { self.training = mode; }
        }
    } else {
        quote!()
    };
    quote! {
        impl #impl_g ::ember::nn::ModuleFields for #name #ty_g #where_g {
            fn visit_parameters<'a>(&'a self, v: &mut dyn FnMut(&str, &'a ::ember::nn::Parameter)) {
                #(#params)*
            }
            fn visit_parameters_mut(&mut self, v: &mut dyn FnMut(&str, &mut ::ember::nn::Parameter)) {
                #(#params_mut)*
            }
            fn visit_buffers<'a>(&'a self, v: &mut dyn FnMut(&str, &'a ::ember::nn::Buffer)) {
                #(#buffers)*
            }
            fn visit_buffers_mut(&mut self, v: &mut dyn FnMut(&str, &mut ::ember::nn::Buffer)) {
                #(#buffers_mut)*
            }
            fn visit_children<'a>(&'a self, v: &mut dyn FnMut(&str, &'a dyn ::ember::nn::Module)) {
                #(#children)*
            }
            fn visit_children_mut(&mut self, v: &mut dyn FnMut(&str, &mut dyn ::ember::nn::Module)) {
                #(#children_mut)*
            }
            fn type_name(&self) -> &'static str {
                stringify!(#name)
            }
            fn as_any(&self) -> &dyn ::std::any::Any {
                self
            }
            fn as_any_mut(&mut self) -> &mut dyn ::std::any::Any {
                self
            }
            #training
        }
    }
    .into()
}
