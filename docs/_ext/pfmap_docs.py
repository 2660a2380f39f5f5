"""A Sphinx extension that writes pfmap's generated pages into ``docs/_generated/`` when a build starts.

* ``modules_<engine>.inc``: one ``automodule`` section per module of ``pfmap`` (the vocabulary),
  ``pfmap.geometry``, ``pfmap.montecarlo`` and ``pfmap.learning``, found with :mod:`pkgutil`, so the
  engine pages list whatever modules exist at build time; a module that cannot be imported (an optional
  dependency missing) is named with the reason instead of failing the build.
* ``cli.inc``: the help of ``pfmap`` and of every subcommand, rendered from ``pfmap.cli.build_parser()``.
* ``examples.inc``: every ``examples/*.py`` with its docstring, its source and, when
  ``docs/capture_examples.py`` has captured them into ``docs/examples/``, its output and figures.

Files are rewritten only when their text changes, so an unchanged tree rebuilds incrementally.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import pkgutil
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"
CAPTURED = DOCS / "examples"
ENGINES = {"vocabulary": "pfmap", "geometry": "pfmap.geometry", "montecarlo": "pfmap.montecarlo",
           "learning": "pfmap.learning"}
ENGINE_PACKAGES = ("pfmap.geometry", "pfmap.montecarlo", "pfmap.learning")
HELP_COLUMNS = "100"


def module_names(root: str) -> list[str]:
    """The modules under ``root`` (the vocabulary: ``pfmap``'s own modules, not the engines or the CLI)."""
    package = importlib.import_module(root)
    names = [root]
    for info in pkgutil.walk_packages(package.__path__, root + "."):
        name = info.name
        if name.endswith("__main__"):
            continue
        if root == "pfmap" and (name.startswith(ENGINE_PACKAGES) or name.startswith("pfmap.cli")):
            continue
        names.append(name)
    return sorted(names)


def _underline(text: str, char: str) -> str:
    return f"{text}\n{char * len(text)}\n"


def modules_page(root: str) -> str:
    """reST with one automodule section per importable module under ``root``."""
    parts = []
    for name in module_names(root):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            parts.append(_underline(f"``{name}``", "-") + f"\nNot importable here: {exc}.\n")
            continue
        parts.append(_underline(f"``{name}``", "-") + f"\n.. automodule:: {name}\n")
    return "\n".join(parts)


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:  # argparse keeps subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def cli_page() -> str:
    """reST with the help of ``pfmap`` and of every subcommand (two levels), as argparse prints it."""
    from pfmap.cli import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_COLUMNS
    try:
        parser = build_parser()
        parts = [_literal("pfmap --help", parser.format_help())]
        for name, sub in _subparsers(parser):
            parts.append(_underline(f"pfmap {name}", "-"))
            parts.append(_literal(f"pfmap {name} --help", sub.format_help()))
            for leaf, subsub in _subparsers(sub):
                parts.append(_underline(f"pfmap {name} {leaf}", "~"))
                parts.append(_literal(f"pfmap {name} {leaf} --help", subsub.format_help()))
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return "\n".join(parts)


def _literal(command: str, text: str) -> str:
    body = "\n".join("   " + line if line.strip() else "" for line in [f"$ {command}", *text.rstrip().splitlines()])
    return f".. code-block:: text\n\n{body}\n"


def examples_page() -> str:
    """reST for every example script: docstring, source, captured output and figures."""
    parts = []
    for script in sorted((ROOT / "examples").glob("*.py")):
        doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or script.stem
        title, _, rest = doc.partition("\n")
        parts.append(_underline(f"``{script.name}``: {title.strip().rstrip('.')}", "-"))
        if rest.strip():
            parts.append(_literal_text(rest.strip()))
        rel = os.path.relpath(script, DOCS)
        parts.append(f".. literalinclude:: {rel}\n   :language: python\n   :caption: examples/{script.name}\n")
        parts.extend(_captured(script.stem))
    extra = CAPTURED / "simplicity_bias_ranking"
    if extra.is_dir() and any(extra.glob("*.png")):
        parts.append(_underline("Figures of ``paper_tables/simplicity_bias_ranking.py``", "-"))
        parts.append("The rank plot and the correlation matrices, as captured by ``docs/capture_examples.py``.\n")
        parts.extend(_captured("simplicity_bias_ranking"))
    return "\n".join(parts)


def _literal_text(text: str) -> str:
    body = "\n".join("   " + line if line.strip() else "" for line in text.splitlines())
    return f".. code-block:: text\n\n{body}\n"


def _captured(stem: str) -> list[str]:
    parts = []
    out = CAPTURED / f"{stem}.out"
    if out.exists():
        parts.append(f"Output (captured by ``docs/capture_examples.py``):\n\n"
                     f".. literalinclude:: {os.path.relpath(out, DOCS)}\n   :language: text\n")
    for png in sorted((CAPTURED / stem).glob("*.png")) if (CAPTURED / stem).is_dir() else []:
        parts.append(f".. figure:: {os.path.relpath(png, DOCS)}\n   :width: 90%\n\n   ``{png.name}``\n")
    return parts


def _write(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate(app=None) -> list[Path]:
    """Write every generated page; returns their paths."""
    GENERATED.mkdir(exist_ok=True)
    written = []
    for engine, root in ENGINES.items():
        written.append(GENERATED / f"modules_{engine}.inc")
        _write(written[-1], modules_page(root))
    written.append(GENERATED / "cli.inc")
    _write(written[-1], cli_page())
    written.append(GENERATED / "examples.inc")
    _write(written[-1], examples_page())
    return written


def setup(app):
    app.connect("builder-inited", generate)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
