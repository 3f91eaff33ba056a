#!/usr/bin/env bash
# scripts/pp_dump_tsv.sh — turn a pagepool pp_dump_json() dump into the table that
# plots/pagepool_heatmap.gp draws. Needs jq.
# Usage: scripts/pp_dump_tsv.sh DUMP.json > MAP.tsv      (--help: this text)
# Output: tab-separated, one header row, then one row per pool of every page:
#   page        row number: active pages in address order, then the free-page list
#   pool        pool index in its page (0 .. pools_per_page-1)
#   class       size-class index; -1 unused pool of an active page; -2 pool of a free page
#   block_size  bytes per block (0 when unused)
#   occupancy   used / capacity in [0, 1] (0 when unused)
#   address     the page's address (hex)
#   nclasses    number of size classes in the dump's configuration (same on every row)
set -euo pipefail
case "${1:-}" in
  -h|--help|"") sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; [ -n "${1:-}" ]; exit $? ;;
esac
command -v jq >/dev/null || { echo "pp_dump_tsv: jq is not installed (apt-get install jq)" >&2; exit 2; }
[ -r "$1" ] || { echo "pp_dump_tsv: cannot read '$1'" >&2; exit 2; }
jq -r '
  (.classes | length) as $nc | .pools_per_page as $np | (.pages | length) as $na |
  ["page", "pool", "class", "block_size", "occupancy", "address", "nclasses"],
  (.pages | to_entries[] | .key as $pi | .value.address as $a | .value.pools[] |
     [$pi, .index, (if .class == null then -1 else .class end), .block_size,
      (if .capacity > 0 then .used / .capacity else 0 end), $a, $nc]),
  (.free_pages | to_entries[] | .key as $fi | .value.address as $a | range(0; $np) |
     [$na + $fi, ., -2, 0, 0, $a, $nc])
  | @tsv' "$1" || { echo "pp_dump_tsv: $1: not a pagepool dump (see allocator/README.md)" >&2; exit 2; }
