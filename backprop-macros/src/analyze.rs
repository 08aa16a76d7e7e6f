//! Step 2, check and analyse: which overwritten values must be kept (and where), which branch
//! decisions must be recorded, which loops therefore need bounds known at compile time, and
//! which values are active (depend on an active input and reach the output).

use std::collections::{HashMap, HashSet};

use crate::errors::Errors;
use crate::ir::*;

pub struct Activity {
    pub values: Vec<bool>,
    pub vars: Vec<bool>,
    pub params: Vec<bool>,
    /// Values used in a block other than the one defining them: their adjoint is a `let mut`.
    pub used_in_nested_block: Vec<bool>,
}

/// The stack a loop may fill with what its iterations' reverse needs before the cost model
/// replays it instead: well inside a core's L2 cache (a buffer that spills out of it costs more
/// memory traffic than the recomputation it saves) and a sixteenth of a 2 MiB thread stack.
const STORE_BUDGET: u128 = 128 << 10;

/// Plans what the reverse sweep keeps: which loops are replayed, then the saves of overwritten
/// values, the stored expensive values and the snapshots after nested loops.
///
/// A function-level loop whose iterations only add into accumulators (a sum over data points, a
/// batch loss) is reversed either by storing, per iteration, what the iteration's reverse needs
/// (stack buffers with one entry per iteration) or by replaying each iteration in the reverse
/// sweep ([`Region::replayed`]), which costs one more forward pass over the loop and keeps one
/// iteration. `loops = store` or `loops = recompute` decides, or a `#[loops = ...]` marker on
/// the loop (which wins); by default the cost model replays a loop whose buffers would exceed
/// [`STORE_BUDGET`]: the trip count times one iteration's buffers, counting only lengths the
/// macro can see (literals; a const generic counts as 1, so a loop to `N` is stored). A loop
/// whose bound is known only at run time is always replayed: its buffers could not be sized
/// otherwise, and so it needs no bound.
pub fn plan(func: &mut Function, loops: LoopPlan, wrt: &[bool], errors: &mut Errors) {
    let candidates: Vec<RegionId> = func
        .body
        .stmts
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::For { region, body, .. } if only_accumulates(func, *region, body) => {
                Some(*region)
            }
            _ => None,
        })
        .collect();
    check_loop_markers(func, &candidates, errors);
    let plan_of = |func: &Function, r: RegionId| match &func.regions[r].plan {
        Some((plan, _)) => *plan,
        None => loops,
    };
    for &r in &candidates {
        if plan_of(func, r) != LoopPlan::Auto {
            continue;
        }
        // A loop left by `break` stops between an iteration's forward code and its reverse.
        let Some(Stmt::For {
            body, end: None, ..
        }) = find_loop(&func.body, r)
        else {
            continue;
        };
        let Some(accumulator) = single_scalar_accumulator(func, r, body) else {
            continue;
        };
        // Planned for `_grad`'s parameters with every variable active, the most it can need.
        let inputs = loop_inputs(func, r, body);
        if one_pass_fits(func, accumulator, r, &inputs, |p| wrt[p], |_| true) {
            func.regions[r].one_pass = Some(accumulator);
        }
    }
    let mut replayed: Vec<RegionId> = candidates
        .iter()
        .copied()
        .filter(|r| {
            !static_bound(func, *r)
                || plan_of(func, *r) == LoopPlan::Recompute
                || func.regions[*r].one_pass.is_some()
        })
        .collect();
    // Only a static candidate left to the cost model is weighed; without one there is no trial.
    let undecided: Vec<RegionId> = candidates
        .iter()
        .copied()
        .filter(|r| !replayed.contains(r) && plan_of(func, *r) == LoopPlan::Auto)
        .collect();
    if !undecided.is_empty() {
        // A trial plan storing every static loop not replayed, to weigh its buffers.
        let mut trial = func.clone();
        for &r in &replayed {
            trial.regions[r].replayed = true;
        }
        plan_keeps(&mut trial, &mut Errors::default());
        replayed.extend(
            undecided
                .into_iter()
                .filter(|r| !trial.regions[*r].replayed && stored_bytes(&trial, *r) > STORE_BUDGET),
        );
    }
    for r in replayed {
        func.regions[r].replayed = true;
    }
    plan_keeps(func, errors);
}

/// Reports the `#[loops = ...]` markers that choose nothing: on a loop that is not a
/// function-level loop adding only into accumulators (its reverse has one way), and
/// `store` on a loop whose trip count the stack buffers cannot be sized by.
fn check_loop_markers(func: &Function, candidates: &[RegionId], errors: &mut Errors) {
    for (r, region) in func.regions.iter().enumerate() {
        let Some((plan, marker)) = &region.plan else {
            continue;
        };
        if !candidates.contains(&r) {
            let why = if region.depth > 0 {
                "this loop is inside another loop or branch, which decides for it: remove the marker, or put it on the outermost loop"
            } else {
                "this loop overwrites a variable declared before it (or writes through a parameter), so its reverse restores the old values from a buffer, the one way there is: remove the marker"
            };
            errors.push(syn::Error::new_spanned(
                marker,
                format!("`#[loops = ...]` chooses how a loop at the top of the function whose iterations only add into accumulators (`loss += ...`) is reversed; {why}"),
            ));
        } else if *plan == LoopPlan::Store && !static_bound(func, r) {
            errors.push(syn::Error::new_spanned(
                marker,
                "`#[loops = store]` keeps one buffer entry per iteration, and this loop's trip count is known only at run time (or computed from a const generic), so no buffer can be sized by it: remove the marker (the loop is replayed), or loop to a literal, a `const` or a const generic",
            ));
        }
    }
}

