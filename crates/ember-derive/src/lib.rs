//! `#[derive(Module)]`: makes a struct's fields its registered parameters, buffers and
//! submodules, as assigning attributes in `nn.Module.__init__` does in PyTorch, in field
//! order (PyTorch's registration order, which `state_dict` keeps).
//!
//! Field kinds are read from the field's type:
//! - `Parameter` / `Option<Parameter>` — a parameter named after the field,
//! - `Buffer` / `Option<Buffer>` — a buffer (saved in `state_dict`, not trained),
//! - `bool`, numbers, `String`, `Tensor`, arrays, tuples and fields marked
//!   `#[module(skip)]` — plain data,
//! - anything else — a submodule (it must implement `ember::nn::Module`); `Vec<T>` and
//!   `Option<T>` of modules register `name.0`, `name.1`, … and `name`, and
//!   `Vec<(String, T)>` registers `name.key` for each pair.
//!
//! Field attributes (`#[module(…)]`, several may be combined with commas):
//! - `skip` — plain data, whatever the type (options structs, enums, …),
//! - `param`, `buffer`, `child` — this kind, whatever the type's name,
//! - `training` — this `bool` field is the module's train/eval flag (a field named
//!   `training` is so without the attribute),
//! - `name = "…"` — register under this name instead of the field's,
//! - `flatten` — a `Vec` of submodules registers `0`, `1`, … (and a `Vec<(String, T)>` its
//!   keys) without the field's name, as `nn.Sequential` and `nn.ModuleDict` do.
//!
//! Struct attributes:
//! - `#[module(name = "…")]` — the type name printed and used in messages (default: the
//!   struct's name),
//! - `#[module(extra_repr = method)]` — `extra_repr()` returns `self.method()` (PyTorch's
//!   `extra_repr`, the text inside `Linear(…)`),
//! - `#[module(no_display)]` — do not implement `Display` (by default `{}` prints the module
//!   as PyTorch's `print(model)` does),
//! - `#[module(compress_repeated)]` — print runs of identical children once, as
//!   `(0-2): 3 x ReLU()` (`nn.ModuleList`'s printing).

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{Data, DeriveInput, Fields, GenericArgument, PathArguments, Type, parse_macro_input};

include!("panicking.rs"); // #[panicking]: the panicking form of a `try_` fn

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Param,
    OptParam,
    Buffer,
    OptBuffer,
    Child,
    OptChild,
    VecChild,
    DictChild,
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

fn seg_name(ty: &Type) -> Option<String> {
    last_segment(ty).map(|s| s.ident.to_string())
}

/// The kind of a field from its type; `forced` is the kind an attribute asked for
/// (`Param`, `Buffer` or `Child`), applied through `Option`/`Vec`.
fn kind_of(ty: &Type, forced: Option<Kind>) -> Kind {
    let Some(seg) = last_segment(ty) else {
        return Kind::Skip;
    };
    let name = seg.ident.to_string();
    let plain = |n: &Option<String>| n.as_deref().is_none_or(|n| PLAIN.contains(&n));
    match name.as_str() {
        "Option" => {
            let inner = inner_type(seg);
            let n = inner.and_then(seg_name);
            match (forced, n.as_deref()) {
                (Some(Kind::Param), _) | (None, Some("Parameter")) => Kind::OptParam,
                (Some(Kind::Buffer), _) | (None, Some("Buffer")) => Kind::OptBuffer,
                (Some(_), _) => Kind::OptChild,
                (None, _) if plain(&n) => Kind::Skip,
                (None, _) => Kind::OptChild,
            }
        }
        "Vec" => {
            let inner = inner_type(seg);
            if let Some(Type::Tuple(t)) = inner {
                let value = t.elems.iter().nth(1);
                return match value.map(seg_name) {
                    Some(n) if forced.is_some() || !plain(&n) => Kind::DictChild,
                    _ => Kind::Skip,
                };
            }
            let n = inner.and_then(seg_name);
            if forced.is_some() || !plain(&n) {
                Kind::VecChild
            } else {
                Kind::Skip
            }
        }
        _ => match forced {
            Some(k) => k,
            None => match name.as_str() {
                "Parameter" => Kind::Param,
                "Buffer" => Kind::Buffer,
                n if PLAIN.contains(&n) => Kind::Skip,
                _ => Kind::Child,
            },
        },
    }
}

#[derive(Default)]
struct FieldAttrs {
    skip: bool,
    forced: Option<Kind>,
    training: bool,
    name: Option<String>,
    flatten: bool,
}

