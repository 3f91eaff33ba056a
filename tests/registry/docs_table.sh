#!/bin/sh
# tests/registry/docs_table.sh SOURCE_DIR ALLOCMARK — README.md's backend table documents
# every backend built in (`allocmark list --json`, test-only ones aside): a backend added
# without its row fails here. Rows are `| \`name\` | ...` under "## Backends".
src=$1 am=$2
rows=$(awk '/^## Backends/ { on = 1; next } /^## / { on = 0 } on && /^\| `[^`]+` \|/ { split($0, a, "`"); print a[2] }' "$src/README.md")
built=$("$am" list backends --json | jq -r '.[].name') || { echo "docs_table: allocmark list failed"; exit 1; }
rc=0
for b in $built; do
  printf '%s\n' "$rows" | grep -qx "$b" || { echo "docs_table: backend $b is built but has no row in README.md's backend table"; rc=1; }
done
[ $rc = 0 ] && echo "docs_table: all $(printf '%s\n' "$built" | wc -l) built backends documented"
exit $rc
