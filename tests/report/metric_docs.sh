#!/usr/bin/env bash
# tests/report/metric_docs.sh ALLOCMARK README — the metrics table and the results
# format's documentation say the same (harness/common/metric_table.h, results/README.md):
#   - every metric of `allocmark list metrics --json` is a row of the samples[] table
#     (hw_counters ones: named in its hw_counters row), and nothing the table does not
#     know is documented there as a figure: each row of that table whose key is not a
#     metric must be in the list of non-metric sample keys below;
#   - the `aggregates` paragraph ("Keys: ...") names exactly the aggregated metrics.
# Exit 0 when both hold, 1 otherwise (naming each difference), 77 when jq is missing.
set -u
am=${1:?usage: metric_docs.sh ALLOCMARK README} doc=${2:?usage: metric_docs.sh ALLOCMARK README}
command -v jq >/dev/null || { echo "metric_docs: SKIP: jq missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
say() { echo "metric_docs: $*" >&2; fail=1; }
"$am" list metrics --json >"$tmp/m.json" || { echo "metric_docs: allocmark list metrics failed"; exit 1; }

# The samples[] table: from its heading to the next heading; first cell's `keys`.
awk '/^### `samples\[\]`/ { on = 1; next } on && /^#/ { exit } on && /^\| `/ { print }' "$doc" >"$tmp/rows"
[ -s "$tmp/rows" ] || { echo "metric_docs: $doc: no samples[] table"; exit 1; }
cut -d'|' -f2 "$tmp/rows" | grep -o '`[a-z0-9_]*`' | tr -d '`' | sort -u >"$tmp/sample_keys"
hw_row=$(grep '^| `hw_counters` |' "$tmp/rows")

for m in $(jq -r '.[] | select(.parent == null) | .name' "$tmp/m.json"); do
  grep -qx "$m" "$tmp/sample_keys" || say "metric $m is not documented in $doc's samples[] table"
done
for m in $(jq -r '.[] | select(.parent == "hw_counters") | .name' "$tmp/m.json"); do
  printf '%s' "$hw_row" | grep -q "\`$m\`" || say "metric hw_counters.$m is not in $doc's hw_counters row"
done
# Sample keys that are not figures (identity, notes, sub-objects): anything else in the
# table must be a metric of the table.
nonmetric="backend backend_version backend_config malloc_from pattern pattern_sha256 threads seed quick warmup
checksum total_ops alloc_ops free_ops chunks chunk_ops peak_rss_reset peak_live_bytes_source memory_overhead_note
valgrind thread_end_ns phases rss_timeline cpus aslr env_pad_bytes hw_counters hw_counters_missing allocator_stats
latency dump dump_error"
jq -r '.[].name' "$tmp/m.json" | sort -u >"$tmp/metric_keys"
while read -r k; do
  grep -qx "$k" "$tmp/metric_keys" && continue
  case " $(echo $nonmetric) " in *" $k "*) continue ;; esac
  say "$doc documents sample key $k, which is neither a metric of the table (metric_table.h) nor a known non-figure"
done <"$tmp/sample_keys"

# The aggregates paragraph: from "### `aggregates`" to the "Each holds" sentence.
awk '/^### `aggregates`/ { on = 1; next } on && /Each holds/ { print; exit } on { print }' "$doc" |
  grep -o '`[a-z0-9_]*`' | tr -d '`' | sort -u >"$tmp/agg_doc"
jq -r '.[] | select(.aggregated != "no") | .name' "$tmp/m.json" | sort -u >"$tmp/agg_table"
comm -23 "$tmp/agg_table" "$tmp/agg_doc" | while read -r k; do say "aggregate $k is not listed in $doc's aggregates paragraph"; done
comm -13 "$tmp/agg_table" "$tmp/agg_doc" | while read -r k; do say "$doc lists aggregate $k, which the metrics table does not aggregate"; done
[ -z "$(comm -3 "$tmp/agg_table" "$tmp/agg_doc")" ] || fail=1
[ "$fail" = 0 ] && echo "metric_docs: $(wc -l <"$tmp/metric_keys") metrics, $(wc -l <"$tmp/agg_table") aggregated: all documented"
exit $fail
