"""Issue 11 item 4 across commands: one --format set, unknown --out extensions refused, no empty Markdown columns."""

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest

from pfmap.cli import build_parser, main
from pfmap.tables import FORMATS

TABLE_WRITERS = {
    "table perceptron": ["table", "perceptron", "--n", "2", "--quiet"],
    "table mlp": ["table", "mlp", "--n", "2", "--widths", "2", "--quiet"],
    "sample perceptron": ["sample", "perceptron", "--n", "2", "--samples", "500", "--quiet"],
    "sample mlp --data": ["sample", "mlp", "--data", "boolean", "--test-mask", "0111", "--widths", "3",
                          "--samples", "500", "--quiet"],
    "sample nngp": ["sample", "nngp", "--data", "boolean", "--test-mask", "0111", "--samples", "500", "--quiet"],
    "crossval perceptron": ["crossval", "perceptron", "--n", "2", "--samples", "2000", "--quiet"],
    "complexity": ["complexity", "{table}", "--measures", "entropy,k_lz", "--graph", "--quiet"],
    "bias": ["bias", "{table}", "--measures", "entropy,k_lz", "--bootstrap", "10"],
    "posterior": ["posterior", "perceptron", "--data", "boolean", "--target", "0001", "--train-mask", "1000",
                  "--test-mask", "0110", "--method", "exact", "--quiet"],
    "bound": ["bound", "perceptron", "--data", "boolean", "--target", "0001", "--train-size", "2", "--method",
              "exact"],
}


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("t") / "p2.csv"
    assert _run(["table", "perceptron", "--n", "2", "--out", str(path)])[0] == 0
    return str(path)


def _argv(name, table):
    return [a.replace("{table}", table) for a in TABLE_WRITERS[name]]


def _format_choices(argv):
    """The formats a command's --format advertises (its metavar), from the parser itself."""
    parser = build_parser()
    node = parser
    for word in argv:
        if word.startswith("-") or "/" in word:
            break
        sub = [a for a in node._actions if a.__class__.__name__ == "_SubParsersAction"]
        if not sub or word not in sub[0].choices:
            break
        node = sub[0].choices[word]
    action = next(a for a in node._actions if "--format" in a.option_strings)
    return tuple(action.metavar.split("|"))


@pytest.mark.parametrize("name", sorted(TABLE_WRITERS))
def test_every_table_command_offers_the_same_formats(name, table):
    assert set(_format_choices(_argv(name, table))) == set(FORMATS)


@pytest.mark.parametrize("fmt", ["md", "text", "csv", "latex", "json"])
@pytest.mark.parametrize("name", sorted(TABLE_WRITERS))
def test_every_format_on_stdout(name, fmt, table):
    code, out, err = _run(_argv(name, table) + ["--format", fmt])
    assert code == 0, err
    if fmt == "md":
        lines = [line for line in out.splitlines() if line.startswith("|")]
        assert lines and set(lines[1]) <= set("|:- ")
        cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        for j, column in enumerate(header):                       # a column that is empty everywhere is hidden
            assert any(row[j] for row in cells), (name, column)
    elif fmt == "text":
        header, cells = _text_table(out)
        assert header and cells
        for j, column in enumerate(header):                       # a column that is empty everywhere is hidden
            assert any(row[j] for row in cells), (name, column)
    elif fmt == "csv":
        assert pd.read_csv(io.StringIO(out)).shape[0] >= 1
    elif fmt == "latex":
        assert "\\begin{tabular}" in out or "\\begin{longtable}" in out
    else:
        assert json.loads(out)["rows"]


def _text_table(out: str) -> tuple[list[str], list[list[str]]]:
    """Header and cells of a plain-text table, cut at the columns its rule of dashes marks."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line and set(line) <= set("- "))
    spans, start = [], 0
    for piece in lines[at].split("  "):
        spans.append((start, start + len(piece)))
        start += len(piece) + 2
    def cut(line):
        return [line[a:b + 2 if k < len(spans) - 1 else None].strip() for k, (a, b) in enumerate(spans)]
    rows = [cut(line) for line in lines[at + 1:] if line.strip()]
    return cut(lines[at - 1]), rows


@pytest.mark.parametrize("name", ["table perceptron", "sample perceptron", "posterior"])
def test_text_format_holds_the_csv_values(name, table):
    """The aligned text table reads back to the CSV's rows: the same functions in order, the same numbers."""
    _, csv_out, _ = _run(_argv(name, table) + ["--format", "csv"])
    code, out, err = _run(_argv(name, table) + ["--format", "text"])
    assert code == 0, err
    header, cells = _text_table(out)
    full = pd.read_csv(io.StringIO(csv_out), dtype={"function": str}, keep_default_na=False)
    assert set(header) <= set(full.columns) and len(cells) == len(full)
    for j, column in enumerate(header):
        want = full[column].tolist()
        got = [row[j] for row in cells]
        if column == "function":
            assert got == want
        elif column in ("probability", "count", "ci_low", "ci_high"):
            assert [float(g) for g in got] == [float(w) for w in want], column
    assert all(len(line) == len(line.rstrip()) for line in out.splitlines())        # no trailing spaces


@pytest.mark.parametrize("name", sorted(TABLE_WRITERS))
def test_parquet_to_a_file(name, table, tmp_path):
    target = tmp_path / "out.parquet"
    code, _, err = _run(_argv(name, table) + ["--out", str(target)])
    assert code == 0, err
    assert len(pd.read_parquet(target)) >= 1


@pytest.mark.parametrize("name", sorted(TABLE_WRITERS))
def test_unknown_out_extension_refused_in_one_line(name, table, tmp_path):
    target = tmp_path / "out.xyz"
    code, out, err = _run(_argv(name, table) + ["--out", str(target)])
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("pfmap: error:"), err
    assert not target.exists()


@pytest.mark.parametrize("name", sorted(TABLE_WRITERS))
def test_parquet_on_stdout_refused_in_one_line(name, table):
    code, out, err = _run(_argv(name, table) + ["--format", "parquet"])
    assert code == 2 and out == "" and err.count("\n") == 1 and "parquet" in err, err


def test_complexity_in_blocks_gives_the_table_of_one_call():
    from pfmap.cli.complexity import measured_in_chunks
    from pfmap.complexity import add_complexity_columns

    functions = [format(i, "08b") for i in range(0, 256, 3)] + ["011", "1"] + [format(i, "04b") for i in range(16)]
    df = pd.DataFrame({"function": functions, "probability": 1.0 / len(functions)})
    whole = add_complexity_columns(df, None)
    for chunk in (7, 50, 86):
        pd.testing.assert_frame_equal(measured_in_chunks(df, None, chunk=chunk), whole)


@pytest.mark.parametrize("flags, word", [(["--out", "joined.xyz"], "joined.xyz"), (["--format", "csv"], "--out"),
                                         (["--out", "j.csv", "--format", "yaml"], "yaml")])
def test_compare_checks_its_output_before_reading_the_tables(tmp_path, flags, word):
    flags = [str(tmp_path / f) if f.startswith("j") else f for f in flags]
    code, out, err = _run(["compare", "/nonexistent/a.csv", "/nonexistent/b.csv", *flags])
    assert code == 2 and out == "" and err.count("\n") == 1 and word in err, err
