#!/usr/bin/env bash
# tests/engine/test_resume.sh — interrupted runs leave only complete results files, and
# `./run_all.sh --resume DIR` finishes them. Usage: test_resume.sh BUILD_DIR SOURCE_DIR
#   1. `allocmark run` of three patterns, SIGTERM mid-run: exit 130, every results file
#      there is valid JSON, no temp file, no runner left behind.
#   2. `run_all.sh --quick` (3 patterns, system + bump, 1 repetition) uninterrupted: the
#      reference. Then three runs interrupted at three points — SIGINT in the first
#      pattern's `allocmark run`, SIGTERM in the third's, SIGTERM in `allocmark report` —
#      each resumed with `./run_all.sh --resume DIR`: exit 0, the same benchmarks as the
#      reference (file, backend, threads, samples; none twice), valid JSON, the files
#      finished before the interruption untouched, and exactly the unfinished patterns
#      run again. An ALLOCMARK wrapper logs each sub-command and sends the signal.
set -u
build=$(cd "$1" && pwd); src=$(cd "$2" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/am-resume.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]), parse_constant=lambda c: 1/0)' "$1" 2>/dev/null; }
am=$build/allocmark

# ---- 1. allocmark run, several patterns, SIGTERM ----
d=$scratch/run; mkdir -p "$d"
"$am" run "$src/patterns/pairs-small.json" "$src/patterns/web-sizes.json" "$src/patterns/window-mixed.json" \
  -b system,bump -r 40 --quick --schedule grouped -o "$d/" >/dev/null 2>"$scratch/run.err" &
p=$!
for _ in $(seq 1200); do ls "$d" | grep -q json && break; sleep 0.05; done # one file done (slow builds too)
kill -TERM "$p"; wait "$p"; rc=$?
[ "$rc" = 130 ] || fail "allocmark run: exit $rc after SIGTERM, want 130 ($(tail -1 "$scratch/run.err"))"
for f in "$d"/*; do json_ok "$f" || fail "allocmark run: $f is not a complete results file"; done
[ "$(ls "$d" | wc -l)" -ge 1 ] && [ "$(ls "$d" | wc -l)" -lt 3 ] || fail "allocmark run: $(ls "$d" | wc -l) files, want 1 or 2"
sleep 0.3
pgrep -g "$p" >/dev/null 2>&1 && fail "allocmark run: processes of its group left behind"
echo "allocmark run + SIGTERM: exit $rc, kept $(ls "$d" | tr '\n' ' ')"
# The default schedule (spread) finishes every pattern in the last pass: stopped midway,
# no file at all.
d=$scratch/run-spread; mkdir -p "$d"
"$am" run "$src/patterns/pairs-small.json" "$src/patterns/web-sizes.json" -b system,bump -r 40 --quick \
  -o "$d/" >/dev/null 2>"$scratch/spread.err" &
p=$!
for _ in $(seq 1200); do [ "$(grep -c '^\[' "$scratch/spread.err")" -ge 12 ] && break; sleep 0.05; done
kill -TERM "$p"; wait "$p"; rc=$?
[ "$rc" = 130 ] || fail "allocmark run (spread): exit $rc after SIGTERM, want 130 ($(tail -1 "$scratch/spread.err"))"
[ -z "$(ls "$d")" ] || fail "allocmark run (spread): files after SIGTERM midway: $(ls "$d" | tr '\n' ' ')"

# ---- 2. run_all.sh ----
wrap=$scratch/allocmark-wrap
cat > "$wrap" <<EOS
#!/usr/bin/env bash
# Logs the sub-command; at AM_T_AT (e.g. run:3: the third \`run\`) signals AM_T_PID.
echo "\$1" >>"\$AM_T_LOG"
n=\$(grep -c "^\$1\\\$" "\$AM_T_LOG")
if [ "\$1:\$n" = "\${AM_T_AT:-}" ]; then ( sleep "\${AM_T_DELAY:-0.2}"; kill -"\$AM_T_SIG" "\$AM_T_PID" ) & fi
exec "$am" "\$@"
EOS
chmod +x "$wrap"
opts=(--quick --patterns pairs-small,window-mixed,web-sizes --backends system,bump --reps 1)
bench_list() { # DIR: one line per benchmark: file backend threads samples
  for f in "$1"/*.json; do
    jq -r --arg f "${f##*/}" '.benchmarks[] | "\($f) \(.backend) \(.threads) \(.samples | length)"' "$f"
  done | sort
}
ref=$scratch/ref
AM_T_LOG=$scratch/ref.log ALLOCMARK=$wrap "$src/run_all.sh" "${opts[@]}" --no-build --out "$ref" >/dev/null 2>&1 ||
  fail "reference run_all.sh failed"
