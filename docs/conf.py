"""Sphinx configuration of pfmap's documentation: ``sphinx-build -W docs docs/_build/html`` (offline).

The API pages are built from the docstrings (autodoc, numpydoc-style sections read by napoleon); the
module lists of each engine, the command-line reference (from ``pfmap.cli.build_parser()``) and the
examples page are generated at build time by ``docs/_ext/pfmap_docs.py`` into ``docs/_generated/``,
so modules and commands added later appear without editing a page.
"""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "pfmap"
author = "the pfmap developers"
copyright = "2026, the pfmap developers"
try:
    from pfmap import __version__ as release
except ImportError:  # pragma: no cover - the package is not installed
    release = "unknown"
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_parser",
    "pfmap_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated/*.inc", "examples/**", "Thumbs.db", ".DS_Store"]
root_doc = "index"

autodoc_default_options = {"members": True, "member-order": "bysource", "ignore-module-all": True}
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autodoc_inherit_docstrings = False
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = False
myst_heading_anchors = 3

html_theme = "alabaster"
html_title = f"pfmap {release}"
html_theme_options = {"description": "The parameter-function map of neural networks", "fixed_sidebar": True}
html_static_path = []
# A name such as ``n`` in a docstring's type ("(2**n, n) array") is looked up as a cross-reference and found
# on several classes; Sphinx then links the first and warns.  Those lookups are not errors of the docs.
suppress_warnings = ["ref.python"]
