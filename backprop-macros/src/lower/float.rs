//! The function's one float type, and the error on every token of the other one.
//!
//! A differentiable function computes in `f32` or in `f64`, never both: its return type says
//! which (else its parameters, else its body; `f32` when nothing does). Lowering then accepts
//! both names structurally, since every token of the other type has had its error here.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

use super::*;

/// Where the function's float type was read.
#[derive(Clone, Copy)]
enum Source {
    Return,
    Params,
    Body,
    Default,
}

impl Source {
    fn describe(self) -> &'static str {
        match self {
            Source::Return => "its return type",
            Source::Params => "its parameters",
            Source::Body => "its body",
            // Never shown: a function naming no float type has no token of the other one.
            Source::Default => "by default",
        }
    }
}

/// A float type named by a token: the identifier `f32`/`f64`, or a literal's suffix (`2.5f64`).
fn named_float(t: &TokenTree) -> Option<Float> {
    match t {
        TokenTree::Ident(i) => Float::from_name(&i.to_string()),
        TokenTree::Literal(l) => match syn::Lit::new(l.clone()) {
            syn::Lit::Float(f) => Float::from_name(f.suffix()),
            syn::Lit::Int(i) => Float::from_name(i.suffix()),
            _ => None,
        },
        _ => None,
    }
}

/// Every token in `tokens`, groups opened, with the token before it.
fn walk(tokens: TokenStream, visit: &mut dyn FnMut(&TokenTree, Option<&TokenTree>)) {
    let mut prev: Option<TokenTree> = None;
    for t in tokens {
        if let TokenTree::Group(g) = &t {
            walk(g.stream(), visit);
        }
        visit(&t, prev.as_ref());
        prev = Some(t);
    }
}

fn first_float(tokens: TokenStream) -> Option<Float> {
    let mut found = None;
    walk(tokens, &mut |t, _| {
        if found.is_none() {
            found = named_float(t);
        }
    });
    found
}

fn parts(item: &syn::ItemFn) -> [(Source, TokenStream); 3] {
    [
        (Source::Return, item.sig.output.to_token_stream()),
        (Source::Params, item.sig.inputs.to_token_stream()),
        (Source::Body, item.block.to_token_stream()),
    ]
}

impl Lower<'_> {
    /// Sets the function's float type and reports every token of the other one.
    pub(super) fn float_type(&mut self, item: &syn::ItemFn, body: bool) {
        let parts = parts(item);
        let parts = if body { &parts[..] } else { &parts[..2] };
        let (source, float) = parts
            .iter()
            .find_map(|(s, tokens)| first_float(tokens.clone()).map(|f| (*s, f)))
            .unwrap_or((Source::Default, Float::F32));
        self.b.func.float = float;
        for (_, tokens) in parts {
            walk(tokens.clone(), &mut |t, prev| match named_float(t) {
                Some(other) if other != float => {
                    let cast = matches!(prev, Some(TokenTree::Ident(i)) if i == "as");
                    let msg = mixing_message(float, other, source, cast, t);
                    self.errors.push(syn::Error::new(t.span(), msg));
                }
                _ => {}
            });
        }
    }
}

fn mixing_message(float: Float, other: Float, source: Source, cast: bool, t: &TokenTree) -> String {
    let (f, o) = (float.name(), other.name());
    let head = format!(
        "`{o}` in a function that computes in `{f}` ({}): a differentiable function has one float type",
        source.describe()
    );
    if cast {
        return format!("{head}, so `as {o}` has nothing to convert here: convert the function's result where it is called (`f(..) as {o}`), or write the whole function in `{o}`");
    }
    if matches!(t, TokenTree::Literal(_)) {
        return format!("{head}: drop the suffix (a literal takes the function's type)");
    }
    format!("{head}: write `{f}` here, or `{o}` everywhere in the function")
}