fn plan_keeps(func: &mut Function, errors: &mut Errors) {
    plan_saves(func, errors);
    plan_stores(func);
    plan_snapshots(func);
    let body = std::mem::take(&mut func.body);
    prune_snapshots(func, &body, &mut Vec::new());
    prune_superseded(func, &body);
    prune_entry_saves(func, &body);
    func.body = body;
    prune_unread_saves(func);
}

/// Drops the saves of writes whose restore nothing reads. A save is read where the reverse
/// sweep restores the write (after reversing it, so that the statements before it see the
/// old value) and where it undoes the region around it (before recomputing the region). The
/// reverse sweep reads variables only where it runs forward code again: a region's
/// recomputation, and a call's arguments passed to its pullback. So a write to a variable
/// declared in the same block as the statement holding it needs its save only when one of
/// these reads the variable before the block ends: a region or call before the write in its
/// block or in a block around it, or a region around the write, recomputed after its undo,
/// at a place it does not set itself first (`xc[i] = x[i] - m[i]; .. xc[i] ..`). A
/// recomputation of the declaring block declares the variable afresh.
fn prune_unread_saves(func: &mut Function) {
    let mut body = std::mem::take(&mut func.body);
    let mut unread = Vec::new();
    prune_unread_in(func, &mut body, &mut unread);
    for k in unread {
        func.buffers[k].unread = true;
    }
    func.body = body;
}

fn prune_unread_in(func: &Function, block: &mut Block, unread: &mut Vec<usize>) {
    for at in 0..block.stmts.len() {
        match &mut block.stmts[at] {
            Stmt::Decl { var, .. } => {
                let var = *var;
                prune_writes(func, &mut block.stmts[at + 1..], var, false, unread);
            }
            Stmt::For { body, .. } => prune_unread_in(func, body, unread),
            Stmt::If { then, els, .. } => {
                prune_unread_in(func, then, unread);
                prune_unread_in(func, els, unread);
            }
            _ => {}
        }
    }
}

/// Drops the saves of the writes to `var` in `stmts` that nothing reads; `read_after` is
/// whether the reverse sweep reads `var` after reversing `stmts`, before the variable ends.
fn prune_writes(
    func: &Function,
    stmts: &mut [Stmt],
    var: VarId,
    read_after: bool,
    unread: &mut Vec<usize>,
) {
    // whether the reverse sweep reads `var` after reversing the statement at hand
    let mut read = read_after;
    let passes_var = |call: &Call| call.places().iter().any(|p| p.base == Base::Var(var));
    for stmt in stmts {
        // whether the reverse sweep reads `var` at this statement: a region's recomputation
        // or a call's pullback
        let reads_here = match stmt {
            Stmt::Assign { place, save, .. } => {
                if place.base == Base::Var(var) && !read {
                    if let Save::Buffer(k) = *save {
                        unread.push(k);
                    }
                    *save = Save::None;
                }
                false
            }
            Stmt::For { body, .. } => {
                let recomputed = recomputation_reads(func, &body.stmts, var, &mut Vec::new());
                prune_writes(func, &mut body.stmts, var, read || recomputed, unread);
                recomputed
            }
            Stmt::If { then, els, .. } => {
                let mut recomputed = false;
                for branch in [then, els] {
                    let here = recomputation_reads(func, &branch.stmts, var, &mut Vec::new());
                    prune_writes(func, &mut branch.stmts, var, read || here, unread);
                    recomputed |= here;
                }
                recomputed
            }
            Stmt::Let(v) => match &func.values[*v].op {
                Op::Call(call) => passes_var(call),
                _ => false,
            },
            Stmt::Decl {
                init: VarInit::Call(call),
                ..
            } => passes_var(call),
            _ => false,
        };
        read |= reads_here;
    }
}

/// Whether running `stmts` forward reads variable `var` (accumulations included) at a place
/// that an earlier statement of the same block, or of a block around it, did not set; `set`
/// holds the places set so far.
fn recomputation_reads(func: &Function, stmts: &[Stmt], var: VarId, set: &mut Vec<Place>) -> bool {
    let unset = |set: &[Place], place: &Place| {
        place.base == Base::Var(var) && !set.iter().any(|s| place.path.starts_with(&s.path))
    };
    for stmt in stmts {
        let reads = match stmt {
            Stmt::Let(v) => match &func.values[*v].op {
                Op::Read(place, _) => unset(set, place),
                Op::Call(call) => call.places().into_iter().any(|p| unset(set, p)),
                _ => false,
            },
            Stmt::Decl {
                init: VarInit::Call(call),
                ..
            } => call.places().into_iter().any(|p| unset(set, p)),
            Stmt::Decl { .. } | Stmt::Break { .. } => false,
            Stmt::Assign { place, op, .. } => {
                if *op != AssignOp::Set {
                    unset(set, place)
                } else {
                    if place.base == Base::Var(var) {
                        set.push(place.clone());
                    }
                    false
                }
            }
            // A loop's snapshot of `var` (`after_xc = xc` after the loop) reads all of it;
            // what a nested block sets holds in it only.
            Stmt::For { region, body, .. } => {
                let snapshot = func.regions[*region]
                    .snapshot
                    .iter()
                    .any(|(v, _)| *v == var);
                (snapshot
                    && unset(
                        set,
                        &Place {
                            base: Base::Var(var),
                            path: Vec::new(),
                        },
                    ))
                    || recomputation_reads(func, &body.stmts, var, &mut set.clone())
            }
            Stmt::If { then, els, .. } => {
                recomputation_reads(func, &then.stmts, var, &mut set.clone())
                    || recomputation_reads(func, &els.stmts, var, &mut set.clone())
            }
        };
        if reads {
            return true;
        }
    }
    false
}

