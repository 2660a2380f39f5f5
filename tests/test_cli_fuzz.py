"""No traceback, ever, on bad input: every subcommand, fed generated bad arguments, answers with exit status 2 and
one line on stderr that starts with ``pfmap: error:``.

The cases are built from a valid command per subcommand (:data:`COMMANDS`) with one option replaced by a bad value
drawn from :data:`BAD` (malformed and out-of-range numbers, empty and inconsistent widths, unknown choices, nan/inf
priors), or one required option dropped, or an unknown flag added, plus bad files (:data:`BAD_TABLES`: missing,
empty, binary, wrong columns, inconsistent lengths, characters other than 0/1) and bad places to write
(:func:`bad_outputs`: run folders of another configuration, paths that are files, folders or unwritable).  To add a
subcommand, add its valid command and its options to :data:`COMMANDS`.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pfmap.cli import main

# -- bad values, by kind ------------------------------------------------------------------------------------------
NOT_A_NUMBER = ["", " ", "abc", "1.5.2", "0x10", "1,000", "2**3", "one", "1e", "e5", "--", "None", "[]", "1/2"]
BAD = {
    "positive whole": NOT_A_NUMBER + ["0", "-1", "-0", "1.5", "nan", "inf", "-inf", "1e400", "+-3"],
    "count": NOT_A_NUMBER + ["0", "-5", "1.5", "nan", "inf", "1e30", "1e19", "1e15", "2.5e-3", "-1e6"],
    "seed": NOT_A_NUMBER + ["-1", "1.5", "nan", "inf", "1e400", "99999999999999999999999"],
    "widths": ["", " ", "4 4", "4,,4", ",4", "4,", "0", "4,0", "a", "4;4", "4.5", "-4", "100000,100000",
               "4, ,4", "[4]x", "4 ,, 4"],
    "positive float": [v for v in NOT_A_NUMBER if v != "1/2"] + ["0", "-1", "nan", "inf", "-inf", "1e999", "1/0",
                                                                 "-1/2", "0/3"],
    "alpha": NOT_A_NUMBER + ["0", "1", "2", "-0.5", "nan", "inf", "1.0"],
    "scheduler": ["garbage", "foo bar", "nowhere", "/tmp"],
}
def _accepted(flag: str, value: str) -> bool:
    """Whether the library accepts ``value`` for a choice option (its aliases included): then it is no bad case."""
    from pfmap import PfmapError, make_prior, validate_encoding
    from pfmap.architectures import validate_activation
    from pfmap.montecarlo.backends import resolve_backend
    from pfmap.tables import table_format

    check = {"--prior": make_prior, "--encoding": validate_encoding, "--activation": validate_activation,
             "--backend": resolve_backend, "--device": lambda v: resolve_backend(None, v),
             "--format": lambda v: table_format(None, v)}[flag]
    try:
        check(value)
    except PfmapError:
        return False
    return True
PRIOR = {"--sigma-w": "positive float", "--sigma-b": "positive float", "--a-w": "positive float",
         "--a-b": "positive float"}


class Command:
    """A valid command line and what may be put wrong in it: ``options`` maps a flag to a kind of :data:`BAD`."""

    def __init__(self, argv, options, required=(), choices=()):
        self.argv, self.options, self.required, self.choices = list(argv), dict(options), required, choices

    def with_value(self, flag, value):
        argv = list(self.argv)
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
        if flag in ("--a-w", "--a-b") and "--prior" not in argv:
            argv += ["--prior", "uniform"]
        return argv

    def without(self, flag):
        argv = list(self.argv)
        i = argv.index(flag)
        return argv[:i] + argv[i + 2:]


SAMPLING = {"--samples": "count", "--seed": "seed", **PRIOR}
COMMANDS = {
    "table perceptron": Command(["table", "perceptron", "--n", "2"], {"--n": "positive whole", **PRIOR},
                                required=("--n",), choices=("--prior", "--encoding", "--format")),
    "table mlp": Command(["table", "mlp", "--n", "2", "--widths", "2", "--activation", "step"],
                         {"--n": "positive whole", "--widths": "widths", **PRIOR}, required=("--n", "--widths"),
                         choices=("--prior", "--encoding", "--activation", "--format")),
    "sample perceptron": Command(["sample", "perceptron", "--n", "3", "--samples", "100", "--quiet"],
                                 {"--n": "positive whole", "--chunk-size": "count", "--workers": "positive whole",
                                  "--scheduler": "scheduler", **SAMPLING}, required=("--n", "--samples"),
                                 choices=("--prior", "--encoding", "--backend", "--device", "--format")),
    "sample mlp": Command(["sample", "mlp", "--n", "3", "--widths", "4", "--samples", "100", "--quiet"],
                          {"--n": "positive whole", "--widths": "widths", "--chunk-size": "count",
                           "--workers": "positive whole", **SAMPLING}, required=("--n", "--samples"),
                          choices=("--prior", "--encoding", "--activation", "--backend", "--device", "--format")),
    "crossval perceptron": Command(["crossval", "perceptron", "--n", "2", "--samples", "100", "--quiet"],
                                   {"--n": "positive whole", "--alpha": "alpha", **SAMPLING}, required=("--n",),
                                   choices=("--prior", "--encoding", "--backend", "--format")),
    "crossval mlp": Command(["crossval", "mlp", "--n", "2", "--widths", "2", "--samples", "100", "--quiet"],
                            {"--n": "positive whole", "--widths": "widths", "--alpha": "alpha", **SAMPLING},
                            required=("--n", "--widths"), choices=("--prior", "--encoding", "--activation",
                                                                   "--format")),
}
TABLE_COMMANDS = {  # commands that read a table (the table path is filled in per case)
    "complexity": Command(["complexity", "TABLE"], {}, choices=("--format",)),
    "bias": Command(["bias", "TABLE"], {"--min-count": "count", "--bins": "count"}),
}


def _one_line_status_2(argv, capsys):
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, (argv, code, err)
    assert len(lines) == 1 and lines[0].startswith("pfmap: error:"), (argv, err)
    assert "Traceback" not in err, (argv, err)


@st.composite
def bad_options(draw):
    name = draw(st.sampled_from(sorted(COMMANDS)))
    command = COMMANDS[name]
    how = draw(st.sampled_from(["value", "value", "value", "choice", "missing", "unknown flag"]))
    if how == "value" and command.options:
        flag = draw(st.sampled_from(sorted(command.options)))
        return command.with_value(flag, draw(st.sampled_from(BAD[command.options[flag]])))
    if how == "choice" and command.choices:
        flag = draw(st.sampled_from(command.choices))
        value = draw(st.one_of(st.sampled_from(["", "NUMBA_", "gausss", "0", "cudaa", "xls", "tpu", "laplace"]),
                               st.text(alphabet="abcdefgh_01", min_size=1, max_size=6)))
        assume(not _accepted(flag, value))
        return command.with_value(flag, value)
    if how == "missing" and command.required:
        return command.without(draw(st.sampled_from(command.required)))
    return command.argv + [draw(st.sampled_from(["--bogus", "--n-inputs", "--sample", "-x", "--quiet=3"]))]


@settings(max_examples=240, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=bad_options())
def test_bad_options_of_every_command(argv, capsys):
    _one_line_status_2(argv, capsys)


BAD_TABLES = {  # file name -> content (bytes), each not a usable volume table
    "missing.csv": None,
    "empty.csv": b"",
    "header_only.csv": b"function,probability\n",
    "binary.parquet": bytes(range(256)) * 4,
    "binary.csv": b"\x00\xff\xfe" * 100,
    "no_function.csv": b"a,b\n1,2\n",
    "lengths.csv": b"function,probability\n0001,0.5\n00000001,0.5\n",
    "letters.csv": b"function,probability\n00a1,0.5\n0111,0.5\n",
    "twos.csv": b"function,probability\n0021,0.5\n0111,0.5\n",
    "garbage.json": b"{not json",
    "table.txt": b"function,probability\n01,1\n",
}
BAD_FOR_BIAS = {
    "p_above_1.csv": b"function,probability\n0001,1.5\n0111,0.5\n",
    "p_nan.csv": b"function,probability\n0001,nan\n0111,0.5\n",
    "p_text.csv": b"function,probability\n0001,abc\n0111,0.5\n",
    "no_probability.csv": b"function,count\n0001,3\n0111,5\n",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-tables")
    for name, content in {**BAD_TABLES, **BAD_FOR_BIAS}.items():
        if content is not None:
            (folder / name).write_bytes(content)
    (folder / "a_folder.csv").mkdir()
    good = folder / "good.csv"
    good.write_text("function,probability\n0001,0.25\n0111,0.75\n")
    return folder


@pytest.mark.parametrize("name", sorted(BAD_TABLES) + ["a_folder.csv"])
@pytest.mark.parametrize("command", sorted(TABLE_COMMANDS))
def test_bad_tables(files, command, name, capsys):
    argv = list(TABLE_COMMANDS[command].argv)
    argv[argv.index("TABLE")] = str(files / name)
    _one_line_status_2(argv, capsys)


@pytest.mark.parametrize("name", sorted(BAD_FOR_BIAS))
def test_bad_probabilities_for_bias(files, name, capsys):
    _one_line_status_2(["bias", str(files / name)], capsys)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(sorted(TABLE_COMMANDS)), data=st.data())
def test_bad_options_of_table_commands(files, command, data, capsys):
    spec = TABLE_COMMANDS[command]
    argv = [str(files / "good.csv") if a == "TABLE" else a for a in spec.argv]
    spec = Command(argv, spec.options, choices=spec.choices)
    if spec.options and data.draw(st.booleans()):
        flag = data.draw(st.sampled_from(sorted(spec.options)))
        argv = spec.with_value(flag, data.draw(st.sampled_from(BAD[spec.options[flag]])))
    else:
        argv = argv + ["--measures", data.draw(st.sampled_from(["", ",", "k_lzz", "entropy,bogus", "K_LZ"]))]
    _one_line_status_2(argv, capsys)


def bad_outputs(tmp):
    """Places no table or run can go: ``(argv tail, needle in the message)``."""
    (tmp / "file").write_text("x")
    (tmp / "folder.csv").mkdir(exist_ok=True)
    return [
        (["--out", str(tmp / "file")], "is a file"),
        (["--out", str(tmp / "folder.csv"), "--format", "csv"], ""),
        (["--out", str(tmp / "t.dat")], "extension"),
        (["--out", str(tmp / "t.xlsx")], "extension"),
        (["--out", "/nonexistent-pfmap/t.csv"], "does not exist"),
        (["--out", "/proc/pfmap-no-such-folder/run"], "cannot"),
        (["--out", "/proc/version.csv"], "cannot write"),
    ]


def test_bad_outputs_of_every_writer(tmp_path, capsys):
    cases = 0
    for name in ("table perceptron", "sample perceptron", "crossval perceptron"):
        for tail, needle in bad_outputs(tmp_path):
            if name != "sample perceptron" and tail[1].endswith(("file", "/run")):
                continue  # a run folder is a sample's; these commands write files only
            if name == "sample perceptron" and tail[1].endswith("folder.csv"):
                continue  # an existing folder is a run folder for pfmap sample
            argv = COMMANDS[name].argv + tail
            code = main(argv)
            err = capsys.readouterr().err
            assert code == 2 and err.count("\n") == 1 and err.startswith("pfmap: error:") and needle in err, (argv, err)
            cases += 1
    assert cases >= 14


def test_a_run_folder_of_another_configuration(tmp_path, capsys):
    base = ["sample", "perceptron", "--n", "3", "--samples", "100", "--quiet", "--out", str(tmp_path / "run")]
    assert main(base) == 0
    capsys.readouterr()
    for change in (["--seed", "1"], ["--samples", "200"], ["--chunk-size", "50"], ["--prior", "uniform"],
                   ["--encoding", "pm1"], ["--sigma-w", "2"], ["--no-bias"]):
        code = main(base + change)
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and "holds a different run" in err, (change, err)
        assert err.count(" there vs ") == 1 and "..." not in err   # the one leaf that differs, not truncated dicts


def test_the_bad_inputs_are_many():
    """The pool the generators draw from holds well over 200 distinct bad command lines."""
    values = sum(len(BAD[kind]) for c in COMMANDS.values() for kind in c.options.values())
    assert values + len(BAD_TABLES) * len(TABLE_COMMANDS) + len(BAD_FOR_BIAS) >= 200
