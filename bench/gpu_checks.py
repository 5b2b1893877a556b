"""Run the checks of mixnb's notebooks on a CUDA machine, without nbdev.

Each selected notebook's code cells run in order in one namespace with plain `exec`, as `nbdev_test` would run them,
except that `#| gpu` cells run too and these are skipped:

- cells flagged `#| slow` or `#| eval: false`;
- cells that import nbdev (or fastcore/execnb) or call `show_doc` (documentation only);
- cells holding IPython magics or shell escapes (`%...`, `!...`).

A cell that fails only because IPython or ipywidgets is missing (display helpers), or a peer library that the checks compare
with (scikit-learn, SciPy, pandas, pomegranate, transformers, libcirkit), is counted as skipped, not failed.
By default the notebooks selected are those that define Triton kernels, check them (`check_kernel(`) or have `#| gpu`
cells; name notebooks to run others, or pass --all. Lines printed as "kernel check ok: ..." are counted per notebook.

Usage: python3 bench/gpu_checks.py [NOTEBOOK ...] [--all] [--out DIR] [--allow-cpu]
Writes DIR/checks.md (a Markdown table), DIR/checks.json and one log per notebook; exits 1 if a notebook failed.
"""
from __future__ import annotations

import argparse
import codeop
import contextlib
import io
import json
import linecache
import os
import re
import sys
import time
import traceback
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NBS = REPO / "nbs"
DISPLAY_ONLY = {"IPython", "ipywidgets", "matplotlib_inline"}
PEERS = {"sklearn", "scipy", "pandas", "pomegranate", "transformers", "cirkit"}   # compared with, not needed by mixnb


def directives(src: str) -> dict:
    "The `#| name: value` lines at the top of a cell, as {name: value}."
    out = {}
    for line in src.splitlines():
        s = line.strip()
        if not s: continue
        if not s.startswith("#|"): break
        body = s[2:].strip()
        name, _, value = body.partition(":") if ":" in body.split()[0] else (body.split()[0], "", " ".join(body.split()[1:]))
        out[name.strip()] = value.strip()
    return out


def skip_reason(src: str) -> str | None:
    "Why a code cell is not run on the GPU, or None to run it."
    d = directives(src)
    if "slow" in d: return "slow"
    if d.get("eval", "").lower() == "false": return "eval: false"
    if re.search(r"^\s*(from|import)\s+(nbdev|fastcore|execnb)\b", src, re.M) or "show_doc(" in src: return "docs"
    if re.search(r"^\s*[%!]", src, re.M): return "magic"
    return None


def selected(nb: dict) -> bool:
    "Whether a notebook has GPU-relevant checks: Triton kernels, `check_kernel` calls or `#| gpu` cells."
    for c in nb["cells"]:
        if c["cell_type"] != "code": continue
        src = "".join(c["source"])
        if "@triton.jit" in src or "check_kernel(" in src or "gpu" in directives(src): return True
    return False


class Tee(io.TextIOBase):
    "Write to a log file and keep the text, for counting the kernel checks."
    def __init__(self, log): self.log, self.parts = log, []
    def write(self, s):
        self.log.write(s); self.parts.append(s)
        return len(s)
    def flush(self): self.log.flush()
    def text(self): return "".join(self.parts)