/// Drops a region's entry save of a variable declared in the same block when nothing before
/// the region in the block reads it: the restore after the region's reverse would be read by
/// nobody (the reverse of the statements before it), and the variable ends with the block.
fn prune_entry_saves(func: &mut Function, block: &Block) {
    for (at, stmt) in block.stmts.iter().enumerate() {
        let region = match stmt {
            Stmt::For { region, body, .. } => {
                prune_entry_saves(func, body);
                *region
            }
            Stmt::If {
                region, then, els, ..
            } => {
                prune_entry_saves(func, then);
                prune_entry_saves(func, els);
                *region
            }
            _ => continue,
        };
        let before = &block.stmts[..at];
        let saves = std::mem::take(&mut func.regions[region].entry_saves);
        func.regions[region].entry_saves = saves
            .into_iter()
            .filter(|(var, _)| !declares(before, *var) || stmts_read(func, before, *var, true))
            .collect();
    }
}

/// Drops a loop's snapshot of a variable declared in the same block when the recomputation
/// of the block cannot read it: nothing up to the loop reads the variable, and a later loop of
/// the block snapshots it again before anything reads it (the GMM's `xc` loop kept `qx`, which
/// the triangular product's snapshot replaces). Later loops are decided first, since a loop
/// supersedes only with the snapshot it keeps.
fn prune_superseded(func: &mut Function, block: &Block) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::For { body, .. } => prune_superseded(func, body),
            Stmt::If { then, els, .. } => {
                prune_superseded(func, then);
                prune_superseded(func, els);
            }
            _ => {}
        }
    }
    // the variables are declared in the block, so inside the region: accumulations count
    let reads = |func: &Function, stmts: &[Stmt], var: VarId| stmts_read(func, stmts, var, true);
    for (at, stmt) in block.stmts.iter().enumerate().rev() {
        let Stmt::For { region: l, .. } = stmt else {
            continue;
        };
        let snapshot = func.regions[*l].snapshot.clone();
        let (mut kept, mut dropped) = (Vec::new(), Vec::new());
        for (var, k) in snapshot {
            let next = block.stmts[at + 1..].iter().position(|s| {
                matches!(s, Stmt::For { region: r, .. }
                    if func.regions[*r].snapshot.iter().any(|(v, _)| *v == var))
            });
            let superseded = next.is_some_and(|n| {
                !reads(func, &block.stmts[..=at], var)
                    && !reads(func, &block.stmts[at + 1..at + 1 + n], var)
            });
            if declares(&block.stmts, var) && superseded {
                dropped.push(k);
            } else {
                kept.push((var, k));
            }
        }
        for k in dropped {
            func.buffers[k].unread = true;
        }
        func.regions[*l].snapshot = kept;
    }
}

/// Drops the snapshot entries that no recomputation reads: a loop's snapshot is read when a
/// region around it is recomputed (the loop is then skipped), and only a region whose body
/// reads the variable can tell. Such a region's recomputation reaches the loop unless a loop
/// in between has a snapshot itself (and is skipped); outer loops are pruned first, so that
/// their pruned snapshots are taken into account.
fn prune_snapshots<'b>(
    func: &mut Function,
    block: &'b Block,
    around: &mut Vec<(RegionId, &'b Block)>,
) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::For { region, body, .. } => {
                if !func.regions[*region].snapshot.is_empty() {
                    // The outermost region whose recomputation reaches this loop.
                    let mut reach: Option<(RegionId, &Block)> = None;
                    for &(r, b) in around.iter().rev() {
                        if func.regions[r].replayed {
                            break;
                        }
                        reach = Some((r, b));
                        if !func.regions[r].snapshot.is_empty() {
                            break;
                        }
                    }
                    let snapshot = std::mem::take(&mut func.regions[*region].snapshot);
                    let (kept, unread): (Vec<_>, Vec<_>) = snapshot
                        .into_iter()
                        .partition(|(v, _)| reach.is_some_and(|(r, b)| reads_var(func, b, *v, r)));
                    for (_, k) in unread {
                        func.buffers[k].unread = true;
                    }
                    func.regions[*region].snapshot = kept;
                }
                around.push((*region, body));
                prune_snapshots(func, body, around);
                around.pop();
            }
            Stmt::If {
                region, then, els, ..
            } => {
                around.push((*region, then));
                prune_snapshots(func, then, around);
                around.pop();
                around.push((*region, els));
                prune_snapshots(func, els, around);
                around.pop();
            }
            _ => {}
        }
    }
}

/// Whether `block`, recomputed as part of `region`, reads variable `var` (an accumulation into
/// it counts as a read when it is declared inside `region`; else the recomputation skips it).
fn reads_var(func: &Function, block: &Block, var: VarId, region: RegionId) -> bool {
    let inside = func.vars[var].depth > func.regions[region].depth;
    stmts_read(func, &block.stmts, var, inside)
}

/// Whether one of `stmts` (not nested blocks) declares variable `var`.
fn declares(stmts: &[Stmt], var: VarId) -> bool {
    stmts
        .iter()
        .any(|s| matches!(s, Stmt::Decl { var: v, .. } if *v == var))
}

/// Whether `stmts` read variable `var`, an accumulation into it counting if `accumulations`.
fn stmts_read(func: &Function, stmts: &[Stmt], var: VarId, accumulations: bool) -> bool {
    let is_var = |p: &Place| p.base == Base::Var(var);
    stmts.iter().any(|stmt| match stmt {
        Stmt::Let(v) => match &func.values[*v].op {
            Op::Read(place, _) => is_var(place),
            Op::Call(call) => call.places().into_iter().any(is_var),
            _ => false,
        },
        Stmt::Decl {
            init: VarInit::Call(call),
            ..
        } => call.places().into_iter().any(is_var),
        Stmt::Decl { .. } | Stmt::Break { .. } => false,
        Stmt::Assign {
            place, op, save, ..
        } => *op != AssignOp::Set && (accumulations || *save != Save::None) && is_var(place),
        Stmt::For { body, .. } => stmts_read(func, &body.stmts, var, accumulations),
        Stmt::If { then, els, .. } => {
            stmts_read(func, &then.stmts, var, accumulations)
                || stmts_read(func, &els.stmts, var, accumulations)
        }
    })
}

