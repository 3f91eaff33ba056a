#!/bin/sh
# tests/backends/docs_versions.sh SOURCE_DIR ALLOCMARK — README.md's backend table against
# the registry: for every backend built in (`allocmark list --json`), its row's "version on
# Debian 12" must be the start of the version its runner reads from the loaded library
# (jemalloc's 5.3.0-0-g54eae... starts with 5.3.0), so the table cannot go stale when a
# package is upgraded; `-` (the so runner: any library) matches only `-`. The rows
# themselves are checked by tests/registry/docs_table.sh. The variants folder must parse
# whole (`allocmark list variants`, every file, the README's examples among them).
src=$1 am=$2
rows=$(awk -F'|' '/^## Backends/ { on = 1; next } /^## / { on = 0 } on && /^\| `[^`]+` \|/ {
  n = $2; gsub(/[ `]/, "", n); v = $4; gsub(/^ +| +$/, "", v); print n " " v }' "$src/README.md")
info=$("$am" list backends --json | jq -r '.[] | "\(.name) \(.version)"') || { echo "docs_versions: allocmark list failed"; exit 1; }
rc=0
printf '%s\n' "$info" | while read -r name version; do
  doc=$(printf '%s\n' "$rows" | awk -v n="$name" '$1 == n { print $2 }')
  [ -n "$doc" ] || continue # no row: docs_table.sh says so
  case "$version" in
    "$doc"*) echo "docs_versions: $name: README $doc, runner $version" ;;
    *) echo "docs_versions: $name: README says version $doc, the runner reads $version"; exit 1 ;;
  esac
done || rc=1
"$am" list variants --json | jq -e 'all(.[]; has("error") | not)' >/dev/null ||
  { echo "docs_versions: a variant file does not parse: $("$am" list variants | grep ERROR)"; rc=1; }
exit $rc
