//! `#[derive(Parameters)]`: a struct of tensors becomes a parameter tree.
//!
//! The pipeline reads off [`expand`]: parse the struct and its attributes into [`Model`]
//! (collecting every mistake), then emit `impl Zero`, `impl Parameters` (tensors, buffers and the mode, each passed
//! on to the fields in declaration order) and `unsafe impl
//! Zeroable` (every field zeroable, checked by a where-bound per field), and with
//! `#[parameters(init)]` `impl Init` (each field initialised in declaration order). On error the
//! errors are emitted together with stub impls, so the user sees the mistake and not a cascade
//! of "`Mlp: Parameters` is not satisfied".

use proc_macro2::{TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Generics, Ident, LitStr, Path, Type, WherePredicate};

/// Expands `#[derive(Parameters)]` on `input`.
pub fn expand(input: DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let model = Model::parse(&input, &mut errors);
    match errors.finish() {
        Ok(()) => emit(&model),
        Err(err) => {
            let mut out = err.to_compile_error();
            out.extend(emit_stub(&model));
            out
        }
    }
}

/// The parsed struct: what the emitted impls need.
struct Model<'a> {
    ident: &'a Ident,
    generics: &'a Generics,
    /// The runtime crate, by absolute path (`::backprop` or `::backprop_runtime`).
    krate: Path,
    /// `#[parameters(init)]`: also implement `nn::Init`.
    init: bool,
    fields: Vec<Field<'a>>,
}

struct Field<'a> {
    member: &'a Ident,
    ty: &'a Type,
    /// The name segment of this field in the dotted tensor names.
    name: String,
}

/// Mistakes found so far; all of them are reported at once.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, err: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(err),
            None => self.0 = Some(err),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

impl<'a> Model<'a> {
    fn parse(input: &'a DeriveInput, errors: &mut Errors) -> Self {
        let attrs = parse_struct_attrs(input, errors);
        let krate = attrs.krate.unwrap_or_else(crate::attr::runtime_crate);
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named
                    .named
                    .iter()
                    .filter_map(|f| Field::parse(f, errors))
                    .collect(),
                Fields::Unnamed(unnamed) => {
                    errors.push(syn::Error::new_spanned(
                        unnamed,
                        "#[derive(Parameters)] needs named fields: their names become the tensor \
                         names (`struct Mlp { layer1: Linear<3, 4>, layer2: Linear<4, 2> }`); for \
                         PyTorch's numbered names write `#[parameters(rename = \"0\")]` on a field",
                    ));
                    Vec::new()
                }
                Fields::Unit => {
                    errors.push(syn::Error::new_spanned(
                        &input.ident,
                        "#[derive(Parameters)] needs a struct with named fields holding tensors; \
                         a unit struct has none",
                    ));
                    Vec::new()
                }
            },
            Data::Enum(data) => {
                errors.push(syn::Error::new(
                    data.enum_token.span,
                    "#[derive(Parameters)] needs a struct with named fields; an enum has no fixed \
                     set of tensors",
                ));
                Vec::new()
            }
            Data::Union(data) => {
                errors.push(syn::Error::new(
                    data.union_token.span,
                    "#[derive(Parameters)] needs a struct with named fields, not a union",
                ));
                Vec::new()
            }
        };
        check_unique_names(&fields, errors);
        Model {
            ident: &input.ident,
            generics: &input.generics,
            krate,
            init: attrs.init,
            fields,
        }
    }
}

impl<'a> Field<'a> {
    fn parse(field: &'a syn::Field, errors: &mut Errors) -> Option<Self> {
        let member = field.ident.as_ref()?;
        let mut rename: Option<LitStr> = None;
        for attr in field
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("parameters"))
        {
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if rename.is_some() {
                        return Err(meta.error("duplicate `rename`: give a field one name"));
                    }
                    validate_name(&lit)?;
                    rename = Some(lit);
                    Ok(())
                } else if meta.path.is_ident("crate") {
                    Err(meta.error("`crate` goes on the struct, not on a field"))
                } else {
                    Err(meta.error(format!(
                        "unknown field attribute `{}`; expected `rename = \"name\"`",
                        meta.path.to_token_stream()
                    )))
                }
            });
            if let Err(err) = parsed {
                errors.push(err);
            }
        }
        let name = rename.map_or_else(|| member.unraw().to_string(), |lit| lit.value());
        Some(Field {
            member,
            ty: &field.ty,
            name,
        })
    }
}