/// The bytes of the buffers indexed by loop `r`, counting only the lengths the macro can see.
fn stored_bytes(func: &Function, r: RegionId) -> u128 {
    func.buffers
        .iter()
        .filter(|b| b.loops.contains(&r))
        .map(|b| {
            let element = match (&b.elem_ty, b.is_bool) {
                (_, true) => 1,
                (None, false) => func.float.bytes(),
                (Some(ty), false) => func.float.bytes() * literal_product(ty.clone()),
            };
            b.loops
                .iter()
                .map(|l| literal_len(func, *l).unwrap_or(1))
                .fold(element, u128::saturating_mul)
        })
        .fold(0, u128::saturating_add)
}

/// A loop's buffer length when it is a literal (or `max_iters`).
fn literal_len(func: &Function, r: RegionId) -> Option<u128> {
    if let Some(m) = capacity(func, r) {
        return Some(m);
    }
    match func.regions[r].loop_info.as_ref()? {
        (_, IntExpr::Lit(n), inclusive, _) => Some(n + u128::from(*inclusive)),
        _ => None,
    }
}

/// The product of the integer literals in a type (`[[f32; 3]; 4]`: 12).
fn literal_product(ty: proc_macro2::TokenStream) -> u128 {
    ty.into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Group(g) => literal_product(g.stream()),
            proc_macro2::TokenTree::Literal(l) => l.to_string().parse().unwrap_or(1),
            _ => 1,
        })
        .fold(1, u128::saturating_mul)
}

/// Whether every write of `block` to a variable declared outside `region` is an accumulation
/// into a variable the region does not otherwise read: then its iterations are independent.
fn only_accumulates(func: &Function, region: RegionId, block: &Block) -> bool {
    let r = &func.regions[region];
    block.stmts.iter().all(|stmt| match stmt {
        Stmt::Assign { place, .. } => match place.base {
            Base::Var(v) => func.vars[v].depth > r.depth || !r.non_accumulating.contains(&v),
            Base::Param(_) => false,
        },
        Stmt::For { body, .. } => only_accumulates(func, region, body),
        Stmt::If { then, els, .. } => {
            only_accumulates(func, region, then) && only_accumulates(func, region, els)
        }
        Stmt::Let(_) | Stmt::Decl { .. } | Stmt::Break { .. } => true,
    })
}

/// The one variable a function-level accumulate-only loop adds into, if it is a scalar: then each
/// iteration's reverse is linear in that variable's adjoint, and the loop can be reversed in one
/// pass ([`Region::one_pass`]).
fn single_scalar_accumulator(func: &Function, region: RegionId, body: &Block) -> Option<VarId> {
    let mut written = Vec::new();
    if !outer_writes(func, body, func.regions[region].depth, &mut written) {
        return None;
    }
    match written.as_slice() {
        // `replayed` false: only `+=` and `-=`, no save.
        &[(var, false)] if func.vars[var].array.is_none() => Some(var),
        _ => None,
    }
}

/// The statement of function-level loop `region`.
fn find_loop(block: &Block, region: RegionId) -> Option<&Stmt> {
    block
        .stmts
        .iter()
        .find(|s| matches!(s, Stmt::For { region: r, .. } if *r == region))
}

/// The loops a buffer inside `loops` is indexed by: those inside the innermost replayed loop,
/// whose iterations are recomputed one at a time, so that the buffer holds one of them.
pub fn buffer_loops(func: &Function, loops: &[RegionId]) -> Vec<RegionId> {
    let start = loops
        .iter()
        .rposition(|r| func.regions[*r].replayed)
        .map_or(0, |i| i + 1);
    loops[start..].to_vec()
}

/// Decides how each overwritten value is kept and which branch decisions are recorded.
fn plan_saves(func: &mut Function, errors: &mut Errors) {
    let mut body = std::mem::take(&mut func.body);
    let mut planner = SavePlanner {
        reported: HashSet::new(),
        errors,
        locals: 0,
        loops: Vec::new(),
        fresh: HashMap::new(),
    };
    planner.plan_block(func, &mut body);
    func.body = body;
}

struct SavePlanner<'e> {
    /// Loops already reported as needing a static bound.
    reported: HashSet<RegionId>,
    errors: &'e mut Errors,
    /// Local saves allocated so far.
    locals: usize,
    /// The loops enclosing the statement being planned, outermost first.
    loops: Vec<RegionId>,
    /// Local arrays declared as `[c; N]` with a constant `c` and not written since, with `c`
    /// and the number of loops around their declaration.
    fresh: HashMap<VarId, (ValueId, usize)>,
}

