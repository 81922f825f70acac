// `#[panicking]`, included into the crate root by `include!` (a proc-macro attribute must be
// defined there); the implementation sits in the module below.

/// `#[panicking]`: writes the panicking form `foo` of a fallible `try_foo`.
///
/// ember implements every op once, as `try_foo(..) -> Result<T>`; the plain `foo(..) -> T`
/// calls it and panics with the error's message at the caller (DESIGN.md §1.4). The
/// attribute, put on `try_foo`, generates `foo` with the same visibility, generics, where
/// clause and arguments, `#[track_caller]`, and a body that calls `try_foo` and panics with
/// the error's `Display`.
///
/// Docs: the main docs (summary, examples) are written on `try_foo`, under the attribute,
/// with the conditions of failure in a `# Errors` section. They move to the generated `foo`,
/// which is what users call, with `# Errors` renamed `# Panics`; `try_foo` keeps one line,
/// "Like `foo`, but returns the error", and its own `# Errors` section. Each example is thus
/// in the docs once and runs as a doctest once.
///
/// Arguments (all optional, comma-separated):
/// - `must_use` — put `#[must_use]` on `foo` (for a method that returns a new value),
/// - `name = ident` — the panicking form's name (default: `try_foo` without `try_`),
/// - `assoc` — `try_foo` is an associated function without a receiver (called as
///   `Self::try_foo(..)`); without `self` and without this flag it is a free function.
#[proc_macro_attribute]
pub fn panicking(
    attr: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    let args = syn::parse_macro_input!(attr as panicking_impl::Args);
    let item = syn::parse_macro_input!(item as panicking_impl::Item);
    panicking_impl::expand(args, item)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

mod panicking_impl {
    use proc_macro2::{Span, TokenStream as Tokens};
    use quote::{format_ident, quote};
    use syn::parse::{Parse, ParseStream};
    use syn::punctuated::Punctuated;
    use syn::{
        Attribute, Expr, ExprLit, FnArg, GenericArgument, Ident, ItemFn, Lit, Meta, Pat, PatIdent,
        PathArguments, ReturnType, Signature, Token, TraitItemFn, Type, Visibility, parse_quote,
    };

    /// The attribute's arguments.
    #[derive(Default)]
    pub struct Args {
        must_use: bool,
        name: Option<Ident>,
        assoc: bool,
    }

    impl Parse for Args {
        fn parse(input: ParseStream) -> syn::Result<Self> {
            let mut args = Args::default();
            let metas = Punctuated::<Meta, Token![,]>::parse_terminated(input)?;
            for meta in metas {
                match &meta {
                    Meta::Path(p) if p.is_ident("must_use") => args.must_use = true,
                    Meta::Path(p) if p.is_ident("assoc") => args.assoc = true,
                    Meta::NameValue(nv) if nv.path.is_ident("name") => match &nv.value {
                        Expr::Path(p) if p.path.get_ident().is_some() => {
                            args.name = p.path.get_ident().cloned();
                        }
                        other => {
                            return Err(syn::Error::new_spanned(other, "expected `name = ident`"));
                        }
                    },
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            "expected `must_use`, `assoc` or `name = ident`",
                        ));
                    }
                }
            }
            Ok(args)
        }
    }

    /// The `T` of a `Result<T>` / `Result<T, E>` (any path ending in `Result`).
    fn ok_type(ret: &ReturnType) -> Option<Type> {
        let ReturnType::Type(_, ty) = ret else {
            return None;
        };
        let Type::Path(tp) = &**ty else { return None };
        let last = tp.path.segments.last()?;
        if last.ident != "Result" {
            return None;
        }
        let PathArguments::AngleBracketed(ab) = &last.arguments else {
            return None;
        };
        match ab.args.first()? {
            GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        }
    }

    /// A doc attribute's text, when it is one (`/// text` is `#[doc = " text"]`).
    fn doc_text(attr: &Attribute) -> Option<String> {
        if !attr.path().is_ident("doc") {
            return None;
        }
        let Meta::NameValue(nv) = &attr.meta else {
            return None;
        };
        match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        }
    }

    /// Splits doc lines into (everything with `# Errors` renamed `# Panics`, the `# Errors`
    /// section's lines with its heading). A section runs to the next heading outside code.
    fn split_docs(lines: &[String]) -> (Vec<String>, Vec<String>) {
        let mut main = Vec::new();
        let mut errors = Vec::new();
        let (mut in_errors, mut in_code) = (false, false);
        for line in lines {
            let t = line.trim();
            if t.starts_with("```") {
                in_code = !in_code;
            }
            if !in_code && t.starts_with('#') && t.trim_start_matches('#').starts_with(' ') {
                in_errors = t == "# Errors";
                if in_errors {
                    main.push(line.replacen("# Errors", "# Panics", 1));
                    errors.push(line.clone());
                    continue;
                }
            }
            main.push(line.clone());
            if in_errors {
                errors.push(line.clone());
            }
        }
        (main, errors)
    }

    /// What the attribute accepts: a function or method with a body, or a trait's method
    /// (then the panicking form is a provided method of the trait).
    pub enum Item {
        Fn(ItemFn),
        Trait(TraitItemFn),
    }

    impl Parse for Item {
        fn parse(input: ParseStream) -> syn::Result<Self> {
            if input.fork().parse::<ItemFn>().is_ok() {
                return input.parse().map(Item::Fn);
            }
            input.parse().map(Item::Trait)
        }
    }

    impl Item {
        fn parts(&mut self) -> (&mut Vec<Attribute>, Visibility, &Signature) {
            match self {
                Item::Fn(f) => (&mut f.attrs, f.vis.clone(), &f.sig),
                Item::Trait(f) => (&mut f.attrs, Visibility::Inherited, &f.sig),
            }
        }
    }

    impl quote::ToTokens for Item {
        fn to_tokens(&self, tokens: &mut Tokens) {
            match self {
                Item::Fn(f) => f.to_tokens(tokens),
                Item::Trait(f) => f.to_tokens(tokens),
            }
        }
    }

    pub fn expand(args: Args, mut item: Item) -> syn::Result<Tokens> {
        let (attrs, vis, item_sig) = item.parts();
        let item_sig = item_sig.clone();
        let item_attrs = attrs.clone();
        let try_name = item_sig.ident.clone();
        let name = match args.name {
            Some(n) => n,
            None => match try_name.to_string().strip_prefix("try_") {
                Some(rest) if !rest.is_empty() => Ident::new(rest, try_name.span()),
                _ => {
                    return Err(syn::Error::new_spanned(
                        &try_name,
                        "#[panicking] goes on a `try_` function (or give `name = …`)",
                    ));
                }
            },
        };
        let Some(ok) = ok_type(&item_sig.output) else {
            return Err(syn::Error::new_spanned(
                &item_sig.output,
                "#[panicking] needs a function returning `Result<T>`",
            ));
        };

        // The docs: the main text goes to the panicking form.
        let mut doc_lines = Vec::new();
        let mut other_attrs = Vec::new();
        for attr in &item_attrs {
            match doc_text(attr) {
                Some(text) => doc_lines.push(text),
                None => other_attrs.push(attr.clone()),
            }
        }
        if doc_lines.is_empty() {
            return Err(syn::Error::new_spanned(
                &try_name,
                "#[panicking]: document the `try_` function; its docs become the panicking form's",
            ));
        }
        let (mut main_docs, error_docs) = split_docs(&doc_lines);
        let receiver = item_sig.receiver().is_some();
        let link = if receiver || args.assoc {
            format!("Self::{name}")
        } else {
            name.to_string()
        };
        let try_link = if receiver || args.assoc {
            format!("Self::{try_name}")
        } else {
            try_name.to_string()
        };
        let mut try_docs = vec![format!(
            " Like [`{name}`]({link}), but returns the error instead of panicking."
        )];
        if error_docs.is_empty() {
            main_docs.push(String::new());
            main_docs.push(" # Panics".into());
            main_docs.push(format!(
                " When [`{try_name}`]({try_link}) returns an error."
            ));
        } else {
            try_docs.push(String::new());
            try_docs.extend(error_docs);
        }

        // The generated signature: the same, with plain idents for the arguments.
        let mut sig = item_sig.clone();
        sig.ident = name;
        sig.output = if matches!(&ok, Type::Tuple(t) if t.elems.is_empty()) {
            ReturnType::Default
        } else {
            parse_quote!(-> #ok)
        };
        let mut call_args = Vec::new();
        for (i, arg) in sig.inputs.iter_mut().enumerate() {
            if let FnArg::Receiver(r) = arg
                && r.reference.is_none()
            {
                r.mutability = None; // `mut self` is `try_foo`'s business
            }
            if let FnArg::Typed(pt) = arg {
                let ident = match &*pt.pat {
                    Pat::Ident(PatIdent {
                        ident,
                        subpat: None,
                        by_ref: None,
                        ..
                    }) => ident.clone(),
                    _ => Ident::new(&format!("arg{i}"), Span::call_site()),
                };
                *pt.pat = parse_quote!(#ident);
                call_args.push(ident);
            }
        }
        let call = if receiver {
            quote!(self.#try_name(#(#call_args),*))
        } else if args.assoc {
            quote!(Self::#try_name(#(#call_args),*))
        } else {
            quote!(#try_name(#(#call_args),*))
        };
        let must_use = args.must_use.then(|| quote!(#[must_use]));
        let result = format_ident!("result");
        *item.parts().0 = other_attrs.clone();
        let try_docs = try_docs.iter();
        let main_docs = main_docs.iter();
        Ok(quote! {
            #(#[doc = #main_docs])*
            #(#other_attrs)*
            #must_use
            #[track_caller]
            #vis #sig {
                match #call {
                    ::core::result::Result::Ok(#result) => #result,
                    ::core::result::Result::Err(e) => ::core::panic!("{}", e),
                }
            }

            #(#[doc = #try_docs])*
            #item
        })
    }
}
