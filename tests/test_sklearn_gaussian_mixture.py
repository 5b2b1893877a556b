"""scikit-learn's own `GaussianMixture` tests, run against `mixnb.GaussianMixture` as a drop-in replacement.

The test file is read from the installed scikit-learn (or, where its tests were not installed, from the sdist of the
same version, downloaded once from PyPI into tests/artifacts/). Its `from sklearn.mixture import GaussianMixture` is
swapped for `from mixnb import GaussianMixture`; every other import stays. Tests of scikit-learn's private functions
(the names it imports from `sklearn.mixture._gaussian_mixture`, and the helpers and tests that use them) are left out,
since mixnb has no such functions. The rest runs under pytest in a subprocess, and every test must pass except the
ones listed in `WORDING_ONLY`, which fail only because an error message is worded differently.
"""
import ast
import importlib.util
import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

sklearn = pytest.importorskip("sklearn")

HERE = Path(__file__).parent
WORK = HERE / "artifacts" / "sklearn_gaussian_mixture"     # git-ignored
TEST_FILE = "sklearn/mixture/tests/test_gaussian_mixture.py"
PRIVATE_MODULES = ("sklearn.mixture._gaussian_mixture", "sklearn.utils._array_api")

# test name -> why it fails; each must fail, and only on the wording of an error message
WORDING_ONLY = {
    "test_check_weights": "expects 'should be in the range [0, 1], but got max value <the minimum>, min value <the maximum>' "
                          "(scikit-learn's message swaps the two); mixnb says 'weights_init must lie in [0, 1]; got min ..., max ...'",
}


def sklearn_test_source() -> str:
    "The text of scikit-learn's test_gaussian_mixture.py: from the installed package, else from its sdist on PyPI."
    for loc in importlib.util.find_spec("sklearn").submodule_search_locations:
        p = Path(loc).parent / TEST_FILE
        if p.exists(): return p.read_text()
    sdist_dir = WORK / f"sdist-{sklearn.__version__}"
    if not any(sdist_dir.glob("*.tar.gz")):
        sdist_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--dest", str(sdist_dir),
                        f"scikit-learn=={sklearn.__version__}"], check=True, capture_output=True)
    with tarfile.open(next(sdist_dir.glob("*.tar.gz"))) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(TEST_FILE))
        return tar.extractfile(member).read().decode()


def _mentions(node, names: set) -> bool:
    "Whether `node` uses one of `names`, imports from a private module, or names one in a string (mock.patch)."
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id in names: return True
        if isinstance(n, ast.ImportFrom) and n.module in PRIVATE_MODULES: return True
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and any(m in n.value for m in PRIVATE_MODULES): return True
    return False


def on_mixnb(source: str):
    "scikit-learn's tests with mixnb's GaussianMixture swapped in and the private-function tests left out: (source, left out)."
    tree = ast.parse(source)
    private, body = set(), []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module in PRIVATE_MODULES:
            private |= {a.asname or a.name for a in node.names}
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "sklearn.mixture" and [a.name for a in node.names] == ["GaussianMixture"]:
            node = ast.ImportFrom(module="mixnb", names=node.names, level=0)
        body.append(node)
    left_out, changed = [], True
    while changed:                                        # helpers that use private functions take their callers with them
        changed = False
        for node in list(body):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and _mentions(node, private):
                body.remove(node); private.add(node.name); left_out.append(node.name); changed = True
    tree.body = body
    return ast.unparse(ast.fix_missing_locations(tree)), sorted(n for n in left_out if n.startswith("test_"))


CONFTEST = '''import os, numpy as np, pytest
@pytest.fixture(params=[np.float32, np.float64])        # scikit-learn's global_dtype, with its float32 tests switched on
def global_dtype(request): yield request.param
def pytest_generate_tests(metafunc):                      # scikit-learn's default global_random_seed
    if "global_random_seed" in metafunc.fixturenames: metafunc.parametrize("global_random_seed", [42])
'''


def run_suite():
    "Write the swapped test file, run it under pytest, and return ({test id: outcome}, {test id: message}, left out)."
    source, left_out = on_mixnb(sklearn_test_source())
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "test_gaussian_mixture_on_mixnb.py").write_text(source)
    (WORK / "conftest.py").write_text(CONFTEST)
    report = WORK / "report.xml"
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
           "PYTHONPATH": os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--rootdir", str(WORK),
                    f"--junitxml={report}", str(WORK / "test_gaussian_mixture_on_mixnb.py")], cwd=WORK, env=env, capture_output=True)
    outcomes, messages = {}, {}
    for case in ET.parse(report).getroot().iter("testcase"):
        bad = [c for c in case if c.tag in ("failure", "error", "skipped")]
        outcomes[case.get("name")] = bad[0].tag if bad else "passed"
        if bad: messages[case.get("name")] = (bad[0].get("message") or "") + "\n" + (bad[0].text or "")
    return outcomes, messages, left_out


def test_sklearn_gaussian_mixture_suite():
    outcomes, messages, left_out = run_suite()
    counts = {k: sum(v == k for v in outcomes.values()) for k in ("passed", "failure", "error", "skipped")}
    print(f"scikit-learn {sklearn.__version__}'s GaussianMixture tests on mixnb: {counts}; left out (private functions): {left_out}")
    assert counts["passed"] > 0 and counts["error"] == 0, {k: messages[k][:2000] for k, v in outcomes.items() if v == "error"}
    failed = {k for k, v in outcomes.items() if v == "failure"}
    unexpected = {k for k in failed if k.split("[")[0] not in WORDING_ONLY}
    assert not unexpected, {k: messages[k][-3000:] for k in sorted(unexpected)}
    for name in WORDING_ONLY:                             # the list stays honest: each one fails, on a message's wording
        runs = [k for k in outcomes if k.split("[")[0] == name]
        assert runs and all(k in failed and "Regex pattern did not match" in messages[k] for k in runs), (name, runs)
