"""The package's shape: method modules share code only through the core, base and testing modules, `mixnb.core`
imports no method module, and a class is whole when its own module is imported."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = {"core", "base", "testing", "cases", "__init__", "_modidx"}   # modules every method may import from
TOOLS = {"bench", "bench_cases", "cli"}                                    # harnesses: they may reach into any module


def _imports(path: Path):
    "(module, name) for every `from mixnb.X import name` / `from .X import name` in a file."
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            mod = node.module.removeprefix("mixnb.") if node.module.startswith("mixnb.") else node.module if node.level else None
            if mod and (node.level or node.module.startswith("mixnb.")):
                for a in node.names: yield mod, a.name


def test_no_method_module_imports_another_ones_private_names():
    bad = []
    for f in sorted((ROOT / "mixnb").glob("*.py")):
        if f.stem in SHARED | TOOLS: continue
        for mod, name in _imports(f):
            if mod not in SHARED and mod != f.stem and name.startswith("_"):
                bad.append(f"{f.name}: from {mod} import {name}")
    assert not bad, "method modules importing private names of other method modules:\n" + "\n".join(bad)


def _python(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_core_imports_no_method_module():
    out = _python("import mixnb.core, sys; print(sorted(m for m in sys.modules if m.startswith('mixnb')))")
    assert set(eval(out)) <= {"mixnb", "mixnb.core"}, out


def test_gaussian_mixture_is_whole_from_its_own_module():
    out = _python("import sys; from mixnb.gmm import GaussianMixture as G; "
                  "print(hasattr(G, 'partial_fit'), hasattr(G, 'fit_chunks'), 'mixnb.gmm_streaming' in sys.modules)")
    assert out.split()[:2] == ["True", "True"], out


def test_package_docstring():
    import mixnb
    assert mixnb.__doc__ and "mixture" in mixnb.__doc__
