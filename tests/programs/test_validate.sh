#!/usr/bin/env bash
# tests/programs/test_validate.sh — `allocmark validate` end to end on good/sort.json,
# system and pagepool, one repetition: validate.json/md/tsv written, (a) ok on both with
# system at 1x; when the build has `allocmark record`, the trace exists and its op count
# is in the table; a part that cannot run is named in validate.json, never silently empty.
# Usage: test_validate.sh ALLOCMARK SOURCE_DIR
set -u
am=${1:?}; src=${2:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# a relative -o (the recorder runs in the program's scratch folder, so it must be resolved)
(cd "$tmp" && "$am" validate "$src/tests/programs/good/sort.json" -b system,pagepool -r 1 -o v >"$tmp/out" 2>"$tmp/err"); rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || { cat "$tmp/err"; fail "exit $rc"; }
v="$tmp/v/validate.json"
for f in validate.json validate.md validate.tsv measured/sort-test.json; do [ -f "$tmp/v/$f" ] || fail "no $f"; done
[ "$(jq -r '.programs[0].backends | length' "$v")" = 2 ] || fail "expected 2 backends"
[ "$(jq -r '.programs[0].backends[] | select(.backend=="system") | .rel_a' "$v")" = 1 ] || fail "system's rel_a is not 1"
[ "$(jq -r '[.programs[0].backends[].status_a] | all(. == "ok")' "$v")" = true ] || fail "(a) not ok"
if "$am" record --help >/dev/null 2>&1; then
  ls "$tmp"/v/traces/sort-test*.amtrace >/dev/null 2>&1 || fail "no trace recorded"
  [ "$(jq -r '.programs[0].trace_ops > 0' "$v")" = true ] || fail "no trace op count"
fi
# (b) and (c): either results or a stated reason
[ "$(jq -r '.programs[0] | (.replayed != "" or (.replay_missing | type) == "string")' "$v")" = true ] || fail "(b) neither ran nor says why"
[ "$(jq -r '.programs[0] | (.fitted != "" or (.fit_missing | type) == "string")' "$v")" = true ] || fail "(c) neither ran nor says why"
grep -q 'tau (a, b)' "$tmp/v/validate.md" || fail "no tau column"
"$am" validate "$src/patterns/pairs-small.json" >/dev/null 2>"$tmp/err2"; rc=$?
[ "$rc" = 2 ] && grep -q 'validate takes program files' "$tmp/err2" || fail "a pattern file: exit $rc"
[ "$fails" = 0 ] && echo "validate: all checks passed"
[ "$fails" = 0 ]
