"""Summarises criterion's raw samples: the fastest, median and mean time per iteration.

Run from the repository root after `cargo bench`. The fastest sample is the one least
disturbed by other processes, which matters on a shared machine; criterion itself reports
the mean and its confidence interval.
"""

import glob
import json
import statistics

for path in sorted(glob.glob("target/criterion/*/*/new/sample.json")):
    sample = json.load(open(path))
    per_iter = [t / n for t, n in zip(sample["times"], sample["iters"])]
    group, bench = path.split("/")[2:4]
    print(
        f"{group} / {bench}: fastest {min(per_iter) / 1e6:.3f} ms, "
        f"median {statistics.median(per_iter) / 1e6:.3f} ms"
    )
