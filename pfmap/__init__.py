"""pfmap: the parameter-function map of neural networks, exactly and by sampling.

The shared vocabulary lives here: input sets, truth tables, priors,
architectures and volume tables.  The engines are the sibling packages
``geometry`` (exact) and ``montecarlo`` (sampled); ``pfmap.cli`` and
``pfmap.crossval`` sit on top of both.

Examples
--------
>>> from pfmap import Perceptron, UniformPrior, boolean_inputs
>>> Perceptron(2, UniformPrior()).describe()
'perceptron n=2, uniform(a_w=1, a_b=1)'
"""

__version__ = "0.1.0"

from .architectures import ACTIVATIONS, MLP, Perceptron, architecture_from_dict, parse_widths
from .errors import PfmapError
from .inputs import ENCODINGS, InputSet, as_input_set, boolean_inputs, input_index, validate_encoding
from .priors import GaussianPrior, UniformPrior, as_fraction, make_prior, prior_from_dict
from .tables import read_table, sort_table, write_table
from .truthtable import (count_ones, hex_to_int, hex_to_string, int_to_hex, int_to_string, pack_bits,
                         string_to_hex, string_to_int, strings_to_words, unpack_bits, words_to_ints,
                         words_to_strings)

__all__ = [
    "ACTIVATIONS", "ENCODINGS", "MLP", "GaussianPrior", "InputSet", "Perceptron", "PfmapError", "UniformPrior",
    "architecture_from_dict", "as_fraction", "as_input_set", "boolean_inputs", "count_ones", "hex_to_int",
    "hex_to_string", "input_index", "int_to_hex", "int_to_string", "make_prior", "pack_bits", "parse_widths",
    "prior_from_dict", "read_table", "sort_table", "string_to_hex", "string_to_int", "strings_to_words",
    "unpack_bits", "validate_encoding", "words_to_ints", "words_to_strings", "write_table",
]
