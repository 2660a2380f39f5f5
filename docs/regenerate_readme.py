"""Rerun the commands whose output README.md shows and rewrite (or check) those output blocks.

An *output block* is a fenced block without a language:

* with ``$ command`` lines: each command is followed by the output shown for it;
* without them: the command is the one inline code span starting with ``pfmap`` in the paragraph just
  above the block (the README's "The main job, `pfmap table perceptron --n 2` ...").

A line ``...`` (or a Markdown table row whose first cell is ``...``) elides the middle of an output: the
block keeps as many lines before and after it as it shows now, the ``...`` row rebuilt to the table's new
column widths.  Every command shown is seeded or exact, so the comparison is exact; durations (``12.3 s``)
are masked, since they are measurements.

Run: python docs/regenerate_readme.py            (rewrites README.md in place)
     python docs/regenerate_readme.py --check    (exit 1 and a diff when a block is stale)
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\S*)\s*$")
SPAN = re.compile(r"`((?:pfmap|python) [^`]+)`")
TABLE_ELISION = re.compile(r"^\|\s*\.\.\.\s*\|")
DURATION = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s|min|seconds)\b")


@dataclass
class Segment:
    """One command of an output block and the lines shown for it."""

    command: str
    prompt: bool          # shown as a "$ command" line
    shown: list[str]


@dataclass
class Block:
    """An output block: its line range in the README (inside the fences) and its segments."""

    start: int
    end: int
    segments: list[Segment]


def output_blocks(lines: list[str]) -> list[Block]:
    """The output blocks of a README's lines (see the module docstring)."""
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not FENCE.match(lines[j]):
            j += 1
        body = lines[i + 1:j]
        if m.group(1) == "":
            segments = _segments(body) or _from_paragraph(lines, i, body)
            if segments:
                blocks.append(Block(i + 1, j, segments))
        i = j + 1
    return blocks


def _segments(body: list[str]) -> list[Segment]:
    segments = []
    for line in body:
        if line.startswith("$ "):
            segments.append(Segment(line[2:].strip(), True, []))
        elif segments:
            segments[-1].shown.append(line)
    return segments


def _from_paragraph(lines: list[str], fence: int, body: list[str]) -> list[Segment]:
    k = fence - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    paragraph = []
    while k >= 0 and lines[k].strip() and not FENCE.match(lines[k]):
        paragraph.insert(0, lines[k])
        k -= 1
    spans = SPAN.findall(" ".join(paragraph))
    return [Segment(spans[0], False, list(body))] if len(spans) == 1 else []


def run_command(command: str, *, timeout: int = 900) -> list[str]:
    """Run a README command in the repository root (the venv's tools first on PATH); its stdout lines."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("COLUMNS", "200")
    done = subprocess.run(command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{command!r} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return [line.rstrip() for line in done.stdout.rstrip("\n").splitlines()]


def elide(output: list[str], shown: list[str]) -> list[str]:
    """``output`` cut the way ``shown`` is cut (same number of lines before and after its ``...``)."""
    marks = [i for i, line in enumerate(shown) if line.strip() == "..." or TABLE_ELISION.match(line)]
    if not marks:
        return output
    i = marks[0]
    head, tail = i, len(shown) - i - 1
    if len(output) <= head + tail:
        return output
    marker = shown[i]
    if TABLE_ELISION.match(marker) and output and output[0].startswith("|"):
        widths = [len(cell) for cell in output[0].strip("|").split("|")]
        marker = "|" + "|".join((" ..." if k == 0 else "").ljust(w) for k, w in enumerate(widths)) + "|"
    return output[:head] + [marker] + (output[len(output) - tail:] if tail else [])


def rendered(block: Block, outputs: dict[str, list[str]]) -> list[str]:
    """The block's new body from the commands' outputs."""
    body = []
    for seg in block.segments:
        if seg.prompt:
            body.append(f"$ {seg.command}")
        body.extend(elide(outputs[seg.command], seg.shown))
    return body


def regenerate(text: str, runner=run_command) -> str:
    """README text with every output block rewritten from ``runner(command)``."""
    lines = text.splitlines()
    blocks = output_blocks(lines)
    commands = list(dict.fromkeys(seg.command for b in blocks for seg in b.segments))
    with ThreadPoolExecutor(max_workers=max(1, min(len(commands), os.cpu_count() or 1))) as pool:
        outputs = dict(zip(commands, pool.map(runner, commands)))   # the commands are independent
    for block in reversed(blocks):
        lines[block.start:block.end] = rendered(block, outputs)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def stale_blocks(text: str, runner=run_command) -> list[str]:
    """A unified diff per output block that differs from what its commands print now (durations masked)."""
    new = regenerate(text, runner)
    old_lines, new_lines = text.splitlines(), new.splitlines()
    if [DURATION.sub("<time>", x) for x in old_lines] == [DURATION.sub("<time>", x) for x in new_lines]:
        return []
    return ["\n".join(difflib.unified_diff(old_lines, new_lines, "README.md", "regenerated", lineterm=""))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a block is stale")
    parser.add_argument("--readme", default=str(README), help="the README to read (default: the repository's)")
    args = parser.parse_args(argv)
    path = Path(args.readme)
    text = path.read_text(encoding="utf-8")
    if args.check:
        diffs = stale_blocks(text)
        for d in diffs:
            print(d)
        print("README output blocks: " + ("stale" if diffs else "current"))
        return 1 if diffs else 0
    new = regenerate(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    blocks = output_blocks(text.splitlines())
    print(f"rewrote {len(blocks)} output blocks ({sum(len(b.segments) for b in blocks)} commands) in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