/// What `#[parameters(...)]` on the struct says.
struct StructAttrs {
    /// `crate = "path"`; `None` when absent or wrong.
    krate: Option<Path>,
    /// `init`.
    init: bool,
}

/// `#[parameters(crate = "path", init)]` on the struct.
fn parse_struct_attrs(input: &DeriveInput, errors: &mut Errors) -> StructAttrs {
    let mut krate: Option<Path> = None;
    let mut init = false;
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("parameters"))
    {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: LitStr = meta.value()?.parse()?;
                if krate.is_some() {
                    return Err(meta.error("duplicate `crate`"));
                }
                krate = Some(lit.parse().map_err(|_| {
                    syn::Error::new_spanned(
                        &lit,
                        "expected a path to the runtime crate, like `crate = \"::backprop\"`",
                    )
                })?);
                Ok(())
            } else if meta.path.is_ident("init") {
                if init {
                    return Err(meta.error("duplicate `init`"));
                }
                init = true;
                Ok(())
            } else if meta.path.is_ident("rename") {
                Err(meta.error("`rename` goes on a field, not on the struct"))
            } else {
                Err(meta.error(format!(
                    "unknown struct attribute `{}`; expected `crate = \"path\"` or `init`",
                    meta.path.to_token_stream()
                )))
            }
        });
        if let Err(err) = parsed {
            errors.push(err);
        }
    }
    StructAttrs { krate, init }
}

/// A name segment must be non-empty and dot-free, or the dotted names would be ambiguous.
fn validate_name(lit: &LitStr) -> syn::Result<()> {
    let name = lit.value();
    if name.is_empty() {
        Err(syn::Error::new_spanned(
            lit,
            "a tensor name cannot be empty",
        ))
    } else if name.contains('.') {
        Err(syn::Error::new_spanned(
            lit,
            "a tensor name cannot contain `.`: dots separate the levels of nested structs",
        ))
    } else {
        Ok(())
    }
}

/// Two fields of one name would give two tensors one key in a parameter file.
fn check_unique_names(fields: &[Field], errors: &mut Errors) {
    for (i, field) in fields.iter().enumerate() {
        if fields[..i].iter().any(|earlier| earlier.name == field.name) {
            errors.push(syn::Error::new_spanned(
                field.member,
                format!(
                    "duplicate tensor name `{}`: rename one of the fields",
                    field.name
                ),
            ));
        }
    }
}

