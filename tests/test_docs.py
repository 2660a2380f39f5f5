"""The documentation: the Sphinx site builds with warnings as errors, its generated pages cover the package,
and the README's shown outputs are what the commands print now."""

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import pfmap_docs  # noqa: E402
import regenerate_readme  # noqa: E402


def _subcommands(parser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_cli_page_has_every_subcommand_and_option():
    from pfmap.cli import build_parser

    page = pfmap_docs.cli_page()
    parser = build_parser()
    for name, sub in _subcommands(parser):
        assert f"$ pfmap {name} --help" in page
        leaves = list(_subcommands(sub)) or [(None, sub)]
        for leaf, p in leaves:
            if leaf:
                assert f"$ pfmap {name} {leaf} --help" in page
            for action in p._actions:
                for flag in action.option_strings:
                    assert flag in page, (name, leaf, flag)


def test_module_lists_follow_the_files_on_disk():
    # every .py file of each engine folder (and of pfmap/, less cli/) is a module on its engine's page
    for engine, folder in (("geometry", "geometry"), ("montecarlo", "montecarlo"), ("learning", "learning")):
        names = set(pfmap_docs.module_names(f"pfmap.{engine}"))
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            assert ".".join(("pfmap", engine, *parts)) in names, path
    vocabulary = set(pfmap_docs.module_names("pfmap"))
    for path in (ROOT / "pfmap").glob("*.py"):
        if path.stem not in ("__init__", "__main__"):
            assert f"pfmap.{path.stem}" in vocabulary
    assert not any(n.startswith(("pfmap.cli", "pfmap.geometry")) for n in vocabulary)


def test_readme_elision_and_prompts_on_a_made_up_readme():
    text = "\n".join([
        "Intro with `pfmap one` in it:", "", "```", "| a   | b |", "|:----|:--|", "| 1   | x |", "| ... |   |",
        "| 9   | z |", "```", "", "```bash", "$ not an output block", "```", "", "```", "$ pfmap two", "old",
        "$ pfmap three | tail -1", "stale", "```", ""])
    outputs = {"pfmap one": ["| a    | b   |", "|:-----|:----|", "| 1    | x   |", "| 2    | y   |",
                             "| 3    | yy  |", "| 9    | z   |"],
               "pfmap two": ["new"], "pfmap three | tail -1": ["fresh", "two lines"]}
    new = regenerate_readme.regenerate(text, outputs.__getitem__)
    lines = new.splitlines()
    # one line kept before the elision (after the two header lines), one after; the "..." row widened
    assert lines[3:8] == ["| a    | b   |", "|:-----|:----|", "| 1    | x   |", "| ...  |     |", "| 9    | z   |"]
    assert "$ not an output block" in lines
    assert lines[-7:] == ["```", "$ pfmap two", "new", "$ pfmap three | tail -1", "fresh", "two lines", "```"]
    assert regenerate_readme.stale_blocks(new, outputs.__getitem__) == []
    assert regenerate_readme.stale_blocks(text, outputs.__getitem__) != []


def test_readme_outputs_are_what_the_commands_print():
    diffs = regenerate_readme.stale_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert not diffs, "README.md is stale: run python docs/regenerate_readme.py\n" + "\n".join(diffs)[:4000]


@pytest.mark.skipif(importlib.util.find_spec("sphinx") is None or importlib.util.find_spec("myst_parser") is None,
                    reason="the docs extra (sphinx, myst-parser) is not installed")
def test_sphinx_site_builds_offline_without_warnings(tmp_path):
    out = tmp_path / "html"
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                           str(ROOT / "docs"), str(out)], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-4000:]
    for page in ("index", "getting_started", "geometry", "montecarlo", "learning", "vocabulary", "cli", "examples",
                 "architecture"):
        assert (out / f"{page}.html").exists(), page
    learning = (out / "learning.html").read_text(encoding="utf-8")
    for path in (ROOT / "learning").glob("*.py"):
        if path.stem != "__init__":
            assert f"pfmap.learning.{path.stem}" in learning, path.stem
    assert "formula_sizes" in (out / "vocabulary.html").read_text(encoding="utf-8")