fn field_attrs(attrs: &[syn::Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("module")) {
        a.parse_nested_meta(|m| {
            let p = &m.path;
            if p.is_ident("skip") {
                out.skip = true;
            } else if p.is_ident("param") {
                out.forced = Some(Kind::Param);
            } else if p.is_ident("buffer") {
                out.forced = Some(Kind::Buffer);
            } else if p.is_ident("child") {
                out.forced = Some(Kind::Child);
            } else if p.is_ident("training") {
                out.training = true;
            } else if p.is_ident("flatten") {
                out.flatten = true;
            } else if p.is_ident("name") {
                out.name = Some(m.value()?.parse::<syn::LitStr>()?.value());
            } else {
                return Err(m.error(
                    "expected one of: skip, param, buffer, child, training, flatten, name = \"…\"",
                ));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

#[derive(Default)]
struct StructAttrs {
    name: Option<String>,
    extra_repr: Option<syn::Ident>,
    no_display: bool,
    compress_repeated: bool,
}

fn struct_attrs(attrs: &[syn::Attribute]) -> syn::Result<StructAttrs> {
    let mut out = StructAttrs::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("module")) {
        a.parse_nested_meta(|m| {
            if m.path.is_ident("name") {
                out.name = Some(m.value()?.parse::<syn::LitStr>()?.value());
            } else if m.path.is_ident("extra_repr") {
                out.extra_repr = Some(m.value()?.parse::<syn::Ident>()?);
            } else if m.path.is_ident("no_display") {
                out.no_display = true;
            } else if m.path.is_ident("compress_repeated") {
                out.compress_repeated = true;
            } else {
                return Err(m.error(
                    "expected one of: name = \"…\", extra_repr = method, no_display, compress_repeated",
                ));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// Implements `ember::nn::ModuleFields` (and `Display`) for a struct from its fields (see
/// the crate docs).
#[proc_macro_derive(Module, attributes(module))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            input,
            "#[derive(Module)] supports structs only",
        ));
    };
    let sattrs = struct_attrs(&input.attrs)?;
    let fields: Vec<&syn::Field> = match &data.fields {
        Fields::Named(f) => f.named.iter().collect(),
        Fields::Unnamed(f) => f.unnamed.iter().collect(),
        Fields::Unit => vec![],
    };
    let mut params = Vec::new();
    let mut params_mut = Vec::new();
    let mut buffers = Vec::new();
    let mut buffers_mut = Vec::new();
    let mut children = Vec::new();
    let mut children_mut = Vec::new();
    let mut training: Option<Tokens> = None;
    for (i, f) in fields.iter().enumerate() {
        let attrs = field_attrs(&f.attrs)?;
        let (access, ident_name): (Tokens, String) = match &f.ident {
            Some(id) => (quote!(#id), id.to_string()),
            None => {
                let idx = syn::Index::from(i);
                (quote!(#idx), i.to_string())
            }
        };
        let is_training = attrs.training || (ident_name == "training" && !attrs.skip);
        if is_training {
            training = Some(access);
            continue;
        }
        let kind = if attrs.skip {
            Kind::Skip
        } else {
            kind_of(&f.ty, attrs.forced)
        };
        let label = attrs.name.unwrap_or(ident_name);
        let f = access;
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
                let key = if attrs.flatten {
                    quote!(i.to_string())
                } else {
                    quote!(format!("{}.{}", #label, i))
                };
                children.push(quote!(for (i, c) in self.#f.iter().enumerate() { v(&#key, c); }));
                children_mut
                    .push(quote!(for (i, c) in self.#f.iter_mut().enumerate() { v(&#key, c); }));
            }
            Kind::DictChild => {
                let key = if attrs.flatten {
                    quote!(k.to_string())
                } else {
                    quote!(format!("{}.{}", #label, k))
                };
                children.push(quote!(for (k, c) in self.#f.iter() { v(&#key, c); }));
                children_mut.push(quote!(for (k, c) in self.#f.iter_mut() { v(&#key, c); }));
            }
            Kind::Skip => {}
        }
    }
    let training = match training {
        Some(f) => quote! {
            fn own_training(&self) -> Option<bool> { Some(self.#f) }
            fn set_own_training(&mut self, mode: bool) { self.#f = mode; }
        },
        None => quote!(),
    };
    let type_name = match &sattrs.name {
        Some(n) => quote!(#n),
        None => quote!(stringify!(#name)),
    };
    let extra_repr = match &sattrs.extra_repr {
        Some(m) => quote! {
            fn extra_repr(&self) -> String { self.#m() }
        },
        None => quote!(),
    };
    let compress = if sattrs.compress_repeated {
        quote!(
            fn compress_repeated_children(&self) -> bool {
                true
            }
        )
    } else {
        quote!()
    };
    let display = if sattrs.no_display {
        quote!()
    } else {
        quote! {
            impl #impl_g ::std::fmt::Display for #name #ty_g #where_g {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(&::ember::nn::module_repr(self))
                }
            }
        }
    };
    Ok(quote! {
        impl #impl_g ::ember::nn::ModuleFields for #name #ty_g #where_g {
            #[allow(unused_variables)]
            fn visit_parameters<'a>(&'a self, v: &mut dyn FnMut(&str, &'a ::ember::nn::Parameter)) {
                #(#params)*
            }
            #[allow(unused_variables)]
            fn visit_parameters_mut(&mut self, v: &mut dyn FnMut(&str, &mut ::ember::nn::Parameter)) {
                #(#params_mut)*
            }
            #[allow(unused_variables)]
            fn visit_buffers<'a>(&'a self, v: &mut dyn FnMut(&str, &'a ::ember::nn::Buffer)) {
                #(#buffers)*
            }
            #[allow(unused_variables)]
            fn visit_buffers_mut(&mut self, v: &mut dyn FnMut(&str, &mut ::ember::nn::Buffer)) {
                #(#buffers_mut)*
            }
            #[allow(unused_variables)]
            fn visit_children<'a>(&'a self, v: &mut dyn FnMut(&str, &'a dyn ::ember::nn::Module)) {
                #(#children)*
            }
            #[allow(unused_variables)]
            fn visit_children_mut(&mut self, v: &mut dyn FnMut(&str, &mut dyn ::ember::nn::Module)) {
                #(#children_mut)*
            }
            fn type_name(&self) -> &'static str {
                #type_name
            }
            fn as_any(&self) -> &dyn ::std::any::Any {
                self
            }
            fn as_any_mut(&mut self) -> &mut dyn ::std::any::Any {
                self
            }
            #training
            #extra_repr
            #compress
        }
        #display
    })
}
