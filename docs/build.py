#!/usr/bin/env python
"""Build the offline docs site from the notebooks in `nbs/`.

    python docs/build.py [--out DIR]      # default DIR: _site/ at the repo root

Steps:

1. Every `nbs/*.ipynb` is processed, each in its own Python process (in parallel), with nbdev's
   notebook processors (`nbdev.processors`): `#| hide` cells are dropped, `#| export` cells are shown,
   directive lines are stripped, `show_doc(...)` cells become Markdown API docs. The notebook is
   executed top to bottom with execnb's `CaptureShell` (cells flagged with a test flag such as
   `#| slow` or `#| gpu`, or `#| eval: false`, are shown but not run). A cell that raises fails the
   build with the notebook's name and the cell. nbdev's own `nbdev_docs`/`nbdev_proc_nbs` are not
   used: they want Quarto.
2. The processed notebooks and README.md (as `index.md`) are rendered by MkDocs with
   mkdocs-material and mkdocs-jupyter, from the settings in `docs/mkdocs.yml`.
3. MathJax is copied from the `jupyter_server_mathjax` package into the site (`assets/mathjax/`),
   so nothing is fetched from the network, neither at build time nor when the site is read.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
MARKER = ".mixnb-docs"  # written into every built site: --out refuses to wipe a folder without it
SKIP_FLAGS = {"slow", "gpu"}  # always skipped, on top of settings.ini's tst_flags
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe,local/offline"  # combined config jupyter_server_mathjax ships + ours


class BuildError(Exception):
    pass


# --------------------------------------------------------------------------------------------------
# 1. one notebook, in a worker process:  build.py --proc-nb SRC DST
# --------------------------------------------------------------------------------------------------

_re_quarto = re.compile(r"^\s*#\s*\|\s*([\w-]+)\s*:\s*(.*?)\s*$")


def _quarto_opts(cell) -> dict:
    "Pop the Quarto-style `#| key: value` lines nbdev leaves at the top of a code cell; return them."
    lines = cell.source.splitlines(True)
    opts, i = {}, 0
    while i < len(lines):
        m = _re_quarto.match(lines[i])
        if not m: break
        opts[m.group(1)] = m.group(2).strip("'\"").lower()
        i += 1
    cell.source = "".join(lines[i:]).strip("\n")
    return opts


def _md_of(outputs) -> str:
    "The Markdown (or plain text, fenced) that `output: asis` outputs such as `show_doc` carry."
    parts = []
    for o in outputs:
        data = o.get("data", {})
        if "text/markdown" in data: parts.append("".join(data["text/markdown"]))
        elif "text/plain" in data: parts.append("```\n" + "".join(data["text/plain"]) + "\n```")
        elif o.get("output_type") == "stream": parts.append("```\n" + "".join(o.get("text", "")) + "\n```")
    md = "\n\n".join(p.strip() for p in parts if p.strip())
    # Quarto link attributes, as in show_doc's `[source](url){target="_blank" style=...}`: plain HTML instead
    return _re_attr_link.sub(lambda m: f'<a href="{m.group(2)}" {m.group(3).strip()}>{m.group(1)}</a>', md)


_re_attr_link = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)\{([^}]*)\}")


def proc_nb(src: Path, dst: Path) -> dict:
    "Process and execute the notebook `src`, write the result to `dst`; return its title and the names it documents."
    from execnb.nbio import mk_cell, read_nb, write_nb
    from execnb.shell import CaptureShell, format_exc
    from fastcore.basics import str2bool
    from nbdev.config import get_config
    from nbdev.frontmatter import FrontmatterProc
    from nbdev.process import NBProcessor, Processor
    from nbdev import processors as P

    cfg = get_config()
    skip_flags = SKIP_FLAGS | set(cfg.get("tst_flags", "").split())
    nb_name = src.relative_to(REPO) if src.is_relative_to(REPO) else src

    class exec_cells(Processor):
        "Run every code cell (nbdev's `exec_show_docs` runs only those `show_doc` needs), skipping flagged ones."
        def begin(self):
            fm = getattr(self.nb, "frontmatter_", {})
            self.only_docs = str2bool(fm.get("skip_exec", False))  # as nbdev_test: don't run it, but do render its API docs
            self.k = CaptureShell(path=src)
            self.k.run_cell("from nbdev.showdoc import show_doc")

        def __call__(self, cell):
            if cell.cell_type != "code" or not cell.source: return
            d = cell.directives_
            if d.keys() & skip_flags: return
            if d.get("eval:", [""])[0].lower() == "false": return
            if self.only_docs and not P._do_eval(cell): return
            self.k.cell(cell)
            if self.k.exc is not None:
                exc = self.k.exc
                tb = "".join(format_exc(exc))
                where = f"cell {cell.get('src_idx_', '?')} (counting every cell from 0)"
                raise BuildError(f"notebook {nb_name} failed to execute: {type(exc).__name__}: {exc}\n"
                                 f"--- in {where}:\n{cell.source}\n--- traceback:\n{tb}")

    class show_export(Processor):
        "Show the source of `export`/`exporti` cells (nbdev hides it), after the API docs nbdev adds for them."
        def begin(self):
            cells, out, i = self.nb.cells, [], 0
            while i < len(cells):
                c, j = cells[i], i + 1
                if c.cell_type == "code" and {"export", "exporti"} & c.directives_.keys():
                    while j < len(cells) and getattr(cells[j], "has_sd", False): j += 1
                    out += cells[i + 1:j] + [c]   # the show_doc cells nbdev added for it first, then the source
                else: out.append(c)
                i = j
            self.nb.cells = out

    def rm_hidden(cell):
        "Remove `hide` and `default_exp` cells (nbdev's `rm_export` would also remove `export` cells)."
        if cell.directives_ and (cell.directives_.keys() & {"hide", "default_exp"}): del cell["source"]

    procs = [FrontmatterProc, P.populate_language, P.add_show_docs, P.strip_ansi, P.hide_line,
             P.filter_stream_, P.rm_header_dash, P.clean_show_doc, exec_cells, show_export, rm_hidden,
             P.ai_magics, P.clean_magics, P.hide_, P.strip_hidden_metadata]
    nb = read_nb(src)
    for i, c in enumerate(nb.cells): c["src_idx_"] = i  # to name a failing cell as the notebook numbers it
    NBProcessor(nb=nb, procs=procs).process()

    # Quarto features -> plain notebook: front matter -> H1 cell, `output: asis` -> Markdown cells, etc.
    fm = getattr(nb, "frontmatter_", {}) or {}
    title = str(fm.get("title") or src.stem)
    cells, documented = [], []
    head = f"# {title}"
    if fm.get("description"): head += f"\n\n> {fm['description']}"
    cells.append(mk_cell(head, "markdown"))
    for cell in nb.cells:
        if cell.cell_type == "raw": continue  # nbdev's YAML front matter, already used above
        if cell.cell_type != "code":
            cells.append(cell); continue
        opts = _quarto_opts(cell)
        if opts.get("include") == "false": continue
        outputs = cell.get("outputs", [])
        if opts.get("output") == "false": outputs = []
        hide_input = opts.get("echo") == "false" or not cell.source.strip()
        if opts.get("output") == "asis":
            md = _md_of(outputs)
            if "show_doc" in cell.source: documented += re.findall(r"^#{2,4}\s+(\S+)\s*$", md, flags=re.M)
            if not hide_input:
                cell.outputs = []
                cells.append(cell)
            if md: cells.append(mk_cell(md, "markdown"))
            continue
        if hide_input and not outputs: continue
        cell.outputs = outputs
        if hide_input: cell.metadata["tags"] = list(cell.metadata.get("tags", [])) + ["remove_input"]
        cells.append(cell)
    for c in cells:  # drop nbdev's private bookkeeping before writing
        for k in ("directives_", "idx_", "has_sd", "src_idx_"): c.pop(k, None)
        if c.cell_type != "code": c.pop("execution_count", None)
    nb.cells = cells
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    write_nb(nb, dst)
    return {"title": title, "documented": documented}


def _worker_main(src: str, dst: str, res: str):
    os.chdir(Path(src).parent)  # run the notebook where Jupyter would: in its own folder
    sys.path.insert(0, str(REPO))  # import the package from this checkout even if it isn't installed
    try: out = proc_nb(Path(src), Path(dst))
    except BuildError as e:
        print(str(e), file=sys.stderr); sys.exit(2)
    Path(res).write_text(json.dumps(out))


# --------------------------------------------------------------------------------------------------
# 2. links: `name` in backticks -> this site's API docs (nbdev's add_links points at doc_host)
# --------------------------------------------------------------------------------------------------

def _slug(s: str) -> str:
    "The heading id mkdocs-jupyter gives a heading with text `s`."
    from mkdocs_jupyter.utils import slugify
    from nbconvert.filters.strings import _convert_header_id
    return _convert_header_id(slugify(s))


def linkify(nbs: dict, pages: dict, documented: dict):
    "Link backticked names to their API docs in this site, as nbdev's `add_links` does for the published site."
    from execnb.nbio import read_nb, write_nb
    from nbdev.config import get_config
    from nbdev.doclinks import NbdevLookup
    from urllib.parse import urljoin

    cfg = get_config()
    nbbase = urljoin(cfg.doc_host + "/", cfg.doc_baseurl).rstrip("/") + "/"

    # this project's symbols straight from its _modidx.py: the `nbdev` entry point exists only once it is pip-installed
    own = {}
    idx = runpy.run_path(str(REPO / cfg.lib_path / "_modidx.py"))["d"] if (REPO / cfg.lib_path / "_modidx.py").exists() else {}
    for mod, syms in idx.get("syms", {}).items():
        for k, v in syms.items():
            url = nbbase + (v[0] if isinstance(v, (tuple, list)) else v)
            own[k] = url
            own.setdefault(k[len(mod) + 1:] if k.startswith(mod + ".") else k, url)

    class LocalLookup(NbdevLookup):
        def _link_sym(self, m):
            name = m.group(1)
            url = own.get(name) or self.doc(name)
            if url is None: return m.group(0)
            if url.startswith(nbbase):  # this project: link into this site, only to headings that exist
                page, _, anchor = url[len(nbbase):].partition("#")
                stem = pages.get(page)
                if stem is None or anchor.lower() not in documented.get(stem, set()): return m.group(0)
                url = f"{stem}.html#{_slug(anchor)}"
            name = name.replace("\\", r"\\")
            if m.group(0).endswith("()`"): name += "()"
            return rf"[`{name}`]({url})"

    lookup = LocalLookup()
    for path in nbs.values():
        nb = read_nb(path)
        for c in nb.cells:
            if c.cell_type == "markdown": c.source = lookup.linkify(c.source)
        write_nb(nb, path)


def readme_md(readme: Path, stems: set, dest: Path | None = None) -> str:
    """README.md as the home page: links to notebooks point at their pages, images in the repo are copied
    into `dest` (the docs folder), links to other repo files point at the repo's web page."""
    from nbdev.config import get_config
    cfg = get_config()
    text = readme.read_text(encoding="utf-8")

    def fix(m):
        target = m.group(2)
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", target, flags=re.I): return m.group(0)
        path, _, anchor = target.partition("#")
        p = Path(path)
        if p.suffix == ".ipynb" and p.stem in stems: new = f"{p.stem}.ipynb"  # MkDocs turns it into the page's URL
        elif m.group(1).startswith("!") and (readme.parent / p).is_file() and dest is not None:
            (dest / p).parent.mkdir(parents=True, exist_ok=True)  # an image: ship it with the site
            shutil.copy2(readme.parent / p, dest / p)
            new = path
        else: new = f"{cfg.git_url.rstrip('/')}/blob/{cfg.get('branch', 'main')}/{path}"
        return f"{m.group(1)}({new}{'#' + anchor if anchor else ''})"

    return re.sub(r"(!?\[[^\]]*\])\(([^)\s]+)\)", fix, text)


