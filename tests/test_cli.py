"""The `mixnb` command from a shell: help, info, a fit/predict/score round trip for every model, and one line on stderr with exit code 2 for each kind of bad input."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))                      # in-process checks import this checkout's package too
MODELS = ["gmm", "gmm-missing", "squared", "moe-regressor", "moe-classifier"]


def mixnb(*args, cwd=None):
    "Run the installed `mixnb` console script if there is one beside this Python, else `python -m mixnb.cli`; this checkout's package first."
    exe = shutil.which("mixnb", path=str(Path(sys.executable).parent))
    cmd = [exe, *args] if exe else [sys.executable, "-m", "mixnb.cli", *args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or REPO, env=env, timeout=300)


def test_help():
    r = mixnb("--help")
    assert r.returncode == 0 and "fit" in r.stdout and "predict" in r.stdout and "bench" in r.stdout


def test_info_runs_this_checkout_and_lists_the_models():
    r = mixnb("info")
    assert r.returncode == 0, r.stderr
    assert f"({REPO / 'mixnb'})" in r.stdout, r.stdout.splitlines()[0]
    for word in ("torch", "numpy", "device", "Triton kernels", "core._lse_fwd_kernel", *(f"  {m} " for m in MODELS)):
        assert word in r.stdout, word


def test_available_models():
    import mixnb.cli
    from mixnb.cli import available_models, model_class
    assert Path(mixnb.cli.__file__).parent == REPO / "mixnb"
    assert available_models() == MODELS
    assert [model_class(m).__name__ for m in MODELS] == ["GaussianMixture", "GaussianMixtureMissing", "SquaredMixture",
                                                         "MixtureOfExpertsRegressor", "MixtureOfExpertsClassifier"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    "Small CSV files: iris with its species column, iris with a tenth of its entries blank, and a two-regime regression."
    d = tmp_path_factory.mktemp("data")
    from sklearn.datasets import load_iris
    iris = load_iris()
    rng = np.random.default_rng(0)
    head = "a,b,c,d"
    rows = [",".join(map(str, x)) + f",{iris.target_names[t]}" for x, t in zip(iris.data, iris.target)]
    (d / "iris.csv").write_text(f"{head},species\n" + "\n".join(rows) + "\n")
    blank = np.where(rng.random(iris.data.shape) < 0.1, np.nan, iris.data)
    (d / "gaps.csv").write_text(f"{head}\n" + "\n".join(",".join("" if np.isnan(v) else str(v) for v in x) for x in blank) + "\n")
    x = rng.uniform(-1, 1, size=(200, 2))
    y = np.where(x[:, 0] > 0, 3 * x[:, 0], -2 * x[:, 0] + 1) + 0.1 * rng.normal(size=200)
    np.savetxt(d / "regimes.csv", np.c_[x, y], delimiter=",", header="x,z,y", comments="")
    (d / "numbers.csv").write_text(f"{head}\n" + "\n".join(",".join(map(str, x)) for x in iris.data) + "\n")
    return d


# model -> (data file, options of `fit`, the target's arguments for predict/score, a summary check)
CASES = {
    "gmm": ("numbers.csv", ["-k", "3", "--covariance-type", "diag", "--max-iter", "50"], [],
            lambda s: len(s["weights"]) == 3 and s["bic"] > 0 and sum(s["samples_per_component"]) == 150),
    "gmm-missing": ("gaps.csv", ["-k", "2", "--max-iter", "30"], [], lambda s: s["missing_values"] > 0 and len(s["weights"]) == 2),
    "squared": ("numbers.csv", ["-k", "2", "--epochs", "5", "--batch-size", "64"], [], lambda s: len(s["weights"]) == 2 and s["n_epochs"] <= 5),
    "moe-regressor": ("regimes.csv", ["-k", "2", "--target", "y", "--n-init", "2", "--max-iter", "100"], ["--target", "y"],
                      lambda s: s["r2"] > 0.9 and s["rmse"] > 0 and s["features"] == ["x", "z"]),
    "moe-classifier": ("iris.csv", ["-k", "2", "--target", "4", "--n-init", "1", "--max-iter", "100"], ["--target", "species"],
                       lambda s: s["accuracy"] > 0.9 and s["classes"] == ["setosa", "versicolor", "virginica"]),
}


@pytest.mark.parametrize("model", MODELS)
def test_fit_predict_score(data, tmp_path, model):
    file, options, target, check = CASES[model]
    out = tmp_path / "run"
    r = mixnb("fit", str(data / file), "--model", model, *options, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{model}: ") and "wrote" in r.stdout
    assert {p.name for p in out.iterdir()} == {"model", "predictions.csv", "figure.png", "summary.json"}
    assert (out / "figure.png").read_bytes()[:4] == b"\x89PNG"
    s = json.loads((out / "summary.json").read_text())
    assert s["model"] == model and s["n_samples"] == len((data / file).read_text().splitlines()) - 1 and check(s), s
    r = mixnb("predict", str(out), str(data / file), *target, "--out", str(tmp_path / "p.csv"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "p.csv").read_text() == (out / "predictions.csv").read_text()
    r = mixnb("score", str(out / "model"), str(data / file), *target)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(s["avg_log_likelihood"], rel=1e-6)


@pytest.mark.parametrize("args, msg", [
    (["fit", "DATA/regimes.csv", "--model", "moe-regressor", "-k", "2", "--target", "w"], ["no column 'w'", "x, z, y"]),
    (["fit", "DATA/iris.csv", "-k", "2"], ["column 'species'", "is text"]),
    (["fit", "DATA/gaps.csv", "--model", "gmm", "-k", "2"], ["missing (NaN)", "gmm does not take them", "--model gmm-missing"]),
    (["fit", "iris", "-k", "151"], ["-k 151", "150 rows"]),
    (["fit", "iris", "--model", "hmm", "-k", "3"], ["unknown model 'hmm'", ", ".join(MODELS)]),
    (["fit", "DATA/iris.csv", "--model", "squared", "-k", "2", "--target", "species"], ["squared takes no target", "moe-regressor, moe-classifier"]),
    (["score", "DATA", "iris"], ["not a saved mixnb model", "mixnb fit --out"]),
    (["fit", "DATA/missing.csv", "-k", "2"], ["does not exist"]),
    (["bogus"], ["invalid choice"]),
])
def test_bad_input_exits_2_with_one_line(data, tmp_path, capsys, args, msg):
    "In-process through `main`, the console script's entry point (the subprocess test below checks the script itself)."
    from mixnb.cli import main
    args = [a.replace("DATA", str(data)) for a in args]
    if args[0] == "fit": args = [*args, "--out", str(tmp_path / "out")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("mixnb: error:") and err.count("\n") == 1 and all(m in err for m in msg), err
    assert not (tmp_path / "out").exists()


def test_script_refuses_to_overwrite(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    r = mixnb("fit", "iris", "-k", "2", "--out", str(tmp_path))
    assert r.returncode == 2 and r.stderr.startswith("mixnb: error: --out") and "--force" in r.stderr and r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr and [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
