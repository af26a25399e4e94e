#!/usr/bin/env bash
# Unpack files of one pinned npm package into a directory: the shared step of scripts/vendor_axe.sh
# and scripts/vendor_govuk.sh, which then check and place what they vendor.
#
#   scripts/npm_vendor.sh PACKAGE@VERSION DEST FILE-IN-PACKAGE...
#
# `npm pack`s the package into a temporary directory (nothing installed, no node_modules), refuses
# it unless its package.json says VERSION, and extracts each FILE-IN-PACKAGE (a path inside the
# package, e.g. dist/govuk/govuk-frontend.min.css) into DEST under the same path. package.json is
# always extracted too (callers read its licence field). Always from the pristine package.
set -euo pipefail

if [[ $# -lt 3 || "$1" != ?*@?* ]]; then
  echo "usage: npm_vendor.sh PACKAGE@VERSION DEST FILE-IN-PACKAGE..." >&2
  exit 2
fi
SPEC="$1" DEST="$2"
shift 2
VERSION="${SPEC##*@}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

command -v npm >/dev/null || { echo "npm_vendor.sh: npm is missing (apt-get install npm)" >&2; exit 1; }
# npm pack prints the tarball's name last (for a scoped package it is not simply NAME-VERSION.tgz).
tarball="$(cd "$WORK" && npm pack --silent "$SPEC" | tail -n1)"
mkdir -p "$DEST"
tar -xzf "$WORK/$tarball" -C "$DEST" --strip-components=1 package/package.json "${@/#/package/}"

packaged="$(sed -nE 's/^ *"version": *"([^"]+)".*/\1/p' "$DEST/package.json" | head -n1)"
if [[ "$packaged" != "$VERSION" ]]; then
  echo "npm_vendor.sh: asked for ${SPEC%@*} $VERSION, the package says $packaged" >&2
  exit 1
fi
