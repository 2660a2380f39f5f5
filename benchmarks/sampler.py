"""Networks per second of the sampler on the 7-40-40-1 ReLU net, with two ratios measured in the same run.

The net of Valle-Pérez et al. (2019): 7 inputs ({0,1}^7, 128 points), two
hidden ReLU layers of 40, one output; weights N(0, 1/fan_in), biases N(0, 1).

Printed, for ``--rounds`` interleaved rounds on a machine that may be shared:

* the GEMM bound: this machine's float32 GEMM rate (numpy, 2048^3, all
  threads) divided by the net's dense FLOPs per network
  (2 * 128 * (7*40 + 40*40 + 40) = 491,520), and networks/s of the numba
  sampler (``sample_tables``: draw + forward + packing), timed in five
  back-to-back pairs per round (one GEMM product, then one slice of
  networks), so that both sides of each ratio see the same load; the ratio
  printed is the median over all pairs, with its range;
* plain torch: ``torch.randn`` parameters and ``torch.bmm`` over a batch of
  networks, the obvious implementation, best of five slices, against the
  best numba slice of the same round (median and best over rounds);
* per core, in process CPU time on one thread (what a core does when it is
  not shared): the numba sampler, and GEMM in a child process limited to one
  BLAS thread;
* the numba end-to-end path with counting, the numpy and torch backends.

Targets (2 cores): numba >= 10x plain torch and >= 0.7 of the GEMM bound;
on a GPU, >= 5e7 networks/s for torch on CUDA.

Run: python benchmarks/sampler.py [--networks 2e5] [--rounds 3] [--threads N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import time

import numpy as np

from pfmap import MLP, GaussianPrior
from pfmap.validation import parse_count

ARCH = MLP(7, (40, 40), "relu", GaussianPrior(sigma_w=1, sigma_b=1, fan_in_scaling=True))
FLOPS_PER_NETWORK = 2 * 128 * (7 * 40 + 40 * 40 + 40 * 1)


def _gemm_matrix(size: int = 2048):
    a = np.random.default_rng(0).random((size, size), dtype=np.float32)
    a @ a
    return a


def _in_child(code: str, **env) -> float:
    """Run ``code`` in a fresh interpreter with extra environment variables; it prints one number."""
    done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, **env), capture_output=True, text=True,
                          check=True)
    return float(done.stdout.split()[-1])


def gemm_cpu_rate_one_thread(size: int = 2048, repeats: int = 3) -> float:
    """float32 FLOP per second of process CPU time of numpy's matmul on one BLAS thread (a child process)."""
    code = ("import time, numpy as np\n"
            f"a = np.random.default_rng(0).random(({size}, {size}), dtype=np.float32); a @ a\n"
            "best = float('inf')\n"
            f"for _ in range({repeats}):\n"
            "    t = time.process_time(); a @ a; best = min(best, time.process_time() - t)\n"
            f"print(2 * {size}**3 / best)\n")
    return _in_child(code, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")


SLICES = 5  # every rate is the best of this many back-to-back timed slices, like the GEMM's best of 3
# BLAS worker threads spin for ~0.1 s after a product (OpenBLAS's thread timeout), and would be charged to
# whatever runs next; each timed product and slice starts after this pause
_SETTLE = 0.25


def _best_rate(run, networks: int, slices: int = SLICES, clock=time.perf_counter) -> float:
    """Networks per second of ``run(first, count)``: the best of ``slices`` slices of ``networks`` in all."""
    size = max(1, networks // slices)
    best = 0.0
    for s in range(slices):
        t = clock()
        run(s * size, size)
        best = max(best, size / (clock() - t))
    return best


def plain_torch_rate(networks: int, device: str = "cpu", batch: int = 8192) -> float:
    """Networks/s of the plain batched torch sampler (randn + bmm), tables left on the device."""
    import torch

    dev = torch.device(device)
    X = torch.tensor(list(itertools.product([0.0, 1.0], repeat=7)), device=dev)
    gen = torch.Generator(device=dev)
    gen.manual_seed(0)

    def one(b):
        W1 = torch.randn(b, 7, 40, generator=gen, device=dev) / 7**0.5
        b1 = torch.randn(b, 1, 40, generator=gen, device=dev)
        W2 = torch.randn(b, 40, 40, generator=gen, device=dev) / 40**0.5
        b2 = torch.randn(b, 1, 40, generator=gen, device=dev)
        W3 = torch.randn(b, 40, 1, generator=gen, device=dev) / 40**0.5
        b3 = torch.randn(b, 1, 1, generator=gen, device=dev)
        h = torch.relu(torch.bmm(X.expand(b, -1, -1), W1) + b1)
        h = torch.relu(torch.bmm(h, W2) + b2)
        return (torch.bmm(h, W3) + b3)[..., 0] > 0

    def run(first, count):
        done = 0
        while done < count:
            one(min(batch, count - done))
            done += min(batch, count - done)
        _sync(torch, dev)

    one(min(batch, networks))
    _sync(torch, dev)
    return _best_rate(run, networks)


def _sync(torch, dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def sampler_rate(backend: str, networks: int, threads=None, device: str = "cpu", stats=None) -> float:
    from pfmap.montecarlo import sample_tables

    sample_tables(ARCH, 2048, seed=1, backend=backend, device=device, threads=threads)  # compile / warm up
    return _best_rate(lambda first, count: sample_tables(ARCH, count, seed=2, backend=backend, first=first,
                                                         device=device, threads=threads, stats=stats), networks)


def paired_gemm_and_numba(networks: int, threads=None, stats=None):
    """``SLICES`` back-to-back pairs (one GEMM product, one numba slice): ``[(FLOP/s, networks/s), ...]``."""
    from pfmap.montecarlo import sample_tables

    a = _gemm_matrix()
    sample_tables(ARCH, 2048, seed=1, backend="numba", threads=threads)
    size = max(1, networks // SLICES)
    pairs = []
    for s in range(SLICES):
        time.sleep(_SETTLE)
        t = time.perf_counter()
        a @ a
        flops = 2 * a.shape[0] ** 3 / (time.perf_counter() - t)
        time.sleep(_SETTLE)
        t = time.perf_counter()
        sample_tables(ARCH, size, seed=2, backend="numba", first=s * size, threads=threads, stats=stats)
        pairs.append((flops, size / (time.perf_counter() - t)))
    return pairs


def cpu_rate(networks: int) -> float:
    """Networks per second of process CPU time of the numba sampler on one thread (a child process).

    A child process, because idle BLAS and OpenMP threads of this one may still spin and be charged.
    """
    code = ("import time\n"
            "from pfmap.architectures import architecture_from_dict\n"
            "from pfmap.montecarlo import sample_tables\n"
            f"arch = architecture_from_dict({ARCH.to_dict()!r})\n"
            "sample_tables(arch, 2048, seed=1, backend='numba')\n"
            f"size, best = {max(1, int(networks) // SLICES)}, 0.0\n"
            f"for s in range({SLICES}):\n"
            "    t = time.process_time()\n"
            "    sample_tables(arch, size, seed=2, backend='numba', first=s * size)\n"
            "    best = max(best, size / (time.process_time() - t))\n"
            "print(best)\n")
    return _in_child(code, NUMBA_NUM_THREADS="1")


def end_to_end_rate(networks: int, threads=None) -> float:
    from pfmap.montecarlo import sample

    sample(ARCH, 4096, seed=1, workers=threads)
    t = time.perf_counter()
    sample(ARCH, networks, seed=3, workers=threads)
    return networks / (time.perf_counter() - t)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", default="2e5", help="networks per measurement (default 2e5)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--threads", type=int, default=None, help="numba threads (default: all cores)")
    parser.add_argument("--skip-numpy", action="store_true", help="skip the slow float64 reference backend")
    args = parser.parse_args(argv)
    networks = parse_count(args.networks, "networks")
    try:
        import torch
    except ImportError:
        torch = None
    cuda = torch is not None and torch.cuda.is_available()
    print(f"7-40-40-1 relu, weights N(0, 1/fan_in), biases N(0, 1); {networks:,} networks per figure; "
          f"{os.cpu_count()} CPUs{'; CUDA: ' + torch.cuda.get_device_name() if cuda else ''}")
    rounds, ratios = [], []
    for r in range(args.rounds):
        stats = {}
        pairs = paired_gemm_and_numba(networks, args.threads, stats)
        ratios += [rate * FLOPS_PER_NETWORK / flops for flops, rate in pairs]
        row = {"numba": max(rate for _, rate in pairs), "gemm_flops": max(flops for flops, _ in pairs)}
        row["fallback_inputs_per_network"] = stats.get("fallback_inputs", 0) / (networks // SLICES * SLICES)
        row["numba_1thread_cpu"] = cpu_rate(max(4096, networks // 4))
        row["numba_end_to_end"] = end_to_end_rate(networks, args.threads)
        if not args.skip_numpy:
            row["numpy"] = sampler_rate("numpy", max(2048, networks // 20))
        if torch is not None:
            # whole batches of 8192 per slice: the baseline at its own best batch size
            row["plain_torch"] = plain_torch_rate(SLICES * 8192 * max(1, networks // (4 * SLICES * 8192)))
            # whole blocks of the torch backend's generator per slice, so no slice draws networks it drops
            row["torch"] = sampler_rate("torch", SLICES * 16384 * max(1, networks // (4 * SLICES * 16384)))
            if cuda:
                row["plain_torch_cuda"] = plain_torch_rate(networks * 20, "cuda", batch=1 << 16)
                row["torch_cuda"] = sampler_rate("torch", networks * 20, device="cuda")
        rounds.append(row)
        print(f"round {r + 1}: " + ", ".join(f"{k} {v:,.4g}" for k, v in row.items())
              + "; numba/GEMM-bound pairs " + " ".join(f"{x:.2f}" for x in ratios[-len(pairs):]), flush=True)
    gemm_one = gemm_cpu_rate_one_thread()
    best = {key: max(row[key] for row in rounds) for key in rounds[0]}
    print()
    print(f"GEMM rate               {best['gemm_flops'] / 1e9:10.1f} GFLOP/s (numpy float32 2048^3, best product)")
    print(f"GEMM bound              {best['gemm_flops'] / FLOPS_PER_NETWORK:12,.0f} networks/s "
          f"({FLOPS_PER_NETWORK:,} FLOP/network)")
    for key in ("numba", "numba_end_to_end", "numpy", "torch", "plain_torch", "torch_cuda", "plain_torch_cuda"):
        if key in best:
            print(f"{key:23s} {best[key]:12,.0f} networks/s")
    print(f"float64 fallbacks       {best['fallback_inputs_per_network']:.4f} inputs per network")
    print(f"numba / GEMM bound      {float(np.median(ratios)):8.2f}   (target >= 0.7; median of {len(ratios)} "
          f"back-to-back pairs, range {min(ratios):.2f}-{max(ratios):.2f})")
    if "plain_torch" in best:
        torch_ratios = [row["numba"] / row["plain_torch"] for row in rounds]
        print(f"numba / plain torch     {float(np.median(torch_ratios)):8.1f}   (target >= 10; median over rounds, "
              f"best {max(torch_ratios):.1f})")
    per_core = best["numba_1thread_cpu"]
    print(f"per core (CPU time)     numba {per_core:,.0f} networks/s, GEMM {gemm_one / 1e9:.1f} GFLOP/s "
          f"-> {per_core * FLOPS_PER_NETWORK / gemm_one:.2f} of its bound")
    if "torch_cuda" in best:
        print(f"torch on CUDA           {best['torch_cuda']:12,.0f} networks/s (target >= 5e7)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