impl SavePlanner<'_> {
    /// Returns whether the block writes to a stack buffer.
    fn plan_block(&mut self, func: &mut Function, block: &mut Block) -> bool {
        let mut buffered = false;
        for stmt in &mut block.stmts {
            match stmt {
                Stmt::Assign {
                    place,
                    op,
                    save,
                    regions,
                    span,
                    ..
                } => {
                    let Base::Var(var) = place.base else { continue };
                    let v = &func.vars[var];
                    let between = &regions[v.depth.min(regions.len())..];
                    let fresh = self.fresh.remove(&var);
                    *save = if v.if_result {
                        Save::None
                    } else if between.is_empty() {
                        self.locals += 1;
                        Save::Local(self.locals - 1)
                    } else if let Some(c) = fresh
                        .filter(|_| *op == AssignOp::Set)
                        .and_then(|f| self.first_write(func, place, f))
                    {
                        Save::Known(c)
                    } else if *op != AssignOp::Set
                        && !func.regions[between[0]].non_accumulating.contains(&var)
                    {
                        let region = &mut func.regions[between[0]];
                        if !region.entry_saves.iter().any(|(v, _)| *v == var) {
                            region.entry_saves.push((var, self.locals));
                            self.locals += 1;
                        }
                        Save::None
                    } else {
                        let loops: Vec<RegionId> = regions
                            .iter()
                            .copied()
                            .filter(|r| func.regions[*r].loop_info.is_some())
                            .collect();
                        let loops = buffer_loops(func, &loops);
                        let name = v.name.clone();
                        check_static_bounds(
                            func,
                            &loops,
                            &name,
                            *span,
                            &mut self.reported,
                            self.errors,
                        );
                        func.buffers.push(Buffer {
                            is_bool: false,
                            elem_ty: None,
                            loops,
                            label: format!("saved_{name}"),
                            unread: false,
                        });
                        buffered = true;
                        Save::Buffer(func.buffers.len() - 1)
                    };
                }
                Stmt::For { region, body, .. } => {
                    self.loops.push(*region);
                    buffered |= self.plan_block(func, body);
                    self.loops.pop();
                }
                Stmt::If {
                    region,
                    then,
                    els,
                    record,
                    ..
                } => {
                    let inner = self.plan_block(func, then) | self.plan_block(func, els);
                    let depth = func.regions[*region].depth;
                    if inner && depth > 0 {
                        // One decision per iteration of every enclosing loop.
                        func.buffers.push(Buffer {
                            is_bool: true,
                            elem_ty: None,
                            loops: buffer_loops(func, &self.loops),
                            label: "took_branch".into(),
                            unread: false,
                        });
                        *record = Some(func.buffers.len() - 1);
                    }
                    buffered |= inner;
                }
                Stmt::Decl {
                    var,
                    init: VarInit::Repeat(c, _),
                } if func.const_value(*c).is_some() => {
                    self.fresh.insert(*var, (*c, self.loops.len()));
                }
                Stmt::Let(_) | Stmt::Decl { .. } | Stmt::Break { .. } => {}
            }
        }
        buffered
    }

    /// For the first write to a fresh array since its declaration: its constant, if the write
    /// is indexed by exactly the loops entered since, in order, so that every element is
    /// written once and its old value is the constant.
    fn first_write(
        &self,
        func: &Function,
        place: &Place,
        fresh: (ValueId, usize),
    ) -> Option<ValueId> {
        let (c, declared_in) = fresh;
        let loops = &self.loops[declared_in.min(self.loops.len())..];
        let indexed_by_them = !loops.is_empty()
            && place.path.len() == loops.len()
            && place.path.iter().zip(loops).all(|(seg, r)| {
                let var = func.regions[*r].loop_info.as_ref().map(|l| l.0);
                matches!(seg, Seg::Index(IntExpr::Var(i)) if Some(*i) == var)
            });
        indexed_by_them.then_some(c)
    }
}

/// Stores expensive values computed inside loops (transcendental functions, calls) on the
/// forward sweep, so that the reverse sweep reads them back instead of recomputing them:
/// Tapenade's store-or-recompute trade-off, decided per operation. Cheap arithmetic is still
/// recomputed. Only loops whose bounds are known at compile time can size the buffer.
fn plan_stores(func: &mut Function) {
    let body = std::mem::take(&mut func.body);
    store_block(func, &body, &mut Vec::new());
    func.body = body;
}

fn store_block(func: &mut Function, block: &Block, loops: &mut Vec<RegionId>) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::Let(v)
                if !loops.is_empty()
                    && is_expensive(&func.values[*v].op)
                    && buffer_loops(func, loops)
                        .iter()
                        .all(|r| static_loop(func, *r)) =>
            {
                let label = match &func.values[*v].name {
                    Some(name) => format!("stored_{name}"),
                    None => format!("stored_t{v}"),
                };
                func.buffers.push(Buffer {
                    is_bool: false,
                    elem_ty: None,
                    loops: buffer_loops(func, loops),
                    label,
                    unread: false,
                });
                func.stored.insert(*v, func.buffers.len() - 1);
            }
            Stmt::For { region, body, .. } => {
                loops.push(*region);
                store_block(func, body, loops);
                loops.pop();
            }
            Stmt::If { then, els, .. } => {
                store_block(func, then, loops);
                store_block(func, els, loops);
            }
            _ => {}
        }
    }
}

/// Snapshots the state after each loop nested in another region (Tapenade's checkpointing of
/// a nested loop's results): the reverse sweep of the enclosing region re-runs its forward code
/// to rebuild its local values, and a nested loop (a dot product, a matrix-vector product) is
/// most of that cost. The loop itself is still reversed iteration by iteration. The buffers
/// hold one copy of what the loop writes per iteration of the enclosing loops, whose bounds
/// must therefore be known at compile time.
fn plan_snapshots(func: &mut Function) {
    let body = std::mem::take(&mut func.body);
    snapshot_block(func, &body, &mut Vec::new());
    func.body = body;
}

fn snapshot_block(func: &mut Function, block: &Block, loops: &mut Vec<RegionId>) {
    for stmt in &block.stmts {
        match stmt {
            Stmt::For { region, body, .. } => {
                let nested = func.regions[*region].depth > 0;
                let outer = buffer_loops(func, loops);
                if nested && outer.iter().all(|r| static_loop(func, *r)) {
                    snapshot_loop(func, *region, body, &outer);
                }
                loops.push(*region);
                snapshot_block(func, body, loops);
                loops.pop();
            }
            Stmt::If { then, els, .. } => {
                snapshot_block(func, then, loops);
                snapshot_block(func, els, loops);
            }
            _ => {}
        }
    }
}

