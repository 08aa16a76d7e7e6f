"""How the layer benchmarks' PyTorch scripts time a call (imported by scripts/layers_*_torch.py)."""

import statistics
import time


def timed(f):
    """The fastest, median and quartiles of 30 samples of f's time, each sample the mean of
    enough calls to last about 50 ms, after one call to warm up. On a shared machine the fastest
    is the sample least disturbed by other processes (scripts/criterion_summary.py reports the
    same for criterion's samples)."""
    f()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            f()
        if time.perf_counter() - start > 0.05:
            break
        calls *= 2
    samples = []
    for _ in range(30):
        start = time.perf_counter()
        for _ in range(calls):
            f()
        samples.append((time.perf_counter() - start) / calls * 1e3)
    q = statistics.quantiles(samples, n=4)
    return (
        f"fastest {min(samples):.3f} ms, median {statistics.median(samples):.3f} ms "
        f"(quartiles {q[0]:.3f}-{q[2]:.3f})"
    )
