#!/usr/bin/env bash
# Remake docs/screenshots/*.png by running the browser tests (tests/browser/) with screenshots on.
#
#   scripts/screenshots.sh              # into docs/screenshots/
#   scripts/screenshots.sh -x          # extra arguments go to pytest
#
# Needs Debian's chromium (/usr/bin/chromium) and playwright in .venv (`make install`); never
# `playwright install`. Jobs run in-process: COUNTERSIGN_CELERY_BROKER_URL is cleared for the run.
# Each test saves full-page PNGs as it passes the screens named in docs/screenshots/README.md;
# the script fails if the tests fail or any of those PNGs was not made.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="docs/screenshots"
EXPECTED=(dashboard.png create-form-errors.png document-timeline.png signing-phone.png retention-batch-phone.png audit-report.png
          staff-sign-in-with-provider.png schools-similar-name.png staff-invite.png staff-list.png create-parties-phone.png
          profile-error-phone.png profile-wording-phone.png
          forms-phone.png form-check-findings-phone.png form-preview-phone.png form-versions-phone.png)
# The walk of every page (test_every_page.py) saves its key pages at both widths.
for page in verify-intact signing agreed sign-in dashboard documents document preview settings batch; do
    EXPECTED+=("$page-1280.png" "$page-320.png")
done

cd "$ROOT"
for name in "${EXPECTED[@]}"; do rm -f "$OUT/$name"; done
env -u COUNTERSIGN_CELERY_BROKER_URL COUNTERSIGN_SCREENSHOTS="$OUT" \
    .venv/bin/python -m pytest tests/browser -q -rxs "$@"

missing=0
for name in "${EXPECTED[@]}"; do
    if [[ -s "$OUT/$name" ]]; then
        echo "made $OUT/$name"
    else
        echo "not made: $OUT/$name" >&2
        missing=1
    fi
done
exit "$missing"
