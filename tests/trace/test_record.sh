#!/usr/bin/env bash
# tests/trace/test_record.sh — allocmark record end to end on tests/trace/mtprog.c: every
# hooked call, cross-thread frees, thread exits and a followed fork. The trace of
# `mtprog N` minus that of `mtprog 0` (same threads, fork and libc calls) must be
# exactly mtprog's own calls, kind by kind; the program's output must be unchanged;
# the child's trace must hold its N malloc/free pairs. Then CPython with
# PYTHONMALLOC=malloc: output unchanged, a non-empty complete trace.
# Usage: test_record.sh BUILD_DIR MTPROG
set -u
B=$1 P=$2
A=$B/allocmark
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
N=40
kinds='[.ops_by_kind.malloc, .ops_by_kind.calloc, .ops_by_kind.realloc, .ops_by_kind.aligned, .ops_by_kind.free] | @tsv'

"$P" $N >"$T/plain.out" || fail "mtprog failed without the recorder"
for n in 0 $N; do
  "$A" record --follow-fork -o "$T/m$n.amtrace" -- "$P" $n >"$T/rec$n.out" 2>"$T/rec$n.err" || fail "record mtprog $n: $(cat "$T/rec$n.err")"
done
cmp -s "$T/plain.out" "$T/rec$N.out" || fail "mtprog's output changed under the recorder"
base=$("$A" trace-info --json --check "$T/m0.amtrace" | jq -r "$kinds")
got=$("$A" trace-info --json --check "$T/m$N.amtrace" | jq -r "$kinds")
# mtprog per round: malloc 1 (+1 producer), calloc 1, realloc 3 (realloc(NULL), realloc,
# reallocarray), aligned 5 (posix_memalign aligned_alloc memalign valloc pvalloc), free 9.
want=$(printf '%d\t%d\t%d\t%d\t%d' $((2 * N)) $N $((3 * N)) $((5 * N)) $((9 * N)))
diff=$(paste <(tr '\t' '\n' <<<"$got") <(tr '\t' '\n' <<<"$base") | awk '{printf "%s%d", (NR > 1 ? "\t" : ""), $1 - $2}')
[ "$diff" = "$want" ] || fail "ops by kind (malloc calloc realloc aligned free) minus baseline: got $diff, want $want"
info=$("$A" trace-info --json "$T/m$N.amtrace")
jq -e ".complete == true and .threads >= 3 and .cross_thread_frees >= $N and .ops_by_kind.send >= $N and .orphan_frees == 0" \
  <<<"$info" >/dev/null || fail "mtprog trace: $(jq -c '{complete, threads, cross_thread_frees, orphan_frees}' <<<"$info")"
child=$(ls "$T"/m$N.*-0.amtrace 2>/dev/null | head -1)
if [ -z "$child" ]; then fail "no trace for the forked child"; else
  "$A" trace-info --json --check "$child" | jq -e ".ops_by_kind.malloc == $N and .ops_by_kind.free == $N" >/dev/null ||
    fail "child trace: $("$A" trace-info --json "$child" | jq -c .ops_by_kind)"
fi
echo "ok mtprog: ops by kind over the baseline $diff"

# A wrapper script that execs the program (a pyenv shim's shape, with a command
# substitution's fork before it): FILE is the program's trace, the same ops by kind as
# recording the program itself, and nothing else is written.
mkdir "$T/w"
printf '#!/bin/sh\nv=$(echo x)\nexec "%s" "$@"\n' "$P" >"$T/wrap.sh" && chmod +x "$T/wrap.sh"
"$A" record -o "$T/w/w.amtrace" -- "$T/wrap.sh" $N >"$T/w.out" 2>"$T/w.err" || fail "record via a wrapper script: $(cat "$T/w.err")"
cmp -s "$T/plain.out" "$T/w.out" || fail "mtprog's output changed under the recorder, via the wrapper"
wgot=$("$A" trace-info --json --check "$T/w/w.amtrace" | jq -r "$kinds")
[ "$wgot" = "$got" ] || fail "via a wrapper script: ops by kind $wgot, want mtprog's own $got"
[ "$(ls "$T/w")" = "w.amtrace" ] || fail "via a wrapper script: extra files $(ls "$T/w" | tr '\n' ' ')"
echo "ok wrapper script: the program's trace"

# CPython, its allocations routed to malloc.
cat >"$T/s.py" <<'PY'
d = {}
for i in range(20000):
    d[str(i)] = [i] * (i % 7)
print(sum(len(v) for v in d.values()), len(d))
PY
py=$(command -v python3) # a wrapper script (a pyenv shim) is followed to the interpreter it execs
if [ -n "$py" ]; then
  PYTHONMALLOC=malloc "$py" "$T/s.py" >"$T/py.plain" || fail "python3 failed"
  PYTHONMALLOC=malloc "$A" record -o "$T/py.amtrace" -- "$py" "$T/s.py" >"$T/py.rec" 2>"$T/py.err" || fail "record python3: $(cat "$T/py.err")"
  cmp -s "$T/py.plain" "$T/py.rec" || fail "python3's output changed under the recorder"
  "$A" trace-info --json --check "$T/py.amtrace" | jq -e '.ops > 40000 and .complete == true' >/dev/null ||
    fail "python trace: $("$A" trace-info --json "$T/py.amtrace" | jq -c '{ops, complete}')"
  echo "ok python3: $("$A" trace-info --json "$T/py.amtrace" | jq -c '{ops, bytes_per_op}')"
fi
# Bad usage: exit 2, nothing written.
"$A" record -- true 2>/dev/null; [ $? = 2 ] || fail "record without -o: expected exit 2"
"$A" record -o "$T/none.amtrace" -- /nonexistent/prog 2>/dev/null; [ $? = 2 ] || fail "record of a missing program: expected exit 2"
[ ! -e "$T/none.amtrace" ] || fail "record of a missing program wrote a file"
[ $fails = 0 ] && echo "all record checks passed"
exit $((fails > 0))