# --------------------------------------------------------------------------------------------------
# 3. the site
# --------------------------------------------------------------------------------------------------

def _check_out(out: Path):
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise BuildError(f"{out} exists, is not empty and is not a docs build (no {MARKER}): refusing to overwrite it")


def process_all(nb_paths, src_dir: Path, jobs: int, timeout: float):
    "Process every notebook in its own process; return {stem: result}. Raise BuildError naming every failure."
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}  # no Triton interpreter for the docs
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.setdefault("MPLBACKEND", "agg")
    env.setdefault("OMP_NUM_THREADS", "1")  # one torch thread per notebook: the notebooks run side by side
    pending, running, results, failures = list(nb_paths), {}, {}, []
    while pending or running:
        while pending and len(running) < jobs:
            nb = pending.pop(0)
            res, log = src_dir / f".{nb.stem}.json", src_dir / f".{nb.stem}.log"
            fh = open(log, "w")
            cmd = [sys.executable, str(Path(__file__).resolve()), "--proc-nb", str(nb), str(src_dir / nb.name), str(res)]
            running[nb] = (subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env), time.time(), res, log, fh)
        time.sleep(0.05)
        for nb, (p, t0, res, log, fh) in list(running.items()):
            if p.poll() is None and time.time() - t0 < timeout: continue
            timed_out = p.poll() is None
            if timed_out: p.kill(); p.wait()
            fh.close()
            del running[nb]
            if timed_out:
                failures.append(f"notebook {nb.relative_to(REPO)} took more than {timeout:.0f}s to execute (--timeout)")
            elif p.returncode == 0 and res.exists():
                results[nb.stem] = json.loads(res.read_text())
            else:
                msg = log.read_text(errors="replace").strip()
                if not msg.startswith("notebook "): msg = f"notebook {nb.relative_to(REPO)} failed to process:\n{msg}"
                failures.append(msg)
            print(f"  {nb.relative_to(REPO)}: {'ok' if nb.stem in results else 'FAILED'} ({time.time() - t0:.1f}s)", flush=True)
    if failures: raise BuildError("\n\n".join(failures))
    return results


