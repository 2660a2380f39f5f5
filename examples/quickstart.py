"""A tour of pfmap in one script: exact tables, sampling, cross-validation, complexity and bias.

Run: python examples/quickstart.py      (about a minute on two cores)
"""

from pfmap.geometry.perceptron.table import perceptron_table
from pfmap.montecarlo import sample
from pfmap import MLP, GaussianPrior, Perceptron, UniformPrior
from pfmap.bias import bias_analysis
from pfmap.complexity import add_complexity_columns
from pfmap.crossval import compare_tables

# 1. Exact: every threshold function of 3 inputs, its conditions and its volume.
box = perceptron_table(3, UniformPrior(a_w=1, a_b=1))
print("box prior, n = 3:", len(box), "functions; the constants fill", box["exact"].iloc[0], "each")
print(box[["function", "exact", "n_conditions", "conditions"]].head(5).to_string(index=False))

gauss = perceptron_table(3, GaussianPrior(sigma_w=1, sigma_b=1))
print("\nGaussian prior: largest error bound", gauss["error"].max(), "; sum", gauss["probability"].sum())

# 2. Sampled: the same question by Monte Carlo, then the two engines compared.
sampled = sample(Perceptron(3, GaussianPrior()), 200_000, seed=0)
report = compare_tables(gauss, sampled, samples=200_000)
print("\n" + report.summary())

# 3. A network beyond the exact route: 5-20-20-1 ReLU, weights N(0, 1/fan_in).
net = MLP(5, (20, 20), "relu", GaussianPrior(fan_in_scaling=True))
table = sample(net, 200_000, seed=1)
print(f"\n{net.describe()}: {len(table):,} distinct functions in 200,000 samples")

# 4. Which notion of simplicity predicts volume?
table = add_complexity_columns(table)
print(bias_analysis(table, min_count=5).summary())
