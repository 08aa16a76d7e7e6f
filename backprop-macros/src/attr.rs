//! The arguments of `#[differentiable(...)]`: `wrt(a, b)` and `crate = "path"`.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Ident, Meta, Token};

use crate::errors::Errors;

#[derive(Default)]
pub struct Args {
    /// The active parameters, with their spans; `None` means every float parameter.
    pub wrt: Option<Vec<(String, Span)>>,
    /// The runtime crate's path, overriding the lookup in `Cargo.toml`.
    pub krate: Option<syn::Path>,
    /// Anomaly detection: generated functions return `Err(NonFinite)` at the first
    /// non-finite adjoint.
    pub check_finite: bool,
}

pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    // syn reports "unexpected end of input" at the call site: point at the last token instead.
    let last = tokens.clone().into_iter().last().map(|t| t.span());
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(m) => m,
        Err(e) => {
            let span = match last {
                Some(last) if e.to_string().starts_with("unexpected end of input") => last,
                _ => e.span(),
            };
            errors.push(syn::Error::new(
                span,
                format!(
                    "{e}: the arguments are a comma-separated list of `wrt(a, b, ...)`, `check_finite` and `crate = \"path\"`"
                ),
            ));
            return args;
        }
    };
    for meta in metas {
        match &meta {
            Meta::List(list) if list.path.is_ident("wrt") => {
                if args.wrt.is_some() {
                    errors.push(syn::Error::new_spanned(
                        &list.path,
                        "`wrt` given twice: list every parameter in one `wrt(...)`",
                    ));
                    continue;
                }
                match list.parse_args_with(Punctuated::<Ident, Token![,]>::parse_terminated) {
                    Ok(names) => {
                        let mut seen: Vec<(String, Span)> = Vec::new();
                        for n in names {
                            let name = n.to_string();
                            if seen.iter().any(|(s, _)| *s == name) {
                                errors.push(syn::Error::new_spanned(
                                    &n,
                                    format!("`{name}` is listed twice in `wrt`"),
                                ));
                            } else {
                                seen.push((name, n.span()));
                            }
                        }
                        if seen.is_empty() {
                            errors.push(syn::Error::new_spanned(
                                list,
                                "`wrt()` is empty: name at least one parameter",
                            ));
                        }
                        args.wrt = Some(seen);
                    }
                    Err(e) => errors.push(syn::Error::new(
                        e.span(),
                        "`wrt` takes parameter names: `wrt(w, b)`",
                    )),
                }
            }
            Meta::NameValue(nv) if nv.path.is_ident("crate") => {
                let parsed = match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => s.parse::<syn::Path>().ok(),
                    _ => None,
                };
                match parsed {
                    Some(p) => args.krate = Some(p),
                    None => errors.push(syn::Error::new_spanned(
                        &nv.value,
                        "`crate` takes a path in a string: `crate = \"my_reexport::backprop\"`",
                    )),
                }
            }
            Meta::NameValue(nv) if nv.path.is_ident("wrt") => errors.push(syn::Error::new_spanned(
                nv,
                "`wrt` takes a list of parameter names: `wrt(w)` or `wrt(w, b)`",
            )),
            Meta::Path(p) if p.is_ident("wrt") => errors.push(syn::Error::new_spanned(
                p,
                "`wrt` takes a list of parameter names: `wrt(w)` or `wrt(w, b)`",
            )),
            Meta::Path(p) if p.is_ident("check_finite") => {
                if args.check_finite {
                    errors.push(syn::Error::new_spanned(p, "`check_finite` given twice"));
                }
                args.check_finite = true;
            }
            other => errors.push(syn::Error::new_spanned(
                other,
                "unknown argument: expected `wrt(a, b, ...)`, `check_finite` or `crate = \"path\"`",
            )),
        }
    }
    args
}

/// The path of the runtime's hidden module, as generated code must name it.
pub fn runtime_path(args: &Args) -> TokenStream {
    let krate = runtime_crate(args);
    quote::quote!(#krate::__private)
}

fn runtime_crate(args: &Args) -> TokenStream {
    use proc_macro_crate::{crate_name, FoundCrate};
    if let Some(p) = &args.krate {
        return quote::quote!(#p);
    }
    for (krate, fallback) in [
        ("backprop", "backprop"),
        ("backprop-runtime", "backprop_runtime"),
    ] {
        match crate_name(krate) {
            Ok(FoundCrate::Itself) => {
                let ident = Ident::new(fallback, Span::call_site());
                return quote::quote!(::#ident);
            }
            Ok(FoundCrate::Name(name)) => {
                let ident = Ident::new(&name, Span::call_site());
                return quote::quote!(::#ident);
            }
            Err(_) => continue,
        }
    }
    quote::quote!(::backprop)
}
