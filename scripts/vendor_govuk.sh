#!/usr/bin/env bash
# Vendor GOV.UK Frontend's compiled CSS and JS into app/static/govuk/, so serving the app needs no npm
# (the package comes by scripts/npm_vendor.sh: npm pack into a temporary directory, nothing installed).
#
#   scripts/vendor_govuk.sh            # the pinned version below
#   GOVUK_FRONTEND_VERSION=5.15.0 scripts/vendor_govuk.sh   # try another (then update the pin)
#
# What is copied, from the npm package's dist/govuk/:
#   govuk-frontend.min.css, govuk-frontend.min.js (an ES module), and a LICENCE.txt from the package's
#   licence field and README.
# What is not: fonts (the GDS Transport typeface is for GOV.UK only; we use the system font
# stack set in app/static/countersign.css), images (every one is the crown, the crest or a
# crown favicon), source maps, Sass, Nunjucks.
# What is changed in the CSS, with sed, so no request is ever made for a file we do not ship:
#   - both @font-face rules (they point at /assets/fonts/*.woff2) are removed;
#   - the footer's crest (url(/assets/images/govuk-crest.svg), a background and a mask) becomes
#     `none`: we never use .govuk-footer__copyright-logo;
#   - the sourceMappingURL comments are removed from the CSS and the JS.
# Running it twice gives the same files: it always starts from the pristine package.
set -euo pipefail

VERSION="${GOVUK_FRONTEND_VERSION:-5.14.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/app/static/govuk"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$ROOT/scripts/npm_vendor.sh" "govuk-frontend@$VERSION" "$WORK/package" README.md \
  dist/govuk/govuk-frontend.min.css dist/govuk/govuk-frontend.min.js
DIST="$WORK/package/dist/govuk"

OUT="$WORK/out"
mkdir -p "$OUT"

sed -E \
  -e 's/@font-face\{[^}]*\}//g' \
  -e 's#url\(/assets/images/govuk-crest\.svg\)#none#g' \
  -e 's#/\*\# sourceMappingURL=[^*]*\*/##g' \
  "$DIST/govuk-frontend.min.css" >"$OUT/govuk-frontend.min.css"
sed -E -e 's#//\# sourceMappingURL=.*$##' "$DIST/govuk-frontend.min.js" >"$OUT/govuk-frontend.min.js"
# The package ships no licence file: keep its licence field and the README's Licence section.
{
  printf 'govuk-frontend %s, licence: %s\n\n' "$VERSION" \
    "$(sed -nE 's/^ *"license": *"([^"]+)".*/\1/p' "$WORK/package/package.json")"
  sed -n '/^## Licence/,/^## /p' "$WORK/package/README.md" | sed '$d'
} >"$OUT/LICENCE.txt"
printf 'govuk-frontend %s\n' "$VERSION" >"$OUT/VERSION"

# Refuse to leave a build that would ask for a file we do not ship.
if grep -q -e '@font-face' -e 'url(' -e 'sourceMappingURL' "$OUT/govuk-frontend.min.css"; then
  echo "vendor_govuk.sh: the CSS still refers to a file (font, image or map); update the sed rules" >&2
  exit 1
fi
if grep -q 'sourceMappingURL' "$OUT/govuk-frontend.min.js"; then
  echo "vendor_govuk.sh: the JS still refers to a source map; update the sed rule" >&2
  exit 1
fi
rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
cp -R "$OUT" "$DEST"
echo "Vendored govuk-frontend $VERSION into ${DEST#"$ROOT"/}"
