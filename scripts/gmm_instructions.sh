#!/usr/bin/env bash
# Instructions per call of ADBench's GMM objective and its gradients at n = 1,000, counted by
# cachegrind (`benches/gmm_instructions.rs`): the difference between 10 calls and none, so that
# reading the input file does not count.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cargo bench --bench gmm_instructions --no-run --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*gmm_instructions[^"]*"' | tail -1 | cut -d'"' -f4)
count() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$bin" "$@" 2>&1 \
        | sed -n 's/.*I *refs: *//p' | tr -d ,
}
for d in 2 10; do
    base=$(count objective "$d" 0)
    value=$(( ($(count objective "$d" 10) - base) / 10 ))
    printf 'd = %s\n  %-18s %12d instructions per call\n' "$d" objective "$value"
    for c in one_pass store recompute hand hand_lanes hand_lanes_forward; do
        per=$(( ($(count "$c" "$d" 10) - base) / 10 ))
        printf '  %-18s %12d  %.2f x the objective\n' "$c" "$per" "$(awk "BEGIN { print $per / $value }")"
    done
done