fn snapshot_loop(func: &mut Function, region: RegionId, body: &Block, loops: &[RegionId]) {
    let depth = func.regions[region].depth;
    let mut written = Vec::new();
    if !outer_writes(func, body, depth, &mut written) {
        return;
    }
    let mut snapshot = Vec::new();
    for (var, replayed) in written {
        let v = &func.vars[var];
        // A function-level variable the loop only accumulates into is never replayed by a
        // recomputation (it skips such accumulations): keeping copies of it would only cost
        // stack, possibly a lot (a gradient-sized accumulator, per iteration).
        if v.depth == 0 && !replayed {
            continue;
        }
        let elem_ty = match &v.array {
            None => None,
            Some(ArrayInfo { ty: Some(ty), .. }) => Some(ty.clone()),
            // An array whose type the macro does not know (a call's result) cannot be kept.
            Some(_) => return,
        };
        if v.if_result {
            return;
        }
        let label = format!("after_{}", v.name);
        snapshot.push((var, elem_ty, label));
    }
    for (var, elem_ty, label) in snapshot {
        func.buffers.push(Buffer {
            is_bool: false,
            elem_ty,
            loops: loops.to_vec(),
            label,
            unread: false,
        });
        let k = func.buffers.len() - 1;
        func.regions[region].snapshot.push((var, k));
    }
}

/// Collects the variables declared outside a region (at depth `depth` or less) that `block`
/// writes, each with whether a recomputation replays a write to it (anything but an
/// accumulation kept without saves); false if it writes anything that is not a local variable.
fn outer_writes(
    func: &Function,
    block: &Block,
    depth: usize,
    out: &mut Vec<(VarId, bool)>,
) -> bool {
    for stmt in &block.stmts {
        let fine = match stmt {
            Stmt::Assign {
                place, op, save, ..
            } => match place.base {
                Base::Var(var) => {
                    if func.vars[var].depth <= depth {
                        let replayed = *op == AssignOp::Set || *save != Save::None;
                        match out.iter_mut().find(|(v, _)| *v == var) {
                            Some((_, r)) => *r |= replayed,
                            None => out.push((var, replayed)),
                        }
                    }
                    true
                }
                _ => false,
            },
            Stmt::For { body, .. } => outer_writes(func, body, depth, out),
            Stmt::If { then, els, .. } => {
                outer_writes(func, then, depth, out) && outer_writes(func, els, depth, out)
            }
            Stmt::Let(_) | Stmt::Decl { .. } | Stmt::Break { .. } => true,
        };
        if !fine {
            return false;
        }
    }
    true
}

fn is_expensive(op: &Op) -> bool {
    use MathFn as M;
    match op {
        Op::Call(_) => true,
        Op::Math(f, _) => !matches!(
            f,
            M::Sqrt
                | M::Abs
                | M::Max
                | M::Min
                | M::Clamp
                | M::Recip
                | M::MulAdd
                | M::Floor
                | M::Ceil
                | M::Round
                | M::Signum
        ),
        _ => false,
    }
}

/// Whether a stack buffer can have one entry per iteration of region `r` (true for a branch):
/// its bound is known at compile time, or `max_iters` sizes it.
pub fn static_loop(func: &Function, r: RegionId) -> bool {
    static_bound(func, r) || capacity(func, r).is_some()
}

/// For a loop whose bound is known only at run time, in a function with `max_iters = M`: `M`,
/// the length of its buffers. The forward sweep checks the loop's bound against it first.
pub fn capacity(func: &Function, r: RegionId) -> Option<u128> {
    let (_, hi, ..) = func.regions[r].loop_info.as_ref()?;
    func.max_iters.filter(|_| !is_static(func, hi))
}

/// Whether region `r` is a branch or a loop whose bound can size an array.
fn static_bound(func: &Function, r: RegionId) -> bool {
    match &func.regions[r].loop_info {
        Some((_, hi, inclusive, _)) => {
            is_static(func, hi) && !computed_from_generic(hi, *inclusive)
        }
        None => true,
    }
}

/// A length computed from a const generic (`N + 1`, `N - 1`): Rust cannot size an array by it.
fn computed_from_generic(hi: &IntExpr, inclusive: bool) -> bool {
    mentions_const_generic(hi) && (inclusive || !matches!(hi, IntExpr::Named(_)))
}

/// Values kept on the stack need a buffer whose size is known at compile time.
fn check_static_bounds(
    func: &Function,
    loops: &[RegionId],
    var: &str,
    _span: proc_macro2::Span,
    reported: &mut HashSet<RegionId>,
    errors: &mut Errors,
) {
    for &r in loops {
        let Some((_, hi, inclusive, span)) = &func.regions[r].loop_info else {
            continue;
        };
        let problem = if capacity(func, r).is_some() {
            None
        } else if !is_static(func, hi) {
            Some("its trip count must be known at compile time (a bound that is a literal, a `const` or a const generic parameter) or stated: `#[differentiable(max_iters = 1000)]` sizes the buffers of loops whose trip count is known only at run time")
        } else if *inclusive && mentions_const_generic(hi) {
            Some("an inclusive range `..=` over a const generic needs a buffer of `N + 1`, which Rust cannot size: write `0..N`")
        } else if computed_from_generic(hi, false) {
            Some("a bound computed from a const generic (`N - 1`) cannot size a buffer in stable Rust: loop to `N` and skip the extra iterations with an `if`")
        } else {
            None
        };
        if let Some(problem) = problem {
            if reported.insert(r) {
                errors.push(syn::Error::new(
                    *span,
                    format!(
                        "this loop overwrites `{var}`, whose old values the reverse sweep keeps in a stack buffer, so {problem}"
                    ),
                ));
            }
        }
    }
}

