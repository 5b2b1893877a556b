"""The house style of the notebooks and the docs: no lab notes (dates, descriptions of the machine, virtual-environment
paths, goals, the history of the work) in any notebook cell, its outputs included, or any docs/ source file; and no
code cell over 100 lines.

`python tests/test_notebook_style.py` lists each notebook's largest code cell."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "nbs").glob("*.ipynb"))
DOCS = sorted(p for p in (ROOT / "docs").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
MAX_CODE_LINES = 100

_DATE = r"(?<!\d)(?:19|20)\d\d-[01]\d-[0-3]\d(?!\d)"                         # 2026-11-28
_PHRASES = ["the issue", "issue's", "development machine", "quiet machine", "quiet-machine", ".venv/bin",
            "at the time of writing", "shared with other jobs", "before this change", "(goal", "goal:", "goal was"]


def _literal(p: str) -> str:
    "`p` as a regex that matches it only as whole words at its ends (so 'the issue' does not match 'the issues')."
    return (r"(?<!\w)" if p[0].isalnum() else "") + re.escape(p) + (r"(?!\w)" if p[-1].isalnum() else "")


# one alternation, so that a match is reported once ("the issue's" as "the issue"); "\d+-core" covers "the 2-core"
LAB_NOTE = re.compile("|".join([_DATE, r"(?<!\w)\d+-core(?!\w)", *map(_literal, _PHRASES)]), re.IGNORECASE)


def _text(src) -> str:
    return "".join(src) if isinstance(src, list) else src


def _cells(nb: Path) -> list:
    return json.loads(nb.read_text(encoding="utf-8"))["cells"]


def _output_text(cell: dict) -> str:
    "What a reader sees of a cell's outputs: streams, tracebacks and the text/* parts of rich outputs (not images)."
    parts = []
    for o in cell.get("outputs", []):
        parts.append(_text(o.get("text", "")))
        parts.extend(o.get("traceback", []))
        parts.extend(_text(v) for k, v in o.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


def _found(text: str) -> str:
    "The distinct lab-note phrases in `text`, quoted, in order of appearance ('' if none)."
    return ", ".join(repr(p) for p in dict.fromkeys(m.group() for m in LAB_NOTE.finditer(text)))


def lab_notes() -> list:
    "One line per notebook cell (source or outputs) or docs/ line that holds lab notes: where, and which phrases."
    out = []
    for nb in NOTEBOOKS:
        for i, c in enumerate(_cells(nb)):
            for where, text in ((c["cell_type"], _text(c["source"])), ("outputs", _output_text(c))):
                if found := _found(text): out.append(f"{nb.relative_to(ROOT)} cell {i} ({where}): {found}")
    for f in DOCS:
        try: lines = f.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError: continue                                   # a binary asset, no prose
        out += [f"{f.relative_to(ROOT)} line {n}: {found}" for n, l in enumerate(lines, 1) if (found := _found(l))]
    return out


def code_cell_lines(nb: Path) -> list:
    "(cell index, number of lines) of each code cell of notebook `nb`."
    return [(i, len(_text(c["source"]).splitlines())) for i, c in enumerate(_cells(nb)) if c["cell_type"] == "code"]


def _fail_if(lines: list, why: str):
    if lines:
        import pytest                                    # here, so that the listing below runs without pytest
        pytest.fail(why + "\n" + "\n".join(lines), pytrace=False)


def test_notebooks_and_docs_are_found():
    assert NOTEBOOKS, "no notebooks found in nbs/"
    assert DOCS, "no docs sources found in docs/"


def test_lab_note_pattern():
    for p in [*_PHRASES, "2026-11-28", "the 2-core box", "a 16-core machine", "The Issue", "Quiet-Machine run"]:
        assert _found(f"x {p} y"), f"{p!r} is not caught"
    for p in ["the issues", "tissue", "2.13.0", "20261128", "2026-13-45", "multi-core", "a goal", "goals met"]:
        assert not _found(f"x {p} y"), f"{p!r} is caught"


def test_no_lab_notes():
    _fail_if(lab_notes(), "lab notes (dates, machine descriptions, venv paths, goals, the work's history) in "
                          "notebooks or docs; say it without them:")


def test_no_code_cell_over_the_limit():
    _fail_if([f"{nb.relative_to(ROOT)} cell {i}: {n} lines" for nb in NOTEBOOKS for i, n in code_cell_lines(nb)
              if n > MAX_CODE_LINES], f"code cells over {MAX_CODE_LINES} lines; split them (fastcore's @patch, or small helpers):")


if __name__ == "__main__":
    rows = []
    for nb in NOTEBOOKS:
        sizes = code_cell_lines(nb)
        i, n = max(sizes, key=lambda s: s[1], default=(None, 0))
        over = sum(m > MAX_CODE_LINES for _, m in sizes)
        rows.append((str(nb.relative_to(ROOT)), "-" if i is None else str(i), str(n), str(over)))
    head = ("notebook", "largest code cell", "lines", f"cells over {MAX_CODE_LINES} lines")
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(4)]
    for r in [head, *rows]:
        print(r[0].ljust(widths[0]), *(v.rjust(w) for v, w in zip(r[1:], widths[1:])), sep="  ")