bench_list "$ref" >"$scratch/ref.list"
[ "$(wc -l <"$scratch/ref.list")" -ge 6 ] || fail "reference: want 6 benchmarks or more, got $(wc -l <"$scratch/ref.list")"

point() { # name signal at [exact]
  local name=$1 sig=$2 at=$3 exact=${4:-} dir=$scratch/$1 log=$scratch/$1.log
  AM_T_LOG=$log AM_T_AT=$at AM_T_SIG=$sig ALLOCMARK=$wrap AM_T_PID=self \
    bash -c 'export AM_T_PID=$$; exec "$0" "$@"' "$src/run_all.sh" "${opts[@]}" --no-build --out "$dir" \
    >/dev/null 2>"$scratch/$name.err"
  local rc=$?
  [ "$rc" = 130 ] || fail "$name: interrupted run_all.sh exit $rc, want 130 ($(tail -1 "$scratch/$name.err"))"
  for f in "$dir"/*.json; do [ -e "$f" ] && { json_ok "$f" || fail "$name: $f incomplete after the interruption"; }; done
  ls "$dir" | grep -q '\.tmp' && fail "$name: temp file left after the interruption"
  local before done_before
  before=$( (cd "$dir" && sha256sum -- *.json 2>/dev/null) )
  done_before=$(ls "$dir"/*.json 2>/dev/null | wc -l)
  : >"$log.resume"
  if [ -n "$exact" ]; then
    (cd "$src" && AM_T_LOG=$log.resume ALLOCMARK=$wrap ./run_all.sh --resume "$dir" >/dev/null 2>"$scratch/$name.rerr")
  else
    AM_T_LOG=$log.resume ALLOCMARK=$wrap "$src/run_all.sh" --resume "$dir" --no-build >/dev/null 2>"$scratch/$name.rerr"
  fi
  rc=$?
  [ "$rc" = 0 ] || fail "$name: resume exit $rc: $(tail -2 "$scratch/$name.rerr")"
  for f in "$dir"/*.json; do json_ok "$f" || fail "$name: $f not valid after resume"; done
  bench_list "$dir" | diff "$scratch/ref.list" - >/dev/null || fail "$name: benchmarks differ from the reference: $(bench_list "$dir" | diff "$scratch/ref.list" - | tr '\n' ' ')"
  [ -z "$before" ] || (cd "$dir" && sha256sum -c --quiet <<<"$before") || fail "$name: a file finished before was redone"
  local reran
  reran=$(grep -c '^run$' "$log.resume")
  [ "$reran" = $((3 - done_before)) ] || fail "$name: resume ran $reran patterns, want $((3 - done_before))"
  [ -s "$dir/report.md" ] || fail "$name: no report after resume"
  echo "$name ($sig at $at): $done_before of 3 patterns finished before, resume ran $reran, benchmarks = reference"
}
point in-first INT run:1
point in-third TERM run:3
point in-report TERM report:1 exact

if [ "$fails" != 0 ]; then echo "test_resume: $fails failures" >&2; exit 1; fi
echo "test_resume: ok"