/// `impl Zero`, `impl Parameters`, `unsafe impl Zeroable` and, if asked, `impl Init` for a
/// parsed struct.
fn emit(model: &Model) -> TokenStream {
    let Model {
        ident,
        krate,
        fields,
        ..
    } = model;
    let zero = quote!(#krate::__private::Zero);
    // A struct of `f64` tensors is `Parameters<f64>`: the impl is generic over the float type
    // and holds for the one its fields have (a struct without fields is one of `f32`).
    let (params, float) = if fields.is_empty() {
        (quote!(#krate::__private::Parameters), quote!(f32))
    } else {
        (quote!(#krate::__private::Parameters<__BpF>), quote!(__BpF))
    };
    let mut float_generics = model.generics.clone();
    if !fields.is_empty() {
        float_generics
            .params
            .push(syn::parse_quote!(__BpF: #krate::__private::Real));
    }
    let (params_generics, _, _) = float_generics.split_for_impl();
    let (impl_generics, ty_generics, _) = model.generics.split_for_impl();
    let zeroable = quote!(#krate::__private::Zeroable);
    let init = quote!(#krate::__private::Init);
    let zero_where = where_clause(model, &zero, false);
    let params_where = where_clause(model, &params, !fields.is_empty());
    // Every field, concrete or generic: the impl is sound only if each one is zeroable.
    let zeroable_where = where_clause(model, &zeroable, true);

    let members: Vec<_> = fields.iter().map(|f| f.member).collect();
    // Spanned at the field's type, so a field that is no tensor is reported where it is written.
    let as_trait = |tr: &TokenStream| -> Vec<TokenStream> {
        fields
            .iter()
            .map(|f| {
                let ty = f.ty;
                quote_spanned!(ty.span()=> <#ty as #tr>)
            })
            .collect()
    };
    let zero_of = as_trait(&zero);
    let of = as_trait(&params);
    // Tensor (or buffer) `k` lives in the first field whose count exceeds what is left of
    // `k`; `arm(i)` is what field `i` does with the rest of `k`.
    let dispatch = |(count, out_of_range): (TokenStream, &str),
                    arm: &dyn Fn(usize) -> TokenStream|
     -> TokenStream {
        if fields.is_empty() {
            return quote! {
                let _ = __bp_k;
                ::core::panic!(#out_of_range)
            };
        }
        let arms = of.iter().enumerate().map(|(i, of)| {
            let arm = arm(i);
            quote! {
                if __bp_k < #of::#count {
                    #arm
                }
                __bp_k -= #of::#count;
            }
        });
        quote! {
            let mut __bp_k = __bp_k;
            #(#arms)*
            ::core::panic!(#out_of_range)
        }
    };
    let tensors = || (quote!(TENSORS), "tensor index out of range");
    let buffers = || (quote!(BUFFERS), "buffer index out of range");
    let tensor = dispatch(tensors(), &|i| {
        let (of, member) = (&of[i], members[i]);
        quote!(return #of::tensor(&self.#member, __bp_k);)
    });
    let tensor_mut = dispatch(tensors(), &|i| {
        let (of, member) = (&of[i], members[i]);
        quote!(return #of::tensor_mut(&mut self.#member, __bp_k);)
    });
    let shape = dispatch(tensors(), &|i| {
        let of = &of[i];
        quote!(return #of::shape(__bp_k);)
    });
    // A nested struct's names follow a dot; a bare tensor's is the field name itself.
    let (of_ref, fields_ref) = (&of, &fields);
    let name_arm = |write: TokenStream| {
        move |i: usize| {
            let (of, name) = (&of_ref[i], &fields_ref[i].name);
            quote! {
                __bp_out.write_str(#name)?;
                if !#of::IS_TENSOR {
                    __bp_out.write_str(".")?;
                }
                return #of::#write(__bp_k, __bp_out);
            }
        }
    };
    let write_name = dispatch(tensors(), &name_arm(quote!(write_name)));
    let write_buffer_name = dispatch(buffers(), &name_arm(quote!(write_buffer_name)));
    let buffer_shape = dispatch(buffers(), &|i| {
        let of = &of[i];
        quote!(return #of::buffer_shape(__bp_k);)
    });
    let buffer_dtype = dispatch(buffers(), &|i| {
        let of = &of[i];
        quote!(return #of::buffer_dtype(__bp_k);)
    });
    let read_buffer = dispatch(buffers(), &|i| {
        let (of, member) = (&of[i], members[i]);
        quote!(return #of::read_buffer(&self.#member, __bp_k, __bp_out);)
    });
    let write_buffer = dispatch(buffers(), &|i| {
        let (of, member) = (&of[i], members[i]);
        quote!(return #of::write_buffer(&mut self.#member, __bp_k, __bp_bytes);)
    });

    let init_impl = if model.init {
        let init_where = where_clause(model, &init, true);
        let init_of = as_trait(&init);
        quote! {
            #[automatically_derived]
            #[allow(clippy::trait_duplication_in_bounds, clippy::type_repetition_in_bounds)]
            impl #impl_generics #init for #ident #ty_generics #init_where {
                fn init<__BpR: #krate::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    __bp_rng: &mut __BpR,
                ) {
                    #(#init_of::init(&mut self.#members, __bp_rng);)*
                }
            }
        }
    } else {
        TokenStream::new()
    };

    quote! {
        #[automatically_derived]
        // The field bounds added to the where-clause may repeat the user's own.
        #[allow(clippy::trait_duplication_in_bounds, clippy::type_repetition_in_bounds)]
        impl #impl_generics #zero for #ident #ty_generics #zero_where {
            #[inline]
            fn zero() -> Self {
                Self { #(#members: #zero_of::zero(),)* }
            }
            #[inline]
            fn set_zero(&mut self) {
                #(#zero_of::set_zero(&mut self.#members);)*
            }
        }

        #[automatically_derived]
        #[allow(clippy::trait_duplication_in_bounds, clippy::type_repetition_in_bounds)]
        impl #params_generics #params for #ident #ty_generics #params_where {
            const TENSORS: usize = 0 #(+ #of::TENSORS)*;

            fn tensor(&self, __bp_k: usize) -> &[#float] {
                #tensor
            }
            fn tensor_mut(&mut self, __bp_k: usize) -> &mut [#float] {
                #tensor_mut
            }
            fn shape(__bp_k: usize) -> #krate::__private::Shape {
                #shape
            }
            fn write_name(
                __bp_k: usize,
                __bp_out: &mut dyn ::core::fmt::Write,
            ) -> ::core::fmt::Result {
                #write_name
            }

            const BUFFERS: usize = 0 #(+ #of::BUFFERS)*;

            fn buffer_shape(__bp_k: usize) -> #krate::__private::Shape {
                #buffer_shape
            }
            fn buffer_dtype(__bp_k: usize) -> #krate::__private::BufferDtype {
                #buffer_dtype
            }
            fn write_buffer_name(
                __bp_k: usize,
                __bp_out: &mut dyn ::core::fmt::Write,
            ) -> ::core::fmt::Result {
                #write_buffer_name
            }
            fn read_buffer(&self, __bp_k: usize, __bp_out: &mut [u8]) {
                #read_buffer
            }
            fn write_buffer(&mut self, __bp_k: usize, __bp_bytes: &[u8]) {
                #write_buffer
            }
            fn set_mode(&mut self, __bp_mode: #krate::__private::Mode) {
                #(#of::set_mode(&mut self.#members, __bp_mode);)*
            }
        }

        // SAFETY: a struct of `Zeroable` fields (the where-clause requires each) with no
        // other data: all-zero bytes are every field's zero, which is what `zero` builds.
        #[automatically_derived]
        #[allow(clippy::trait_duplication_in_bounds, clippy::type_repetition_in_bounds)]
        unsafe impl #impl_generics #zeroable for #ident #ty_generics #zeroable_where {}

        #init_impl
    }
}

/// The struct's where-clause plus `FieldType: Bound` for each field type that mentions a
/// generic parameter, or for every field with `all_fields` (for the impls whose bodies do not
/// use the bound, so only the where-clause checks it; a concrete field type that fails it is
/// then a compile error at the field).
fn where_clause(model: &Model, bound: &TokenStream, all_fields: bool) -> TokenStream {
    let generics = model.generics;
    let params: Vec<Ident> = generics
        .type_params()
        .map(|p| p.ident.clone())
        .chain(generics.const_params().map(|p| p.ident.clone()))
        .collect();
    let mut predicates: Vec<WherePredicate> = generics
        .where_clause
        .iter()
        .flat_map(|w| w.predicates.iter().cloned())
        .collect();
    for field in &model.fields {
        if all_fields || mentions(field.ty.to_token_stream(), &params) {
            let ty = field.ty;
            predicates.push(syn::parse_quote_spanned!(ty.span()=> #ty: #bound));
        }
    }
    if predicates.is_empty() {
        TokenStream::new()
    } else {
        quote!(where #(#predicates),*)
    }
}

fn mentions(tokens: TokenStream, params: &[Ident]) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => params.contains(&i),
        TokenTree::Group(g) => mentions(g.stream(), params),
        _ => false,
    })
}

/// Stub impls emitted next to errors; their bodies are never run because the crate does not
/// compile.
fn emit_stub(model: &Model) -> TokenStream {
    let Model { ident, krate, .. } = model;
    let (impl_generics, ty_generics, where_clause) = model.generics.split_for_impl();
    let init = if model.init {
        quote! {
            impl #impl_generics #krate::__private::Init for #ident #ty_generics #where_clause {
                fn init<__BpR: #krate::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    _: &mut __BpR,
                ) {
                }
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        #init
        // SAFETY: never run, nor sound to: emitted only next to a compile error.
        unsafe impl #impl_generics #krate::__private::Zeroable for #ident #ty_generics #where_clause {}
        impl #impl_generics #krate::__private::Zero for #ident #ty_generics #where_clause {
            fn zero() -> Self { ::core::unreachable!() }
            fn set_zero(&mut self) {}
        }
        impl #impl_generics #krate::__private::Parameters for #ident #ty_generics #where_clause {
            const TENSORS: usize = 0;
            fn tensor(&self, _: usize) -> &[f32] { ::core::unreachable!() }
            fn tensor_mut(&mut self, _: usize) -> &mut [f32] { ::core::unreachable!() }
            fn shape(_: usize) -> #krate::__private::Shape { ::core::unreachable!() }
            fn write_name(_: usize, _: &mut dyn ::core::fmt::Write) -> ::core::fmt::Result {
                ::core::unreachable!()
            }
        }
    }
}
