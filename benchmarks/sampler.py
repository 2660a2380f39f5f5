"""Networks per second of the sampler on the 7-40-40-1 ReLU net, with two ratios measured in the same run.

The net of Valle-Pérez et al. (2019): 7 inputs ({0,1}^7, 128 points), two
hidden ReLU layers of 40, one output; weights N(0, 1/fan_in), biases N(0, 1).

Printed, best of ``--rounds`` interleaved rounds (the machine may be shared,
so every figure of a round is measured back to back and the ratios use the
same round's numbers):

* networks/s of each backend's ``sample_tables`` (draw + forward + packing)
  and of the numba end-to-end path with counting;
* plain torch: ``torch.randn`` parameters and ``torch.bmm`` over a batch of
  networks, the obvious implementation;
* the GEMM bound: this machine's float32 GEMM rate (numpy, 2048^3, all
  threads) divided by the net's dense FLOPs per network
  (2 * 128 * (7*40 + 40*40 + 40) = 491,520).

Targets (2 cores): numba >= 10x plain torch and >= 0.7 of the GEMM bound;
on a GPU, >= 5e7 networks/s for torch on CUDA.

Run: python benchmarks/sampler.py [--networks 2e5] [--rounds 3] [--threads N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import time

import numpy as np

from pfmap import MLP, GaussianPrior
from pfmap.cli.options import parse_count

ARCH = MLP(7, (40, 40), "relu", GaussianPrior(sigma_w=1, sigma_b=1, fan_in_scaling=True))
FLOPS_PER_NETWORK = 2 * 128 * (7 * 40 + 40 * 40 + 40 * 1)


def gemm_rate(size: int = 2048, repeats: int = 3) -> float:
    """float32 FLOP/s of numpy's matmul (BLAS, all threads), best of ``repeats``."""
    a = np.random.default_rng(0).random((size, size), dtype=np.float32)
    a @ a
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - t)
    return 2 * size**3 / best


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

    one(min(batch, networks))
    _sync(torch, dev)
    t = time.perf_counter()
    done = 0
    while done < networks:
        one(min(batch, networks - done))
        done += min(batch, networks - done)
    _sync(torch, dev)
    return networks / (time.perf_counter() - t)


def _sync(torch, dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def sampler_rate(backend: str, networks: int, threads=None, device: str = "cpu", stats=None) -> float:
    from montecarlo import sample_tables

    sample_tables(ARCH, None, 2048, 1, backend, device=device, threads=threads)  # compile / warm up
    t = time.perf_counter()
    sample_tables(ARCH, None, networks, 2, backend, device=device, threads=threads, stats=stats)
    return networks / (time.perf_counter() - t)


def end_to_end_rate(networks: int, threads=None) -> float:
    from montecarlo import sample

    sample(ARCH, 4096, seed=1, workers=threads)
    t = time.perf_counter()
    sample(ARCH, networks, seed=3, workers=threads)
    return networks / (time.perf_counter() - t)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", default="2e5", help="networks per measurement (default 2e5)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best is reported")
    parser.add_argument("--threads", type=int, default=None, help="numba threads (default: all cores)")
    parser.add_argument("--skip-numpy", action="store_true", help="skip the slow float64 reference backend")
    args = parser.parse_args(argv)
    networks = parse_count(args.networks, "--networks")
    try:
        import torch
    except ImportError:
        torch = None
    cuda = torch is not None and torch.cuda.is_available()
    print(f"7-40-40-1 relu, weights N(0, 1/fan_in), biases N(0, 1); {networks:,} networks per figure; "
          f"{os.cpu_count()} CPUs{'; CUDA: ' + torch.cuda.get_device_name() if cuda else ''}")
    rounds = []
    for r in range(args.rounds):
        row = {"gemm_flops": gemm_rate()}
        stats = {}
        row["numba"] = sampler_rate("numba", networks, args.threads, stats=stats)
        row["fallback_inputs_per_network"] = stats.get("fallback_inputs", 0) / networks
        row["numba_end_to_end"] = end_to_end_rate(networks, args.threads)
        if not args.skip_numpy:
            row["numpy"] = sampler_rate("numpy", max(2048, networks // 20))
        if torch is not None:
            row["plain_torch"] = plain_torch_rate(max(8192, networks // 4))
            row["torch"] = sampler_rate("torch", max(16384, networks // 4))
            if cuda:
                row["plain_torch_cuda"] = plain_torch_rate(networks * 20, "cuda", batch=1 << 16)
                row["torch_cuda"] = sampler_rate("torch", networks * 20, device="cuda")
        row["gemm_bound"] = row["gemm_flops"] / FLOPS_PER_NETWORK
        rounds.append(row)
        print(f"round {r + 1}: " + ", ".join(f"{k} {v:,.4g}" for k, v in row.items()), flush=True)
    best = max(rounds, key=lambda row: row["numba"] / row["gemm_bound"])
    print()
    print(f"GEMM rate               {best['gemm_flops'] / 1e9:10.1f} GFLOP/s (numpy float32 2048^3)")
    print(f"GEMM bound              {best['gemm_bound']:12,.0f} networks/s ({FLOPS_PER_NETWORK:,} FLOP/network)")
    for key in ("numba", "numba_end_to_end", "numpy", "torch", "plain_torch", "torch_cuda", "plain_torch_cuda"):
        if key in best:
            print(f"{key:23s} {best[key]:12,.0f} networks/s")
    print(f"float64 fallbacks       {best['fallback_inputs_per_network']:.4f} inputs per network")
    print(f"numba / GEMM bound      {best['numba'] / best['gemm_bound']:8.2f}   (target >= 0.7)")
    if "plain_torch" in best:
        print(f"numba / plain torch     {best['numba'] / best['plain_torch']:8.1f}   (target >= 10)")
    if "torch_cuda" in best:
        print(f"torch on CUDA           {best['torch_cuda']:12,.0f} networks/s (target >= 5e7)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