fn is_static(func: &Function, e: &IntExpr) -> bool {
    match e {
        IntExpr::Lit(_) => true,
        IntExpr::Var(_) => false,
        IntExpr::Named(n) => !func.params.iter().any(|p| &p.name == n),
        IntExpr::Bin(_, a, b) => is_static(func, a) && is_static(func, b),
        IntExpr::Cast(a, _) => is_static(func, a),
        IntExpr::Index(..) | IntExpr::Len(_) => false,
    }
}

fn mentions_const_generic(e: &IntExpr) -> bool {
    match e {
        IntExpr::Named(n) => n
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()),
        IntExpr::Bin(_, a, b) => mentions_const_generic(a) || mentions_const_generic(b),
        IntExpr::Cast(a, _) => mentions_const_generic(a),
        _ => false,
    }
}

/// The flow of values between values, variables and parameters, as edges `from -> to`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Node {
    Value(ValueId),
    Var(VarId),
    Param(ParamId),
}

fn collect_edges(
    func: &Function,
    block: &Block,
    edges: &mut Vec<(Node, Node)>,
    nested: &mut Vec<bool>,
) {
    let use_in = |v: ValueId, nested: &mut Vec<bool>| {
        if func.values[v].block != block.id {
            nested[v] = true;
        }
    };
    for stmt in &block.stmts {
        match stmt {
            Stmt::Let(v) => {
                let op = &func.values[*v].op;
                for a in op.operands() {
                    edges.push((Node::Value(a), Node::Value(*v)));
                    use_in(a, nested);
                }
                match op {
                    Op::Read(place, _) => edges.push((base_node(place.base), Node::Value(*v))),
                    Op::Param(p) => edges.push((Node::Param(*p), Node::Value(*v))),
                    Op::Call(call) => {
                        for place in call.places() {
                            edges.push((base_node(place.base), Node::Value(*v)));
                        }
                    }
                    _ => {}
                }
            }
            Stmt::Decl { var, init } => {
                let values: Vec<ValueId> = match init {
                    VarInit::Scalar(v) | VarInit::Repeat(v, _) => vec![*v],
                    VarInit::List(items) => items.iter().map(|(_, v)| *v).collect(),
                    VarInit::Uninit | VarInit::ZeroLike(_) => vec![],
                    VarInit::Call(call) => {
                        for place in call.places() {
                            edges.push((base_node(place.base), Node::Var(*var)));
                        }
                        call.args
                            .iter()
                            .filter_map(|a| match a {
                                CallArg::Scalar(v) => Some(*v),
                                _ => None,
                            })
                            .collect()
                    }
                };
                for v in values {
                    edges.push((Node::Value(v), Node::Var(*var)));
                    use_in(v, nested);
                }
            }
            Stmt::Assign { place, value, .. } => {
                edges.push((Node::Value(*value), base_node(place.base)));
                use_in(*value, nested);
            }
            Stmt::For { body, .. } => collect_edges(func, body, edges, nested),
            Stmt::Break { .. } => {}
            Stmt::If { then, els, .. } => {
                collect_edges(func, then, edges, nested);
                collect_edges(func, els, edges, nested);
            }
        }
    }
}

fn base_node(base: Base) -> Node {
    match base {
        Base::Var(v) => Node::Var(v),
        Base::Param(p) => Node::Param(p),
    }
}

/// Activity analysis, flow-insensitive (so possibly a little conservative, never wrong).
pub fn activity(func: &Function, wrt: &[bool]) -> Activity {
    let mut edges = Vec::new();
    let mut nested = vec![false; func.values.len()];
    collect_edges(func, &func.body, &mut edges, &mut nested);
    if let Some(r) = func.ret {
        if func.values[r].block != 0 {
            nested[r] = true;
        }
    }
    let mut useful: HashSet<Node> = func.ret.map(Node::Value).into_iter().collect();
    useful.extend(func.ret_var.map(Node::Var));
    let mut varied: HashSet<Node> = (0..func.params.len())
        .filter(|&p| wrt[p])
        .map(Node::Param)
        .collect();
    propagate(&mut varied, &edges, false);
    propagate(&mut useful, &edges, true);
    let active = |n: Node| varied.contains(&n) && useful.contains(&n);
    Activity {
        values: (0..func.values.len())
            .map(|v| active(Node::Value(v)))
            .collect(),
        vars: (0..func.vars.len()).map(|v| active(Node::Var(v))).collect(),
        params: (0..func.params.len())
            .map(|p| active(Node::Param(p)))
            .collect(),
        used_in_nested_block: nested,
    }
}

fn propagate(set: &mut HashSet<Node>, edges: &[(Node, Node)], backwards: bool) {
    loop {
        let before = set.len();
        for &(from, to) in edges {
            let (src, dst) = if backwards { (to, from) } else { (from, to) };
            if set.contains(&src) {
                set.insert(dst);
            }
        }
        if set.len() == before {
            return;
        }
    }
}

/// What a loop's body reads from outside it, in order of first read: variables declared outside
/// it, parameters read as places, and values defined outside it. The reverse of the body adds
/// into the adjoints of exactly these (and of the variables it writes).
#[derive(Default)]
pub struct LoopInputs {
    pub vars: Vec<VarId>,
    pub params: Vec<ParamId>,
    pub values: Vec<ValueId>,
    /// The parameters it indexes by its own variable (`x[p]`): data, read a row per iteration.
    pub rows: Vec<ParamId>,
}

pub fn loop_inputs(func: &Function, region: RegionId, body: &Block) -> LoopInputs {
    let mut inside = HashSet::new();
    block_ids(body, &mut inside);
    let mut reads = Reads {
        func,
        var: func.regions[region].loop_info.as_ref().map(|info| info.0),
        depth: func.regions[region].depth,
        inside,
        inputs: LoopInputs::default(),
    };
    reads.block(body);
    reads.inputs
}

