"""Ratios of `cargo bench --bench scalar_grad` results, as a Markdown table.

Reads criterion's estimates under target/criterion/<function>/<value|generated|by_hand>/new/
and prints, per function, the median times and the ratios generated / by_hand (the cost of
generating the gradient instead of writing it) and generated / value (the cost of a gradient).

    cargo bench --bench scalar_grad && python3 scripts/bench_ratios.py
"""

import json
import pathlib
import sys

FUNCTIONS = ["tutorial_loss", "expression", "recurrence", "dense_layer"]
root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def median_ns(function, variant):
    path = root / function / variant / "new" / "estimates.json"
    return json.loads(path.read_text())["median"]["point_estimate"]


print("| function | value | generated | by hand | generated / by hand | generated / value |")
print("|---|---:|---:|---:|---:|---:|")
for f in FUNCTIONS:
    v, g, h = (median_ns(f, k) for k in ("value", "generated", "by_hand"))
    print(f"| {f} | {v:.2f} ns | {g:.2f} ns | {h:.2f} ns | {g / h:.2f} | {g / v:.2f} |")