def mkdocs_config(template: Path, docs_dir: Path, site_dir: Path, nav: list) -> dict:
    import yaml
    from nbdev.config import get_config
    cfg = get_config()
    conf = yaml.safe_load(template.read_text(encoding="utf-8")) or {}
    conf.setdefault("site_name", cfg.get("title", cfg.get("lib_name", "docs")))
    conf.setdefault("site_description", cfg.get("description", ""))
    conf.setdefault("copyright", f"© {cfg.get('copyright', '')}".strip())
    conf.update(docs_dir=str(docs_dir), site_dir=str(site_dir), nav=nav, use_directory_urls=False)
    mathjax = f"assets/mathjax/MathJax.js?config={MATHJAX_CONFIG}"
    plugins = []
    for p in conf.get("plugins", []):
        if p == "mkdocs-jupyter" or (isinstance(p, dict) and "mkdocs-jupyter" in p):
            opts = dict(p["mkdocs-jupyter"] or {}) if isinstance(p, dict) else {}
            opts["custom_mathjax_url"] = mathjax  # all pages sit at the site's root, so this relative URL works
            opts["cache"] = False  # its cache lives in the current folder; every build is fresh anyway
            p = {"mkdocs-jupyter": opts}
        plugins.append(p)
    conf["plugins"] = plugins
    return conf


