"""The same seed gives the same table as before the layout change (fixture written by the code before the move).

tests/fixtures/before_layout.json was produced by pfmap 0.1.0 as it stood before the engines moved into
pfmap.geometry / pfmap.montecarlo; a sampled table is the same functions with the same counts, an exact table
the same Fractions (box) or the same floats (Gaussian).
"""

import json
import pathlib
from fractions import Fraction

import numpy as np
import pytest

from pfmap import MLP, GaussianPrior, Perceptron, UniformPrior
from pfmap.geometry import perceptron_table
from pfmap.montecarlo import sample

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "before_layout.json").read_text())
POINTS = np.array([[0.5, -1, 2], [1, 1, 1], [-0.25, 0.3, 0.7], [2, 0, -1], [0, 0, 0.1]])
CASES = {
    "perceptron3_seed0": (Perceptron(3), dict(samples=20000, seed=0)),
    "mlp3_4_4_relu_seed7": (MLP(3, (4, 4), "relu", GaussianPrior(fan_in_scaling=True)),
                            dict(samples=30000, seed=7, chunk_size=7000)),
    "mlp2_3_tanh_uniform_pm1": (MLP(2, (3,), "tanh", UniformPrior(a_w=2, a_b=1)),
                                dict(samples=20000, seed=3, inputs="pm1")),
    "mlp_points_step": (MLP(3, (5,), "step", GaussianPrior(sigma_b="1/2")),
                        dict(samples=10000, seed=11, inputs=POINTS)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sampled_table_is_unchanged(name):
    arch, kwargs = CASES[name]
    kwargs = dict(kwargs)
    df = sample(arch, kwargs.pop("samples"), **kwargs)
    assert df["function"].tolist() == FIXTURE[name]["function"]
    assert df["count"].tolist() == FIXTURE[name]["count"]


def test_exact_tables_are_unchanged():
    box = perceptron_table(3, UniformPrior())
    assert box["function"].tolist() == FIXTURE["exact_uniform3"]["function"]
    assert list(box["exact"]) == [Fraction(x) for x in FIXTURE["exact_uniform3"]["exact"]]
    gauss = perceptron_table(3, GaussianPrior(sigma_w=1, sigma_b="1/2"), encoding="pm1")
    assert gauss["function"].tolist() == FIXTURE["exact_gauss3_pm1"]["function"]
    assert gauss["probability"].tolist() == [float(x) for x in FIXTURE["exact_gauss3_pm1"]["probability"]]
