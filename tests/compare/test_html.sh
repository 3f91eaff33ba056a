#!/usr/bin/env bash
# tests/compare/test_html.sh — the HTML report: `allocmark report --format html` on the
# compare fixtures with a baseline (coloured verdicts) and on a real run folder; the page
# is self-contained (nothing fetched); then in headless Chromium: its script ran to the
# end (<body data-ready="1"> in the rendered DOM), no console error, and a screenshot
# (kept as SHOT) that is not blank. A deliberately broken page must fail the same
# checks, so they can fail. Exit 77 (CTest: skipped) only when Chromium is not installed
# (scripts/deps.sh installs it as root; `apt-get install chromium`).
# usage: test_html.sh BUILD_DIR SOURCE_DIR SHOT
set -uo pipefail
build=$1 src=$2 shot=$3 am=$1/allocmark fx=$2/tests/compare/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$am" report --format html "$fx/b.json" --baseline "$fx/a.json" -o "$tmp/fx.html" || fail "report --format html exited $?"
head -c 15 "$tmp/fx.html" | grep -q '<!DOCTYPE html>' || fail "not an HTML document"
grep -Eiq '(src|href)="(https?:)?//|<link|@import|url\(' "$tmp/fx.html" && fail "the page refers to something outside itself"
grep -q '<td class="t v-faster">faster</td>' "$tmp/fx.html" || fail "no coloured faster verdict (pagepool)"
grep -q '<td class="t v-slower">slower</td>' "$tmp/fx.html" || fail "no coloured slower verdict (tcmalloc)"
grep -q '<svg' "$tmp/fx.html" || fail "no inline SVG chart"
grep -q 'class="sortable"' "$tmp/fx.html" || fail "no sortable table"
"$am" report --format html "$fx/b.json" --table time > /dev/null 2>&1; [ $? = 2 ] || fail "--format html --table: expected exit 2"
"$am" report --baseline "$fx/a.json" "$fx/b.json" > /dev/null 2>&1; [ $? = 2 ] || fail "--baseline without html: expected exit 2"
# A real run folder, with a failure (the broken backend) and environment warnings.
mkdir "$tmp/run"
AM_BROKEN=crash "$am" run "$src/patterns/pairs-small.json" --quick -r 2 -b system,pagepool,broken -o "$tmp/run/" \
  > /dev/null 2>&1
"$am" report --format html "$tmp/run" -o "$tmp/run/report.html" || fail "report of a run folder"
grep -q 'class="t fail">crashed' "$tmp/run/report.html" || fail "the failure is not shown"
n=$(jq '.context.environment.warnings | length' "$tmp/run"/*.json)
[ "$n" = 0 ] || grep -q 'Environment warnings' "$tmp/run/report.html" || fail "environment warnings not shown"

chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
  [ "$fails" = 0 ] || exit 1
  echo "SKIP: Chromium is not installed (as root: scripts/deps.sh, or apt-get install chromium): the page was checked, not rendered"
  exit 77
fi
# render PAGE NAME [dom|shot|both]: DOM to NAME.dom, log to NAME.log, screenshot to NAME.png
render() {
  local flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
               --disable-sync --no-first-run --enable-logging=stderr --v=0 --window-size=1280,1400)
  : > "$tmp/$2.dom"; : > "$tmp/$2.log"
  if [ "${3:-both}" != shot ]; then
    timeout 120 "$chrome" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$tmp")" --dump-dom "file://$1" \
      > "$tmp/$2.dom" 2> "$tmp/$2.log"
  fi
  if [ "${3:-both}" != dom ]; then
    timeout 120 "$chrome" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$tmp")" --screenshot="$tmp/$2.png" "file://$1" \
      >> "$tmp/$2.log" 2>&1
  fi
}
# check NAME: 0 when the page rendered cleanly and the screenshot is not blank
check() {
  grep -q '<body data-ready="1"' "$tmp/$1.dom" || { echo "$1: the page's script did not finish"; return 1; }
  if grep -E 'CONSOLE|Uncaught' "$tmp/$1.log" | grep -Eiq 'error|uncaught'; then
    echo "$1: console error: $(grep -E 'CONSOLE|Uncaught' "$tmp/$1.log" | head -1)"; return 1
  fi
  [ -s "$tmp/$1.png" ] || { echo "$1: no screenshot"; return 1; }
  read -r w h ink colours < <(python3 "$src/tests/compare/png_stats.py" "$tmp/$1.png")
  awk -v i="$ink" -v c="$colours" 'BEGIN { exit !(i > 0.01 && c > 20) }' ||
    { echo "$1: blank screenshot (${w}x$h, inked $ink, $colours colours)"; return 1; }
}
# The real run folder's page (the fixture page's content was checked above).
render "$tmp/run/report.html" run
why=$(check run) || fail "$why"
cp "$tmp/run.png" "$shot" 2> /dev/null && echo "screenshot: $shot"
# Negative controls, so the checks can fail: a page whose script throws fails the DOM
# check; a blank page (script fine) fails the screenshot check.
sed 's|<script>|<script>throw new Error("deliberate");|' "$tmp/fx.html" > "$tmp/broken.html"
render "$tmp/broken.html" broken dom
grep -q '<body data-ready="1"' "$tmp/broken.dom" && fail "a page whose script throws looked finished"
printf '<!DOCTYPE html><html><body data-ready="1"></body></html>\n' > "$tmp/blank.html"
render "$tmp/blank.html" blank shot
read -r _ _ ink colours < <(python3 "$src/tests/compare/png_stats.py" "$tmp/blank.png")
awk -v i="$ink" -v c="$colours" 'BEGIN { exit !(i > 0.01 && c > 20) }' && fail "a blank page passed the screenshot check"
[ "$fails" = 0 ] && echo "html: all checks passed"
exit $((fails != 0))
