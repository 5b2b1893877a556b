"""The offline docs site: build it with docs/build.py, open it in headless Chromium, check what a reader sees.

Needs Chromium (`apt-get install chromium`); without it these tests fail, they don't skip.
Screenshots go to tests/artifacts/ (git-ignored): home.png, 00_core.png (its top)
and 00_core-api.png (its API section).
DOCS_NBS=GLOB (relative to the repo root) builds only some notebooks, for a quicker local run.
"""
from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"
NBS_GLOB = os.environ.get("DOCS_NBS", "nbs/*.ipynb")  # fewer notebooks, for a quick local run; CI builds all
NOTEBOOKS = sorted(REPO.glob(NBS_GLOB))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# MathJax's MathML output styles name its TeX web fonts for the hidden assistive MathML it adds next to each
# formula; jupyter_server_mathjax ships only the STIX-Web fonts the visible formulas use, so the browser asks
# for these and gets a 404, harmlessly (it falls back to a system font for MathML no one sees).
OPTIONAL_404 = re.compile(r"^/assets/mathjax/fonts/HTML-CSS/TeX/")


# ------------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def chromium():
    for c in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"):
        if c and shutil.which(c): return shutil.which(c)
    pytest.fail("headless Chromium not found at /usr/bin/chromium: install it with `apt-get install chromium` "
                "(Debian/Ubuntu; CI installs it), or point $CHROMIUM at a Chromium binary")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    "Build the site once for the whole session, into a temporary folder."
    out = tmp_path_factory.mktemp("docs") / "site"
    r = subprocess.run([sys.executable, str(REPO / "docs" / "build.py"), "--out", str(out), "--nbs", NBS_GLOB],
                       cwd=REPO, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"docs/build.py failed (exit {r.returncode}):\n{r.stdout[-5000:]}\n{r.stderr[-10000:]}"
    return out


FRAME = "/__test_frame_api.html"  # served by the test server only, not part of the site
FRAME_HTML = ('<!doctype html><html style="margin:0;overflow:hidden"><head><link rel="icon" href="data:,"></head><body style="margin:0">'
              '<iframe src="00_core.html#api" style="border:0;width:100vw;height:100vh"></iframe></body></html>')


class _Handler(http.server.SimpleHTTPRequestHandler):
    log = None  # set per server: list of (status, path)

    def do_GET(self):
        if urlsplit(self.path).path != FRAME: return super().do_GET()
        body = FRAME_HTML.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_request(self, code="-", size="-"):
        self.log.append((int(code) if str(code).isdigit() else code, urlsplit(self.path).path))

    def log_message(self, *args): pass


@pytest.fixture(scope="session")
def server(site):
    "Serve the site on a free loopback port; yields (base_url, request_log)."
    log = []
    handler = type("Handler", (_Handler,), {"log": log})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            lambda *a, **k: handler(*a, directory=str(site), **k))
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", log
    httpd.shutdown()
    httpd.server_close()


def _run_chromium(chromium, *args, timeout=180):
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        r = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                           capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"chromium {' '.join(args)} failed (exit {r.returncode}):\n{r.stderr[-3000:]}"
    return r.stdout


def dump_dom(chromium, url):
    "The DOM after scripts ran (MathJax included): --virtual-time-budget lets the page settle first."
    dom = _run_chromium(chromium, "--virtual-time-budget=15000", "--dump-dom", url)
    assert "<body" in dom, f"no DOM dumped for {url}"
    return dom