fn block_ids(block: &Block, out: &mut HashSet<usize>) {
    out.insert(block.id);
    for stmt in &block.stmts {
        match stmt {
            Stmt::For { body, .. } => block_ids(body, out),
            Stmt::If { then, els, .. } => {
                block_ids(then, out);
                block_ids(els, out);
            }
            _ => {}
        }
    }
}

/// The walk behind [`loop_inputs`].
struct Reads<'f> {
    func: &'f Function,
    /// The loop's variable.
    var: Option<IntVarId>,
    /// The loop's depth: variables declared at it or less are outside it.
    depth: usize,
    /// The ids of the loop's blocks.
    inside: HashSet<usize>,
    inputs: LoopInputs,
}

impl Reads<'_> {
    fn place(&mut self, place: &Place) {
        let inputs = &mut self.inputs;
        match place.base {
            Base::Var(v) if self.func.vars[v].depth <= self.depth && !inputs.vars.contains(&v) => {
                inputs.vars.push(v)
            }
            Base::Param(p) if !inputs.params.contains(&p) => inputs.params.push(p),
            _ => {}
        }
        if let (Base::Param(p), Some(var)) = (place.base, self.var) {
            if indexed_by(&place.path, var) && !inputs.rows.contains(&p) {
                inputs.rows.push(p);
            }
        }
    }

    fn value(&mut self, v: ValueId) {
        if !self.inside.contains(&self.func.values[v].block) && !self.inputs.values.contains(&v) {
            self.inputs.values.push(v);
        }
    }

    fn call(&mut self, call: &Call) {
        for p in call.places() {
            self.place(p);
        }
        for arg in &call.args {
            if let CallArg::Scalar(v) | CallArg::Bool(v) = arg {
                self.value(*v);
            }
        }
    }

    fn block(&mut self, block: &Block) {
        for stmt in &block.stmts {
            match stmt {
                Stmt::Let(v) => {
                    let op = &self.func.values[*v].op;
                    for u in op.operands() {
                        self.value(u);
                    }
                    match op {
                        Op::Read(p, _) => self.place(p),
                        Op::Call(c) => self.call(c),
                        _ => {}
                    }
                }
                Stmt::Decl { init, .. } => match init {
                    VarInit::Scalar(v) | VarInit::Repeat(v, _) => self.value(*v),
                    VarInit::List(items) => {
                        for (_, v) in items {
                            self.value(*v);
                        }
                    }
                    VarInit::Call(c) => self.call(c),
                    VarInit::ZeroLike(p) => self.place(p),
                    VarInit::Uninit => {}
                },
                Stmt::Assign { value, .. } => self.value(*value),
                Stmt::Break { cond, .. } => self.value(*cond),
                Stmt::For { body, .. } => self.block(body),
                Stmt::If {
                    cond, then, els, ..
                } => {
                    self.value(*cond);
                    self.block(then);
                    self.block(els);
                }
            }
        }
    }
}

/// Whether a path indexes by loop variable `var` (`x[p][i]` by `p`).
pub fn indexed_by(path: &[Seg], var: IntVarId) -> bool {
    path.iter()
        .any(|seg| matches!(seg, Seg::Index(i) if mentions_var(i, var)))
}

/// Whether an index mentions loop variable `var`.
pub fn mentions_var(e: &IntExpr, var: IntVarId) -> bool {
    match e {
        IntExpr::Var(v) => *v == var,
        IntExpr::Bin(_, a, b) => mentions_var(a, var) || mentions_var(b, var),
        IntExpr::Cast(a, _) => mentions_var(a, var),
        IntExpr::Index(_, idx) => idx.iter().any(|i| mentions_var(i, var)),
        IntExpr::Lit(_) | IntExpr::Named(_) | IntExpr::Len(_) => false,
    }
}

/// The number of floats in a value of type `ty` if the macro can size it: a float or a float
/// array (a reference to one counts as the array), const generics counting as 1 as in
/// [`stored_bytes`].
fn sized_len(ty: &proc_macro2::TokenStream) -> Option<u128> {
    let ty: syn::Type = syn::parse2(ty.clone()).ok()?;
    let ty = match ty {
        syn::Type::Reference(r) => *r.elem,
        ty => ty,
    };
    match &ty {
        syn::Type::Array(_) => Some(literal_product(quote::ToTokens::to_token_stream(&ty))),
        syn::Type::Path(p) if p.path.is_ident("f32") || p.path.is_ident("f64") => Some(1),
        _ => None,
    }
}

/// Whether a one-pass loop's gradients ([`Region::one_pass`]) fit the stack: one per input of
/// the loop with an adjoint (`has_grad`, `active`), within [`STORE_BUDGET`], each of a type the
/// macro can size (not a struct or a `&Vec`); and, if the trip count is not a literal, no
/// parameter with a gradient indexed by the loop's variable (data, whose gradient would be as
/// large as the data set, which the macro cannot see).
pub fn one_pass_fits(
    func: &Function,
    accumulator: VarId,
    region: RegionId,
    inputs: &LoopInputs,
    has_grad: impl Fn(ParamId) -> bool,
    active: impl Fn(VarId) -> bool,
) -> bool {
    let params = inputs.params.iter().filter(|p| has_grad(**p));
    if literal_len(func, region).is_none() && params.clone().any(|p| inputs.rows.contains(p)) {
        return false;
    }
    let vars = inputs
        .vars
        .iter()
        .filter(|v| active(**v) && **v != accumulator)
        .map(|v| match &func.vars[*v].array {
            None => Some(1),
            Some(ArrayInfo { ty: Some(ty), .. }) => sized_len(ty),
            Some(_) => None,
        });
    let lens: Option<Vec<u128>> = params
        .map(|p| sized_len(&func.params[*p].ty))
        .chain(vars)
        .collect();
    lens.is_some_and(|l| {
        let floats = l.into_iter().fold(0, u128::saturating_add);
        floats.saturating_mul(func.float.bytes()) <= STORE_BUDGET
    })
}
