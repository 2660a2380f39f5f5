"""pfmap: the parameter-function map of neural networks, exactly and by sampling.

The shared vocabulary lives here: input sets and data sets, truth tables,
priors, architectures and volume tables (the names below); the complexity
measures (:mod:`pfmap.complexity`, with the exact minimal formula sizes of
:mod:`pfmap.formula_size`), the simplicity-bias analysis (:mod:`pfmap.bias`)
and the cross-validation of two tables (:mod:`pfmap.crossval`) sit beside
them.  The engines are the sub-packages :mod:`pfmap.geometry` (exact),
:mod:`pfmap.montecarlo` (sampled) and :mod:`pfmap.learning` (trained and
conditioned); ``pfmap.cli`` is the ``pfmap`` command on top.

Examples
--------
>>> from pfmap import Perceptron, UniformPrior, boolean_inputs
>>> Perceptron(2, UniformPrior()).describe()
'perceptron n=2, uniform(a_w=1, a_b=1)'
>>> boolean_dataset(2, "0110", train_mask="1100").train_labels.tolist()   # xor on the inputs 00 and 01
[0, 1]
"""

__version__ = "0.1.0"

from .architectures import ACTIVATIONS, MLP, Perceptron, architecture_from_dict, parse_widths
from .datasets import DataSet, boolean_dataset
from .errors import PfmapError
from .inputs import ENCODINGS, InputSet, as_input_set, boolean_inputs, input_index, validate_encoding
from .mnist import mnist_dataset, read_idx
from .priors import GaussianPrior, UniformPrior, as_fraction, make_prior, prior_from_dict
from .tables import read_table, sort_table, write_table
from .truthtable import (count_ones, hex_to_int, hex_to_string, int_to_hex, int_to_string, pack_bits,
                         string_to_hex, string_to_int, strings_to_words, unpack_bits, words_to_ints,
                         words_to_strings)

__all__ = [
    "ACTIVATIONS", "ENCODINGS", "MLP", "DataSet", "GaussianPrior", "InputSet", "Perceptron", "PfmapError",
    "UniformPrior", "architecture_from_dict", "as_fraction", "as_input_set", "boolean_dataset", "boolean_inputs",
    "count_ones", "hex_to_int", "hex_to_string", "input_index", "int_to_hex", "int_to_string", "make_prior",
    "mnist_dataset", "pack_bits", "parse_widths", "prior_from_dict", "read_idx", "read_table", "sort_table", "string_to_hex", "string_to_int", "strings_to_words",
    "unpack_bits", "validate_encoding", "words_to_ints", "words_to_strings", "write_table",
]
