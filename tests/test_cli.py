"""The `mixnb` command from a shell: help, info, a fit on iris, predict/score round trip, and exit codes on bad input."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent


def mixnb(*args, cwd=None):
    "Run the installed `mixnb` script if there is one beside this Python, else `python -m mixnb.cli`."
    exe = shutil.which("mixnb", path=str(Path(sys.executable).parent))
    cmd = [exe, *args] if exe else [sys.executable, "-m", "mixnb.cli", *args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), "MPLBACKEND": "Agg"}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or REPO, env=env, timeout=300)


def test_help():
    r = mixnb("--help")
    assert r.returncode == 0 and "fit" in r.stdout and "predict" in r.stdout and "bench" in r.stdout


def test_info():
    r = mixnb("info")
    assert r.returncode == 0, r.stderr
    for word in ("mixnb", "torch", "numpy", "device", "Triton kernels", "core._lse_fwd_kernel"):
        assert word in r.stdout, word


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit") / "iris"
    r = mixnb("fit", "iris", "--model", "gmm", "-k", "3", "--covariance-type", "full", "--seed", "0", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_fit_writes_everything(fitted):
    assert {p.name for p in fitted.iterdir()} == {"model", "labels.csv", "figure.png", "summary.json"}
    s = json.loads((fitted / "summary.json").read_text())
    assert (s["n_samples"], s["n_features"], s["model"]) == (150, 4, "gmm")
    for key in ("avg_log_likelihood", "bic", "aic", "converged", "n_iter", "fit_seconds", "params"):
        assert key in s, key
    assert (fitted / "figure.png").read_bytes()[:4] == b"\x89PNG"
    assert np.loadtxt(fitted / "labels.csv", skiprows=1).shape == (150,)


def test_predict_score_round_trip(fitted, tmp_path):
    r = mixnb("predict", str(fitted), "iris", "--out", str(tmp_path / "p.npy"))
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(tmp_path / "p.npy"), np.loadtxt(fitted / "labels.csv", skiprows=1))
    r = mixnb("score", str(fitted / "model"), "iris")
    assert r.returncode == 0, r.stderr
    s = json.loads((fitted / "summary.json").read_text())
    assert float(r.stdout) == pytest.approx(s["avg_log_likelihood"], rel=1e-6)


@pytest.mark.parametrize("args, msg", [
    (["fit", "missing.csv", "-k", "2"], "does not exist"),
    (["fit", "no-such-data-set", "-k", "2"], "neither a data file"),
    (["fit", "text.csv", "-k", "2"], "not numeric"),
    (["fit", "nan.csv", "-k", "2"], "NaN"),
    (["fit", "iris", "-k", "0"], "at least 1"),
    (["fit", "iris", "-k", "3", "--model", "nope"], "invalid choice"),
    (["predict", "no-model-here", "iris"], "does not exist"),
    (["bogus"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, args, msg):
    (tmp_path / "text.csv").write_text("a,b\n1,x\n2,y\n")
    (tmp_path / "nan.csv").write_text("a,b\n1,2\nnan,3\n")
    if args[0] == "fit": args = [*args, "--out", str(tmp_path / "out")]
    r = mixnb(*args, cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.startswith("mixnb: error:") and r.stderr.count("\n") == 1 and msg in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "out").exists()


def test_refuses_to_overwrite(fitted):
    before = (fitted / "summary.json").read_text()
    r = mixnb("fit", "iris", "-k", "2", "--out", str(fitted))
    assert r.returncode == 2 and "--force" in r.stderr
    assert (fitted / "summary.json").read_text() == before
