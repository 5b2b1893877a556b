"""The package as a user gets it: `nbdev_export` reproduces mixnb/ exactly, and a wheel built with `pip wheel .`
installs into a clean virtual environment, without nbdev, where `import mixnb` and the `mixnb` command work."""
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def sh(*cmd, cwd=ROOT, timeout=900):
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{r.stdout[-5000:]}\n{r.stderr[-5000:]}"
    return r.stdout


def test_export_reproduces_the_package(tmp_path):
    # export from a copy of the notebooks and settings, and compare with the committed package
    for p in ("settings.ini", "nbs"): (shutil.copytree if (ROOT / p).is_dir() else shutil.copy)(ROOT / p, tmp_path / p)
    (tmp_path / "mixnb").mkdir()
    sh(BIN / "nbdev_export", cwd=tmp_path)
    made = {p.name: p.read_text() for p in (tmp_path / "mixnb").glob("*.py")}
    have = {p.name: p.read_text() for p in (ROOT / "mixnb").glob("*.py")}
    assert made.keys() == have.keys(), f"modules differ: {sorted(made.keys() ^ have.keys())}"
    stale = [n for n in made if made[n] != have[n]]
    assert not stale, f"mixnb/ is not what the notebooks export (run nbdev_export): {stale}"


def test_wheel_installs_and_imports_without_nbdev(tmp_path):
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", ROOT)
    wheel, = (tmp_path / "dist").glob("mixnb-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    # torch pinned to the CPU build that lies on disk: an unpinned torch would pull a multi-GB CUDA build
    sh(py, "-m", "pip", "install", "-q", wheel, "torch==2.13.0")
    out = sh(py, "-c", "import sys, mixnb, mixnb.core; from mixnb.core import logsumexp; import torch; "
                       "print(mixnb.__version__, float(logsumexp(torch.zeros(1, 4))), 'nbdev' in sys.modules)")
    version, lse, nbdev_loaded = out.split()
    assert abs(float(lse) - 1.3862943611198906) < 1e-6 and nbdev_loaded == "False"
    r = subprocess.run([py, "-m", "pip", "show", "nbdev"], capture_output=True, text=True)
    assert r.returncode != 0, "nbdev was installed as a dependency of the wheel"
    assert "usage" in sh(env_dir / "bin" / "mixnb", "--help").lower()
    assert "kernels" in sh(env_dir / "bin" / "mixnb", "info").lower()
