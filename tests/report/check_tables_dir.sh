#!/usr/bin/env bash
# tests/report/check_tables_dir.sh ALLOCMARK RESULTS... — `allocmark report --tables DIR`
# writes, from one read of the results, exactly the files that one `allocmark report
# --table NAME [--pattern P --threads N]` per table writes: every table, and per pattern x
# threads group failures-P-Nt (and latency-P-Nt, timeline-P-Nt when the patterns table
# says so), per thread-swept pattern scaling-P and backends-P; and nothing else.
# Also: bad input leaves no DIR behind (exit 2). Exit 0 when all hold, 1 otherwise.
set -u
am=$1; shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
say() { echo "check_tables_dir: $*" >&2; fail=1; }
"$am" report --tables "$tmp/d" "$@" || { echo "check_tables_dir: --tables exited $?"; exit 1; }
fname() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'; }
same() { # same FILE report-args...: FILE equals `allocmark report --format tsv ARGS RESULTS`
  local f=$1; shift
  echo "$f" >>"$tmp/expected"
  "$am" report --format tsv "$@" -o "$tmp/one.tsv" "${results[@]}" || { say "$f: report $* failed"; return; }
  cmp -s "$tmp/one.tsv" "$tmp/d/$f" || { say "$f differs from report $*"; diff "$tmp/one.tsv" "$tmp/d/$f" | head -5 >&2; }
}
results=("$@")
: >"$tmp/expected"
for t in time rss scaling latency timeline failures patterns backends meta; do same "$t.tsv" --table "$t"; done
seen=" "
while IFS=$'\t' read -r pattern threads _g _l sweep latency timeline _n _f; do
  p=$(fname "$pattern")
  same "failures-$p-${threads}t.tsv" --table failures --pattern "$pattern" --threads "$threads"
  [ "$latency" = 1 ] && same "latency-$p-${threads}t.tsv" --table latency --pattern "$pattern" --threads "$threads"
  [ "$timeline" = 1 ] && same "timeline-$p-${threads}t.tsv" --table timeline --pattern "$pattern" --threads "$threads"
  if [ "$sweep" = 1 ] && [ "${seen#* $p }" = "$seen" ]; then
    seen="$seen$p "
    same "scaling-$p.tsv" --table scaling --pattern "$pattern"
    same "backends-$p.tsv" --table backends --pattern "$pattern"
  fi
done < <(tail -n +2 "$tmp/d/patterns.tsv")
extra=$(ls "$tmp/d" | sort | comm -23 - <(sort "$tmp/expected"))
[ -z "$extra" ] || say "files nobody asked for: $extra"
echo "check_tables_dir: $(wc -l <"$tmp/expected") tables checked" >&2
# Bad input: exit 2, one line, no folder.
printf '{"schema_version": 2, "workload": {"name": "x"}, "benchmarks": [{"backend": "system", "threads": 1, "status": "bogus"}]}' >"$tmp/bad.json"
"$am" report --tables "$tmp/bad-out" "$tmp/bad.json" 2>/dev/null
[ $? = 2 ] || say "bad input: expected exit 2"
[ ! -e "$tmp/bad-out" ] || say "bad input: the folder was created"
exit $fail