def build(out: Path, jobs: int, timeout: float, strict: bool = True, nbs_glob: str = "nbs/*.ipynb"):
    import yaml
    t0 = time.time()
    out = out.resolve()
    _check_out(out)
    nb_paths = sorted(REPO.glob(nbs_glob))
    if not nb_paths: raise BuildError(f"no notebooks match {nbs_glob}")
    import jupyter_server_mathjax
    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (mathjax / "MathJax.js").exists(): raise BuildError(f"no MathJax.js in {mathjax}")

    with tempfile.TemporaryDirectory(prefix="mixnb-docs-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        print(f"Processing and executing {len(nb_paths)} notebook(s)...", flush=True)
        results = process_all(nb_paths, src, jobs, timeout)
        nbs = {p.stem: src / p.name for p in nb_paths}
        from nbdev.doclinks import _nbpath2html
        pages = {_nbpath2html(Path(p.name)).name: p.stem for p in nb_paths}  # nbdev's page name -> ours
        linkify(nbs, pages, {s: {d.lower() for d in r["documented"]} for s, r in results.items()})
        for f in src.glob(".*"): f.unlink()

        (src / "index.md").write_text(readme_md(REPO / "README.md", set(nbs), src), encoding="utf-8")
        for f in DOCS.iterdir():  # small static assets kept next to mkdocs.yml
            if f.is_file() and f.suffix in (".css", ".svg", ".png", ".ico"): shutil.copy2(f, src / f.name)
        nav = [{"Home": "index.md"}] + [{results[p.stem]["title"]: p.name} for p in nb_paths]
        conf = mkdocs_config(DOCS / "mkdocs.yml", src, out, nav)
        cfg_path = Path(tmp) / "mkdocs.yml"
        cfg_path.write_text(yaml.safe_dump(conf, sort_keys=False), encoding="utf-8")

        print("Rendering the site with MkDocs...", flush=True)
        cmd = [sys.executable, "-m", "mkdocs", "build", "--clean", "-q", "-f", str(cfg_path)] + (["--strict"] if strict else [])
        r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        if r.returncode != 0: raise BuildError(f"mkdocs build failed:\n{r.stdout}\n{r.stderr}")
        if r.stderr.strip(): print(r.stderr.strip(), file=sys.stderr)

    shutil.copytree(mathjax, out / "assets" / "mathjax", dirs_exist_ok=True)
    # its fonts: jupyter_server_mathjax ships only STIX-Web, MathJax's default is TeX (see the file)
    (out / "assets" / "mathjax" / "config" / "local").mkdir(parents=True, exist_ok=True)
    shutil.copy2(DOCS / "mathjax-offline.js", out / "assets" / "mathjax" / "config" / "local" / "offline.js")
    (out / MARKER).write_text("built by docs/build.py\n")
    print(f"Site written to {out} in {time.time() - t0:.1f}s", flush=True)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO / "_site", help="where to write the site (default: _site/ at the repo root)")
    ap.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 8), help="notebooks processed at once")
    ap.add_argument("--timeout", type=float, default=600, help="seconds one notebook may take to execute")
    ap.add_argument("--nbs", default="nbs/*.ipynb", help="glob (from the repo root) of the notebooks to build: "
                    "all of them by default; fewer for a quick preview")
    ap.add_argument("--no-strict", action="store_true", help="don't turn MkDocs warnings into errors")
    ap.add_argument("--proc-nb", nargs=3, metavar=("SRC", "DST", "RESULT"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.proc_nb: return _worker_main(*a.proc_nb)
    os.chdir(REPO)  # nbdev finds settings.ini from here
    try: build(a.out, max(1, a.jobs), a.timeout, strict=not a.no_strict, nbs_glob=a.nbs)
    except BuildError as e:
        print(f"docs build FAILED:\n{e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