def run_notebook(path: Path, logdir: Path) -> dict:
    "Run one notebook's cells; return its record (result, counts, seconds, error)."
    nb = json.loads(path.read_text())
    rec = {"notebook": path.name, "result": "passed", "cells_run": 0, "cells_skipped": 0, "gpu_cells": 0,
           "kernel_checks": 0, "seconds": 0.0, "error": None, "skipped": {}}
    mod = types.ModuleType("__nb__")            # a real module, so pickle and dataclasses can find the cells' classes
    sys.modules["__nb__"] = mod
    ns = mod.__dict__
    compiler = codeop.Compile()                 # carries `from __future__` flags from cell to cell, as IPython does
    t0 = time.perf_counter()
    cwd = os.getcwd()
    os.chdir(path.parent)                       # nbdev_test runs notebooks from their folder
    with open(logdir / f"{path.stem}.log", "w") as log:
        tee = Tee(log)
        with contextlib.redirect_stdout(tee), contextlib.redirect_stderr(tee):
            for i, c in enumerate(nb["cells"]):
                if c["cell_type"] != "code": continue
                src = "".join(c["source"])
                why = skip_reason(src)
                if why:
                    rec["cells_skipped"] += 1; rec["skipped"][why] = rec["skipped"].get(why, 0) + 1
                    continue
                if "gpu" in directives(src): rec["gpu_cells"] += 1
                print(f"--- cell {i}")
                try:
                    fname = f"<{path.name} cell {i}>"
                    linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)  # for inspect.getsource (triton.jit)
                    exec(compiler(src, fname, "exec"), ns)
                    rec["cells_run"] += 1
                except ModuleNotFoundError as e:
                    if (e.name or "").split(".")[0] in DISPLAY_ONLY | PEERS:
                        rec["cells_skipped"] += 1; rec["skipped"]["no " + e.name] = rec["skipped"].get("no " + e.name, 0) + 1
                        continue
                    rec["result"], rec["error"] = "FAILED", f"cell {i}: {type(e).__name__}: {e}"
                    traceback.print_exc()
                    break
                except BaseException as e:   # an assert, an exception, or a sys.exit in a cell
                    rec["result"], rec["error"] = "FAILED", f"cell {i}: {type(e).__name__}: {str(e)[:300]}"
                    traceback.print_exc()
                    break
        rec["kernel_checks"] = len(re.findall(r"^kernel check ok:", tee.text(), re.M))
    os.chdir(cwd)
    rec["seconds"] = time.perf_counter() - t0
    defines = any("@triton.jit" in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    if rec["result"] == "passed" and defines and rec["kernel_checks"] == 0:
        rec["result"] = "passed, but no kernel checked"
    return rec


def table(recs: list, device: str) -> str:
    lines = [f"Notebook checks on {device}:", "",
             "| notebook | result | cells run | skipped | `#| gpu` cells | kernel checks | seconds |",
             "|:--|:--|--:|--:|--:|--:|--:|"]
    for r in recs:
        skipped = f"{r['cells_skipped']}" + (f" ({', '.join(f'{k} {v}' for k, v in r['skipped'].items())})" if r["skipped"] else "")
        lines.append(f"| {r['notebook']} | {r['result']} | {r['cells_run']} | {skipped} | {r['gpu_cells']} | {r['kernel_checks']} | {r['seconds']:.1f} |")
    errors = [f"- {r['notebook']}: {r['error']}" for r in recs if r["error"]]
    return "\n".join(lines + ([""] + errors if errors else []))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", help="notebooks to run (default: those with kernels or GPU checks)")
    ap.add_argument("--all", action="store_true", help="run every notebook in nbs/")
    ap.add_argument("--out", default=str(REPO / "bench" / "results"), help="folder for checks.md, checks.json and the logs")
    ap.add_argument("--allow-cpu", action="store_true", help="run without a GPU (to test this runner)")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(REPO))
    import torch
    if torch.cuda.is_available(): device = f"cuda ({torch.cuda.get_device_name(0)})"
    elif a.allow_cpu: device = "cpu (TRITON_INTERPRET=" + os.environ.get("TRITON_INTERPRET", "0") + ")"
    else:
        print("gpu_checks: no CUDA device visible to torch (pass --allow-cpu to run anyway)", file=sys.stderr)
        return 3
    paths = [Path(p).resolve() for p in a.notebooks] or sorted(NBS.glob("*.ipynb"))
    if not a.notebooks and not a.all: paths = [p for p in paths if selected(json.loads(p.read_text()))]
    out = Path(a.out); logdir = out / "checks"
    logdir.mkdir(parents=True, exist_ok=True)
    recs = []
    for p in paths:
        print(f"gpu_checks: {p.name} ...", flush=True)
        r = run_notebook(p, logdir)
        recs.append(r)
        print(f"gpu_checks: {p.name}: {r['result']}, {r['kernel_checks']} kernel checks, {r['seconds']:.1f} s"
              + (f"; {r['error']}" if r["error"] else ""), flush=True)
    md = table(recs, device)
    (out / "checks.md").write_text(md + "\n")
    (out / "checks.json").write_text(json.dumps({"device": device, "notebooks": recs}, indent=1))
    print(); print(md)
    return 1 if any(r["result"] == "FAILED" for r in recs) else 0


if __name__ == "__main__":
    sys.exit(main())
