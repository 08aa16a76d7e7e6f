#!/usr/bin/env bash
# A long differential-test run, one range of programs at a time: compiling thousands of
# generated programs in one test crate takes more memory than a machine has (5,000 took 21 GB
# in one `rustc`), so the programs 0..COUNT of SEED are written CHUNK at a time
# (`backprop-difftest --seed SEED --first K --count CHUNK`, the same programs a whole run
# writes) and `cargo test --test difftest` runs on each range in turn. Stops at the first range
# with a mismatch and prints the command that writes it again; restores the committed corpus
# (seed 1, 600 programs) at the end either way.
#
#   scripts/difftest_long.sh SEED COUNT [CHUNK [FROM]]
#
# CHUNK defaults to 500 (about 4 GB for `rustc` in a debug build; 1,000 programs take 6 GB);
# FROM (default 0) starts at program FROM, to resume a run or rerun one range after a fix.
#
# Extra arguments for `cargo test` (e.g. `--release`) go in DIFFTEST_CARGO, for the generator
# in DIFFTEST_GEN (`--sum-trips 12`: sum loops of 8 to 12 iterations, which the macro runs in
# lanes); DIFFTEST_POINTS sets the points per program as for the test itself. Each range prints the test's summary, the
# wall time of compiling and of running it, and, where GNU time is installed, the peak memory of
# the largest process while compiling (the `rustc` of the range's test crate).
set -euo pipefail

if [[ $# -lt 2 || $# -gt 4 ]]; then
    echo "usage: $0 SEED COUNT [CHUNK [FROM]]" >&2
    exit 2
fi
seed=$1
count=$2
chunk=${3:-500}
from=${4:-0}
cd "$(dirname "$0")/.."

log=$(mktemp)
restore() {
    rm -f "$log"
    cargo run -q -p backprop-difftest >/dev/null
    echo "restored the committed corpus (seed 1, 600 programs)"
}
trap restore EXIT
time_cmd=()
if [[ -x /usr/bin/time ]]; then
    time_cmd=(/usr/bin/time -f "peak memory %M KB")
fi

fail() {
    tail -n 60 "$log"
    echo "programs $first..$((first + n)) of seed $seed FAILED; write them again with"
    echo "  cargo run -p backprop-difftest -- $range"
    exit 1
}

for ((first = from; first < count; first += chunk)); do
    n=$((count - first < chunk ? count - first : chunk))
    range="--seed $seed --first $first --count $n ${DIFFTEST_GEN:-}"
    cargo run -q -p backprop-difftest -- $range
    start=$(date +%s)
    # shellcheck disable=SC2086
    "${time_cmd[@]}" cargo test ${DIFFTEST_CARGO:-} --test difftest --no-run >"$log" 2>&1 || fail
    built=$(date +%s)
    peak=$(grep -h '^peak memory' "$log" || true)
    # shellcheck disable=SC2086
    cargo test ${DIFFTEST_CARGO:-} --test difftest -- --nocapture >"$log" 2>&1 || fail
    echo "programs $first..$((first + n)): $(grep '^difftest:' "$log" | sed 's/^difftest: //')"
    echo "    compiled in $((built - start)) s${peak:+ ($peak)}, ran in $(($(date +%s) - built)) s"
done
echo "programs $from..$count of seed $seed: no mismatch"
