"""The notebooks are the test suite: run every one through `nbdev_test`, with the Triton kernels checked
under Triton's CPU interpreter, and again through `pytest --nbval-lax` in a plain Jupyter kernel."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOKS = sorted((ROOT / "nbs").glob("*.ipynb"))
SKIP_FLAGS = ("slow", "gpu")   # the flags in settings.ini's tst_flags: benchmarks and GPU-only cells


def run(cmd, **kw):
    "Run `cmd` in the project root, echo its output into the test log, and return the completed process."
    r = subprocess.run([str(c) for c in cmd], cwd=ROOT, capture_output=True, text=True, **kw)
    print(r.stdout[-20000:], r.stderr[-20000:], sep="\n")
    return r


def test_nbdev_test_runs_every_notebook_and_checks_every_kernel():
    assert NOTEBOOKS, "no notebooks found in nbs/"
    r = run([BIN / "nbdev_test", "--do_print", "--timing", "--n_workers", "2"],
            env={**os.environ, "TRITON_INTERPRET": "1", "OMP_NUM_THREADS": "1"}, timeout=2700)  # 2 workers, 1 thread each
    assert r.returncode == 0, "nbdev_test failed (log above)"
    log = r.stdout + r.stderr
    for nb in NOTEBOOKS:
        assert f"Completed {nb}" in log or f"Completed nbs/{nb.name}" in log or nb.name in log, f"{nb.name} did not run"
    checked = "\n".join(re.findall(r"kernel check ok: .*", log))
    from mixnb.testing import kernel_names
    missing = [k for k in kernel_names() if k not in checked]
    assert not missing, f"Triton kernels with no interpreter check in any notebook: {missing}"


def _strip_for_nbval(nb: dict) -> dict:
    "An output-cleared copy of a notebook without the cells flagged slow or gpu, which nbval cannot skip by itself."
    def flagged(cell):
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        heads = [l.strip() for l in src.splitlines() if l.strip().startswith("#|")]
        return any(re.fullmatch(rf"#\|\s*({'|'.join(SKIP_FLAGS)})\b.*", h) or re.fullmatch(r"#\|\s*eval:\s*false", h) for h in heads)
    cells = []
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            if flagged(c): continue
            c = {**c, "outputs": [], "execution_count": None}
        cells.append(c)
    meta = {**nb.get("metadata", {}), "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {**nb, "cells": cells, "metadata": meta}


def test_nbval_runs_every_notebook():
    # nbval rejects notebooks as nbdev_clean leaves them (outputs kept, execution counts removed), so it runs
    # output-cleared copies in .nbval/, a git-ignored folder at the same depth as nbs/ so relative paths still hold.
    out = ROOT / ".nbval"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.ipynb"): old.unlink()
    for nb in NOTEBOOKS:
        (out / nb.name).write_text(json.dumps(_strip_for_nbval(json.loads(nb.read_text()))))
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])  # the kernel starts in .nbval/
    r = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
             "--rootdir", out, out], env=env, timeout=2700)
    assert r.returncode == 0, "nbval found a failing cell (log above)"
