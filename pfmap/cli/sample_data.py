"""``pfmap sample mlp|perceptron --data ...`` and ``pfmap sample nngp``: the prior on the points of a data set.

A function is the string of a network's outputs on the test set E, in E's
order (the convention of ``pfmap posterior``).  ``sample mlp --data`` draws
networks with the montecarlo engine on those points (same kernels, same run
folders); ``sample nngp`` draws labellings ``z > 0``, ``z ~ N(0, K)``, from the
network's NNGP kernel on them (the learning engine).  The engines stay apart:
this module joins them.  E is chosen as in ``pfmap posterior``: ``--data
boolean`` takes the 1s of ``--test-mask``, or the inputs not in S
(``--train-mask`` / ``--train-size``); ``--target`` is optional here (the
prior ignores labels).  ``--data mnist`` takes the ``--test-size`` digits of
the split that ``--train-size`` (default 1) and ``--seed`` define.
"""

from __future__ import annotations

import numpy as np

from ..errors import PfmapError
from .options import parse_count


def test_points(args, seed: int):
    """``(points, info)``: the points of E the data flags describe, and a JSON-able description.

    Parameters
    ----------
    args : argparse.Namespace
        With the flags of :func:`pfmap.cli.data_options.add_data_options` and ``encoding``.
    seed : int
        Draws S (and MNIST's E) where they are not given.

    Returns
    -------
    tuple
        ``(numpy.ndarray of shape (k, n), dict)``.

    Raises
    ------
    PfmapError
        For an unknown data set, masks of the wrong length or characters, or no way to know E.

    Examples
    --------
    >>> import argparse
    >>> a = argparse.Namespace(data="boolean", target=None, train_mask=None, test_mask="0101", train_size=None,
    ...                        test_size=None, idx=None, labels="even", encoding="01", n=None)
    >>> test_points(a, 0)[0].tolist()
    [[0.0, 1.0], [1.0, 1.0]]
    """
    kind = (args.data or "").strip().lower()
    if kind == "boolean":
        return _boolean_points(args, seed)
    if kind == "mnist":
        from .data_options import dataset_from_args

        if args.train_size is None:
            args.train_size = "1"
        data = dataset_from_args(args, seed=seed)
        return np.asarray(data.test_points, dtype=float), {"data": data.to_dict(), "points": "E"}
    raise PfmapError(f"--data must be one of boolean, mnist; got {args.data!r}")


def _boolean_points(args, seed: int):
    from ..inputs import boolean_inputs

    if args.idx is not None or args.test_size is not None:
        raise PfmapError("--idx and --test-size belong to --data mnist; for boolean data E is --test-mask, or the "
                         "inputs not in S")
    given = [t for t in (args.target, args.train_mask, args.test_mask) if t is not None]
    if not given and args.train_size is not None and getattr(args, "n", None) is not None:
        from .options import parse_n

        given = ["0" * (1 << parse_n(args.n))]
    if not given:
        raise PfmapError("--data boolean needs --test-mask M (1 marks an input of E), or --train-mask, or "
                         "--train-size with --target or --n (E: the inputs not in S)")
    size = len(str(given[0]).strip())
    n = (size - 1).bit_length()
    if size < 2 or (1 << n) != size:
        raise PfmapError(f"--target and the masks must have 2^n characters (2, 4, 8, ...); got {size}")
    if getattr(args, "n", None) is not None and str(args.n).strip() != str(n):
        raise PfmapError(f"--n {args.n} does not match the masks, which have 2^{n} = {size} characters")
    encoding = getattr(args, "encoding", None) or "01"
    if args.train_mask is None and args.train_size is None:
        from ..datasets import _bits

        mask = _bits(args.test_mask, size, "--test-mask").astype(bool)
        if not mask.any():
            raise PfmapError("--test-mask marks no input; E needs at least one '1'")
        points = np.asarray(boolean_inputs(n, encoding), dtype=float)[mask]
        return points, {"data": {"name": f"boolean n={n}", "test": np.flatnonzero(mask).tolist(),
                                 "encoding": encoding}, "points": "E"}
    from ..datasets import boolean_dataset

    target = str(args.target).strip() if args.target is not None else "0" * size
    train_size = None if args.train_size is None else parse_count(args.train_size, "--train-size")
    data = boolean_dataset(n, target, train_mask=args.train_mask, train_size=train_size, test_mask=args.test_mask,
                           seed=seed, encoding=encoding)
    return np.asarray(data.test_points, dtype=float), {"data": data.to_dict(), "points": "E"}


def nngp_architecture(args, n: int):
    """The network of ``sample nngp``'s flags: ``--widths none`` is the perceptron (the linear kernel).

    Parameters
    ----------
    args : argparse.Namespace
    n : int
        The number of features of the points.

    Returns
    -------
    pfmap.MLP or pfmap.Perceptron

    Examples
    --------
    >>> import argparse
    >>> a = argparse.Namespace(widths="none", activation="relu", n=None, prior="gaussian", sigma_w=None,
    ...                        sigma_b=None, a_w=None, a_b=None, fan_in_scaling=False,
    ...                        no_bias=False)
    >>> nngp_architecture(a, 3).describe()[:10]
    'perceptron'
    """
    from ..architectures import MLP, Perceptron
    from .options import parse_n, parse_widths, prior_from_args

    if getattr(args, "n", None) is not None and parse_n(args.n) != n:
        raise PfmapError(f"--n {args.n} does not match the data, whose points have {n} features")
    prior = prior_from_args(args)
    widths = getattr(args, "nngp_widths", None) or args.widths
    if str(widths).strip().lower() in ("none", "0", "perceptron"):
        return Perceptron(n, prior)
    return MLP(n, parse_widths(widths), args.activation, prior)