def screenshot(chromium, url, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTIFACTS / name
    png.unlink(missing_ok=True)
    _run_chromium(chromium, "--virtual-time-budget=15000", "--window-size=1280,2400", f"--screenshot={png}", url)
    assert png.exists() and png.stat().st_size > 10_000, f"no screenshot of {url} written to {png}"
    return png


@pytest.fixture(scope="session")
def home(chromium, server):
    base, _ = server
    screenshot(chromium, f"{base}/index.html", "home.png")
    return dump_dom(chromium, f"{base}/index.html")


@pytest.fixture(scope="session")
def core(chromium, server):
    base, _ = server
    screenshot(chromium, f"{base}/00_core.html", "00_core.png")
    # a headless screenshot of `page#anchor` comes out blank: frame the scrolled page in a same-origin page
    screenshot(chromium, f"{base}{FRAME}", "00_core-api.png")
    return dump_dom(chromium, f"{base}/00_core.html")


# ------------------------------------------------------------------------------------------- HTML helpers

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_NOT_TEXT = {"script", "style", "noscript", "template", "head", "svg", "math"}
_HIDDEN_CLASSES = {"clipboard-copy-txt", "MJX_Assistive_MathML", "MathJax_Preview", "md-search"}


class _Page(HTMLParser):
    "Visible text (outside code and hidden helpers), all text, ids and link targets of an HTML page."
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.stack, self.visible, self.code_text, self.ids, self.links = [], [], [], set(), []
        self.feed(html)

    def _state(self):
        return self.stack[-1][1:] if self.stack else (False, False)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"): self.ids.add(a["id"])
        for k in ("href", "src"):
            if a.get(k) is not None: self.links.append((tag, a.get("rel", ""), a[k]))
        if tag in _VOID: return
        hidden, code = self._state()
        style = (a.get("style") or "").replace(" ", "")
        hidden = hidden or tag in _NOT_TEXT or "hidden" in a or "display:none" in style \
            or bool(_HIDDEN_CLASSES & set((a.get("class") or "").split()))
        self.stack.append((tag, hidden, code or tag in ("pre", "code")))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        hidden, code = self._state()
        if hidden: return
        (self.code_text if code else self.visible).append(data)

    @property
    def text(self): return re.sub(r"\s+", " ", "".join(self.visible))

    @property
    def all_text(self): return re.sub(r"\s+", " ", "".join(self.visible) + " " + "".join(self.code_text))


def _is_local(url):
    s = urlsplit(url)
    return not (s.scheme or s.netloc or url.startswith("#") or url.startswith("//"))


# ------------------------------------------------------------------------------------------- tests

def test_every_notebook_has_a_page(site):
    assert (site / "index.html").exists()
    missing = [nb.name for nb in NOTEBOOKS if not (site / f"{nb.stem}.html").exists()]
    assert not missing, f"no page built for {missing}"
    assert (site / "assets" / "mathjax" / "MathJax.js").exists(), "MathJax not copied into the site"


def test_home_page(home, site):
    page = _Page(home)
    readme_title = re.search(r"^#\s+(.+)$", (REPO / "README.md").read_text(), flags=re.M).group(1).strip()
    assert readme_title in page.text, "the home page does not show README.md"
    nav_targets = {urlsplit(u).path for tag, _, u in page.links if tag == "a" and _is_local(u)}
    missing = [nb.stem for nb in NOTEBOOKS if f"{nb.stem}.html" not in nav_targets]
    assert not missing, f"the home page's navigation has no link to {missing}"


def test_math_is_typeset(core):
    page = _Page(core)
    typeset = len(re.findall(r'<mjx-container|class="MathJax(?:_CHTML|_SVG|_Display)?[ "]', core))
    assert typeset >= 10, f"MathJax did not typeset the math on 00_core.html ({typeset} typeset elements)"
    errors = len(re.findall(r'class="MathJax_Error"', core))
    assert not errors and "Math Processing Error" not in page.text, f"MathJax failed on {errors} formula(s)"
    assert "$$" not in page.text, "raw $$ left in the visible text: display math not typeset"
    raw = re.findall(r"\$[^$]{0,80}\\(?:sum|log|mathcal|frac|mu|Sigma|pi|ell)\b[^$]{0,80}\$", page.text)
    assert not raw, f"raw inline TeX left in the visible text: {raw[:3]}"


def test_math_is_typeset_from_file_url(chromium, site):
    "The site also works opened straight from disk (file://), MathJax included."
    dom = dump_dom(chromium, (site / "00_core.html").as_uri())
    assert re.search(r'<mjx-container|class="MathJax(?:_CHTML|_SVG|_Display)?[ "]', dom), \
        "MathJax did not typeset 00_core.html opened as file://"


def test_api_docs(core):
    page = _Page(core)
    for name in ("logsumexp", "gaussian_log_prob"):
        assert re.search(rf'<h[2-4][^>]*id="{name}"', core), f"no show_doc heading for {name} on 00_core.html"
        assert f"def {name}(" in page.all_text, f"no signature of {name} in the API docs on 00_core.html"
    for directive in ("#| export", "#| hide", "#|export", "show_doc("):
        assert directive not in page.all_text, f"{directive!r} leaked into the rendered page"


def test_internal_links_resolve(site):
    "Every relative href/src in every built page points at a file in the site (and at an id there, if it names one)."
    pages = {p: _Page(p.read_text(encoding="utf-8")) for p in site.rglob("*.html") if "assets" not in p.parts}
    broken, external = [], []
    for path, page in pages.items():
        for tag, rel, url in page.links:
            if not _is_local(url):
                # nothing a page loads may come from the network: scripts, images, style sheets, fonts
                if urlsplit(url).scheme in ("http", "https", "") and (tag in ("script", "img") or "stylesheet" in rel):
                    external.append(f"{path.name}: <{tag}> {url}")
                continue
            s = urlsplit(url)
            if s.scheme in ("data", "mailto", "javascript"): continue
            if not s.path: target = path
            elif s.path.startswith("/"): target = site / unquote(s.path).lstrip("/")  # 404.html: from the site's root
            else: target = (path.parent / unquote(s.path)).resolve()
            if target.is_dir(): target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(site)}: {url}"); continue
            if s.fragment and target.suffix == ".html" and target in pages and s.fragment not in pages[target].ids:
                broken.append(f"{path.relative_to(site)}: {url} (no id {s.fragment!r})")
    assert not broken, "broken internal links:\n" + "\n".join(sorted(set(broken))[:50])
    assert not external, "pages load resources from the network:\n" + "\n".join(sorted(set(external))[:50])


def test_no_missing_files_requested(home, core, server):
    "Everything the browser asked for while showing the pages was there (MathJax's pieces included)."
    _, log = server
    assert any(p.startswith("/assets/mathjax/") for _, p in log), "MathJax was never loaded from the site"
    missing = sorted({p for code, p in log if code == 404 and not OPTIONAL_404.match(p)})
    assert not missing, f"files requested by the pages but missing from the site: {missing}"
