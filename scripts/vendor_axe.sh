#!/usr/bin/env bash
# Vendor axe-core (Deque's accessibility engine) into tests/browser/vendor/, for the browser tests'
# WCAG 2.2 AA checks of every page (tests/browser/test_every_page.py). The app never serves it.
#
#   scripts/vendor_axe.sh                       # the pinned version below
#   AXE_CORE_VERSION=4.15.0 scripts/vendor_axe.sh   # try another (then update the pin)
#
# From the npm package (scripts/npm_vendor.sh: npm pack into a temporary directory, nothing
# installed): axe.min.js, its licence (MPL-2.0, LICENSE) and a VERSION file. The files are
# committed, so the tests need no npm; `make test` runs this script only when axe.min.js is missing.
# Running it twice gives the same files.
set -euo pipefail

VERSION="${AXE_CORE_VERSION:-4.14.1}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/tests/browser/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

PACKAGE="$WORK/package"
"$ROOT/scripts/npm_vendor.sh" "axe-core@$VERSION" "$PACKAGE" axe.min.js LICENSE
# The engine must say its own version: the test reports it beside any violation.
head -n1 "$PACKAGE/axe.min.js" | grep -qF "axe v$VERSION" || {
  echo "vendor_axe.sh: axe.min.js does not carry version $VERSION" >&2
  exit 1
}

mkdir -p "$DEST"
cp "$PACKAGE/axe.min.js" "$DEST/axe.min.js"
{
  printf 'axe-core %s, licence: %s\n' "$VERSION" \
    "$(sed -nE 's/^ *"license": *"([^"]+)".*/\1/p' "$PACKAGE/package.json")"
  printf 'From the npm package axe-core (https://github.com/dequelabs/axe-core), vendored by scripts/vendor_axe.sh.\n\n'
  cat "$PACKAGE/LICENSE"
} >"$DEST/LICENCE.txt"
printf 'axe-core %s\n' "$VERSION" >"$DEST/VERSION"
echo "Vendored axe-core $VERSION into ${DEST#"$ROOT"/}"
