#!/usr/bin/env bash
# Checks for the system packages the tests need beyond Python and pip (Debian's names):
#   python3-venv                                the README's test line and tests/test_packaging.py make virtual environments
#   chromium                                    tests/test_docs.py opens the docs site in headless Chromium
#   r-base-core r-cran-flexmix r-cran-mixtools  nbs/04_moe_regression.ipynb checks its log-likelihoods against flexmix and mixtools
# Silent when all are present. Otherwise, as root with apt-get, it installs the missing ones; else (or with
# MIXNB_NO_INSTALL=1) it prints one line naming what to install and exits 1.
set -uo pipefail

need=()   # what is missing, in words
pkgs=()   # the Debian packages that provide it

check() {
  need=(); pkgs=()
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || { need+=("Python's venv module"); pkgs+=(python3-venv); }
  # $CHROMIUM or the names tests/test_docs.py looks for on the PATH
  command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1 \
    || command -v chromium-browser >/dev/null 2>&1 || { need+=(chromium); pkgs+=(chromium); }
  if ! command -v Rscript >/dev/null 2>&1; then
    need+=("R with packages flexmix and mixtools"); pkgs+=(r-base-core r-cran-flexmix r-cran-mixtools)
    return
  fi
  local r
  # prints the R packages it cannot load; anything else (R failing to start) counts as both missing
  r=$(Rscript -e 'for (p in c("flexmix", "mixtools")) if (!suppressMessages(requireNamespace(p, quietly = TRUE))) cat(p, "")' 2>/dev/null) \
    || r="flexmix mixtools"
  r=${r% }
  case "$r" in
    "") ;;
    *" "*) need+=("R packages ${r/ / and }"); pkgs+=(r-cran-flexmix r-cran-mixtools) ;;
    *) need+=("R package $r"); pkgs+=("r-cran-$r") ;;
  esac
}

join() { local sep=$1 out=$2 x; shift 2; for x in "$@"; do out+="$sep$x"; done; printf '%s' "$out"; }

report() {
  local how="apt-get install $(join ' ' "${pkgs[@]}")"
  [ "$EUID" -eq 0 ] || how="sudo $how"
  command -v apt-get >/dev/null 2>&1 || how="your system's equivalents of the Debian packages $(join ' ' "${pkgs[@]}")"
  echo "missing: $(join ', ' "${need[@]}") — install with: $how" >&2
  exit 1
}

check
[ "${#need[@]}" -eq 0 ] && exit 0
if [ "$EUID" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1 || [ "${MIXNB_NO_INSTALL:-0}" = 1 ]; then report; fi
echo "installing $(join ' ' "${pkgs[@]}") (for $(join ', ' "${need[@]}"))"
apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null \
  || { echo "apt-get could not install $(join ' ' "${pkgs[@]}")" >&2; exit 1; }
check
[ "${#need[@]}" -eq 0 ] || report
