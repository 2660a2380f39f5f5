"""Tiny networks exactly, the Rao-Blackwell estimate, and a large sampling run kept in a folder.

Run: python examples/networks_and_large_runs.py [FOLDER]     (a few seconds on two cores)

1. A 2-2-1 step network under the unit box: xor, impossible for one
   perceptron, gets an exact rational volume; which pairs of hidden functions
   realise it, and the half-space conditions of its largest piece.
2. The same net with ReLU units: the output layer integrated exactly, the
   hidden layer sampled (randomised QMC), intervals per function.
3. That estimate against plain Monte Carlo (``crossval_mlp``).
4. A 7-40-40-1 run kept in a folder: resumable, its table written in
   batches, read back head first.
"""

import sys
import tempfile
from pathlib import Path

from pfmap.geometry.networks import network_table, step_network_measure
from pfmap.montecarlo import load_run, sample_to_folder
from pfmap import MLP, GaussianPrior, UniformPrior
from pfmap.crossval import crossval_mlp

# 1. exact step network
step = MLP(2, (2,), "step", UniformPrior())
measure = step_network_measure(step)
table = measure.table().set_index("function")
print(f"{step.describe()}: xor has volume {table.loc['0110', 'exact']} of the box "
      f"(a perceptron: 0); {len(table)} of 16 functions occur")
print(measure.combinations("0110")[["hidden", "orderings", "exact", "share"]].to_string(index=False))
print("largest piece of xor:", table.loc["0110", "conditions"], "\n")

# 2. ReLU hidden units: Rao-Blackwellised table
relu = MLP(2, (2,), "relu", GaussianPrior())
rb = network_table(relu, samples=100_000, seed=1).set_index("function")
for f in ("0000", "0001", "0110"):
    row = rb.loc[f]
    print(f"{relu.describe()}: P({f}) = {row.probability:.6f}  95% [{row.ci_low:.6f}, {row.ci_high:.6f}]")

# 3. the estimate against plain sampling
report = crossval_mlp(relu, samples=1_000_000, seed=2, rb_samples=100_000)
print("\n" + report.summary().splitlines()[-1])

# 4. a large run in a folder (rerun the script with the same folder: the finished chunks are reused)
folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "vp_run"
net = MLP(7, (40, 40), "relu", GaussianPrior(fan_in_scaling=True))
rows = sample_to_folder(net, 1_000_000, folder, seed=0)
head = load_run(folder, top=5)
print(f"\n{net.describe()}: {rows:,} distinct functions in 10^6 samples, table in {folder}")
print(head[["function", "probability", "ci_low", "ci_high"]].to_string(index=False, max_colwidth=20))
