//! Places: parameters, arrays, rows and fields that are read, written and borrowed.

use super::*;

impl Lower<'_> {
    /// The receiver of a method call, when it is a parameter struct (or a field of one).
    pub(super) fn receiver_place(&mut self, e: &Expr) -> Option<Place> {
        match e {
            Expr::Path(p) => match p.path.get_ident().and_then(|i| self.lookup(&i.to_string())) {
                Some(Binding::Place(place)) => Some(place),
                _ if p.path.is_ident("self") => self.lookup("self").and_then(|b| match b {
                    Binding::Place(place) => Some(place),
                    _ => None,
                }),
                _ => None,
            },
            Expr::Field(_) => {
                let place = self.place_of(e)?;
                matches!(place.base, Base::Param(_)).then_some(place)
            }
            Expr::Paren(p) => self.receiver_place(&p.expr),
            _ => None,
        }
    }

    pub(super) fn place_version(&mut self, place: &Place) -> u32 {
        match place.base {
            Base::Var(var) => {
                self.mention(var);
                self.b.version(var)
            }
            Base::Param(_) => 0,
        }
    }

    /// The place an index or field expression denotes.
    pub(super) fn place_of(&mut self, e: &Expr) -> Option<Place> {
        match e {
            Expr::Paren(p) => self.place_of(&p.expr),
            Expr::Path(p) => match self.path(p)? {
                Lowered::P(place, _) => Some(place),
                _ => {
                    self.err(
                        p,
                        "this is not an array, a parameter struct or a `let mut` variable",
                    );
                    None
                }
            },
            Expr::Index(ix) => {
                let mut place = self.place_of(&ix.expr)?;
                let i = self
                    .expr(&ix.index)
                    .and_then(|l| self.integer(l, ix.index.span()))?;
                place.path.push(Seg::Index(i));
                Some(place)
            }
            Expr::Field(f) => {
                let mut place = self.place_of(&f.base)?;
                let syn::Member::Named(name) = &f.member else {
                    self.err(
                        &f.member,
                        "tuple fields are not supported: use named fields",
                    );
                    return None;
                };
                if let Base::Var(_) = place.base {
                    self.err(f, "local variables have no fields");
                    return None;
                }
                place.path.push(Seg::Field(name.to_string()));
                Some(place)
            }
            other => {
                self.err(
                    other,
                    "only a local `let mut`, an array element or a field of a parameter can be used here",
                );
                None
            }
        }
    }

    /// Reads a scalar place (recording the use).
    pub(super) fn read(&mut self, place: Place, span: Span) -> ValueId {
        let version = match place.base {
            Base::Var(var) => {
                self.mention(var);
                self.b.version(var)
            }
            Base::Param(_) => 0,
        };
        self.value(Op::Read(place, version), span)
    }

    /// Whether a place is a reference parameter itself (passed on as it is, without `&`).
    pub(super) fn is_reference(&self, place: &Place) -> bool {
        place.path.is_empty()
            && matches!(place.base, Base::Param(p)
                if matches!(self.b.func.params[p].kind, ParamKind::Ref | ParamKind::RefSelf))
    }

    /// The array rank of a place's root, when the macro knows it.
    pub(super) fn place_rank(&self, place: &Place) -> Option<usize> {
        match place.base {
            Base::Var(var) => self.b.func.vars[var]
                .array
                .as_ref()
                .map_or(Some(0), |a| a.rank),
            Base::Param(p) => {
                let param = &self.b.func.params[p];
                if place.path.iter().any(|s| matches!(s, Seg::Field(_))) {
                    return None;
                }
                match param.kind {
                    ParamKind::Array | ParamKind::Ref => array_rank_of(&param.ty),
                    _ => None,
                }
            }
        }
    }
}
