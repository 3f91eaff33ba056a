#!/usr/bin/env bash
# tests/engine/test_faults.sh — `allocmark run` survives faults of its runners, of memory
# and of its output folder. Usage: test_faults.sh BUILD_DIR SOURCE_DIR
#   runners     a copy of allocmark whose runners/ folder holds the real system runner and
#               a fake `bump` runner (a script) that misbehaves as AM_FAKE says: garbage or
#               nothing or a truncated sample or 80 MB on stdout, a sample without
#               ns_per_op, SIGKILL, SIGSEGV, a hang, a hang with its output closed, exit 3.
#               Each is recorded with its status (error, crashed, timeout, oom), system's
#               runs complete, the file is written and valid, exit 1.
#   memory      under `ulimit -v` every backend's run of tests/engine/oom-ramp.json (NULL on
#               the small path at 300000 KiB, on the large path at 700000) ends oom; under a
#               very tight limit with threads, every run is recorded (whatever its status) and
#               the driver does not crash.
#   output      a read-only folder and a full one (a 1 MiB tmpfs when this user may mount,
#               else chmod and RLIMIT_FSIZE): one-line error and exit 2 before anything runs;
#               a folder that fills mid-run keeps the files written so far and names the error.
#               AM_FAULTS_NO_MOUNT=1 takes the no-mount way even as root.
# Scratch space from mktemp; asserts behaviour, never a time.
set -u
build=$(cd "$1" && pwd); src=$(cd "$2" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/am-faults.XXXXXX")
mounts=()
cleanup() { for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done; rm -rf "$scratch"; }
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
pat=$src/patterns/pairs-small.json
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]), parse_constant=lambda c: 1/0)' "$1" 2>/dev/null; }
status_of() { jq -r --arg b "$2" '.benchmarks[] | select(.backend == $b) | .status' "$1"; }

# ---- runners that misbehave ----
bin=$scratch/bin
mkdir -p "$bin/runners"
cp "$build/allocmark" "$bin/allocmark"
ln -s "$build/runners/am-runner-system" "$bin/runners/am-runner-system"
cat > "$bin/runners/am-runner-bump" <<EOS
#!/usr/bin/env bash
real=$build/runners/am-runner-bump
[ "\$1" = run ] || exec "\$real" "\$@"
case "\${AM_FAKE:-ok}" in
  garbage)   echo '}{ not a sample'; exit 0 ;;
  silent)    exit 0 ;;
  truncated) "\$real" "\$@" | head -c 300; exit 0 ;;
  flood)     head -c 80000000 /dev/zero | tr '\\0' x; exit 0 ;;
  nonum)     echo '{"ns_per_op": "fast"}'; exit 0 ;;
  kill)      kill -KILL \$\$ ;;
  segv)      kill -SEGV \$\$ ;;
  hang)      exec sleep 600 ;;
  closed)    exec >&- 2>&-; exec sleep 600 ;;
  oom)       echo "am-runner-bump: malloc of 64 bytes returned NULL" >&2; exit 3 ;;
  *)         exec "\$real" "\$@" ;;
esac
EOS
chmod +x "$bin/runners/am-runner-bump"
fake() { # mode want-status [grep for the error text]
  local mode=$1 want=$2 text=${3:-} f=$scratch/out-$1.json to=30
  # 1 s only where a timeout is the expected outcome: on a loaded machine the other runs
  # (system's, the flood's 80 MB) can take longer than that
  case $mode in hang|closed) to=1 ;; esac
  AM_FAKE=$mode timeout 120 "$bin/allocmark" run "$pat" -b system,bump -r 2 --quick --timeout $to -o "$f" \
    >/dev/null 2>"$scratch/err.txt"
  local rc=$?
  [ "$rc" = 1 ] || { fail "$mode: exit $rc, want 1: $(tail -2 "$scratch/err.txt")"; return; }
  [ -f "$f" ] && json_ok "$f" || { fail "$mode: no valid results file"; return; }
  [ "$(status_of "$f" bump)" = "$want" ] || fail "$mode: status $(status_of "$f" bump), want $want"
  [ "$(status_of "$f" system)" = ok ] || fail "$mode: system status $(status_of "$f" system), want ok"
  [ "$(jq '[.benchmarks[] | select(.backend == "system") | .samples[] | select(.status == "ok")] | length' "$f")" = 2 ] ||
    fail "$mode: system's 2 repetitions did not both complete"
  [ "$(jq '[.benchmarks[] | select(.backend == "bump") | .samples[]] | length' "$f")" = 2 ] || fail "$mode: want 2 bump samples"
  local err
  err=$(jq -r '.benchmarks[] | select(.backend == "bump") | .error' "$f")
  [ -z "$text" ] || grep -q -- "$text" <<<"$err" || fail "$mode: error '$err' does not say '$text'"
  echo "fault $mode: $want ($err)"
}
fake garbage error "without printing a valid JSON sample"
fake silent error "without printing a valid JSON sample"
fake truncated error "without printing a valid JSON sample"
fake flood error "more on stdout than a sample"
fake nonum error "no finite ns_per_op"
fake kill crashed "signal 9"
fake segv crashed "signal 11"
fake hang timeout "no result after 1 s"
fake closed timeout "no result after 1 s"
fake oom oom "returned NULL"

# ---- memory: every backend under an address-space limit ----
ramp=$src/tests/engine/oom-ramp.json
for lim in 300000 700000; do
  f=$scratch/ramp-$lim.json
  (ulimit -v $lim; "$build/allocmark" run "$ramp" -b all -r 1 -o "$f" >/dev/null 2>"$scratch/err.txt")
  rc=$?
  [ "$rc" = 1 ] || { fail "ulimit -v $lim: exit $rc, want 1: $(tail -2 "$scratch/err.txt")"; continue; }
  json_ok "$f" || { fail "ulimit -v $lim: no valid results file"; continue; }
  bad=$(jq -r '.benchmarks[] | select(.status != "oom") | "\(.backend)=\(.status)"' "$f")
  [ -z "$bad" ] || fail "ulimit -v $lim: not oom: $bad"
  echo "ulimit -v $lim: $(jq -r '[.benchmarks[] | "\(.backend)=\(.status)"] | join(" ")' "$f")"
done
# Very tight, with threads: whatever each backend does, it is recorded and the driver survives.
f=$scratch/tight.json
(ulimit -v 60000; "$build/allocmark" run "$src/patterns/thread-churn.json" --quick -b all -r 1 -o "$f" >/dev/null 2>"$scratch/err.txt")
rc=$?
{ [ "$rc" = 0 ] || [ "$rc" = 1 ]; } && json_ok "$f" || fail "ulimit -v 60000: driver exit $rc or no valid file"
echo "ulimit -v 60000, thread-churn: $(jq -r '[.benchmarks[] | "\(.backend)=\(.status)"] | join(" ")' "$f" 2>/dev/null)"

# ---- output folder: read-only, full before the start, filling mid-run ----
can_mount=0
probe=$scratch/mnt-probe; mkdir -p "$probe"
if [ -z "${AM_FAULTS_NO_MOUNT:-}" ] && [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k tmpfs "$probe" 2>/dev/null; then umount "$probe"; can_mount=1; fi
one_line_exit2() { # what  args...
  local what=$1; shift
  "$build/allocmark" run "$@" >/dev/null 2>"$scratch/err.txt"
  local rc=$?
  [ "$rc" = 2 ] || fail "$what: exit $rc, want 2"
  [ "$(wc -l <"$scratch/err.txt")" = 1 ] || fail "$what: want one line: $(cat "$scratch/err.txt")"
  echo "$what: $(cat "$scratch/err.txt")"
}
ro=$scratch/ro; full=$scratch/full; fills=$scratch/fills
mkdir -p "$ro" "$full" "$fills"
if [ "$can_mount" = 1 ]; then
  mount -t tmpfs -o size=1m,ro tmpfs "$ro" && mounts+=("$ro")
  mount -t tmpfs -o size=1m tmpfs "$full" && mounts+=("$full")
  head -c 2000000 /dev/zero >"$full/filler" 2>/dev/null # fill it up
  one_line_exit2 "read-only folder" "$pat" -b system -r 1 --quick -o "$ro/"
  one_line_exit2 "full folder" "$pat" -b system -r 1 --quick -o "$full/"
  one_line_exit2 "full folder, one file" "$pat" -b system -r 1 --quick -o "$full/r.json"
  # Mid-run: room for the probe and the first results file, not for the second.
  mount -t tmpfs -o size=1m tmpfs "$fills" && mounts+=("$fills")
  small=$scratch/small; mkdir -p "$small"
  "$build/allocmark" run "$pat" -b system -r 1 --quick -o "$small/" >/dev/null 2>&1
  one=$(stat -c %s "$small"/*.json)
  head -c $((1048576 - one - 4096 * 3)) /dev/zero >"$fills/filler" 2>/dev/null
  "$build/allocmark" run "$pat" "$src/patterns/web-sizes.json" -b system -r 1 --quick -o "$fills/" >/dev/null 2>"$scratch/err.txt"
  rc=$?
else
  [ "$(id -u)" != 0 ] && chmod 555 "$ro" && one_line_exit2 "read-only folder" "$pat" -b system -r 1 --quick -o "$ro/"
  # Without a mount, RLIMIT_FSIZE stands in for a full disk: a limit between the sizes of
  # the two results files (measured first; the second is the larger) refuses the second.
  sizes=$scratch/sizes; mkdir -p "$sizes"
  "$build/allocmark" run "$pat" "$src/patterns/web-sizes.json" -b system -r 1 --quick -o "$sizes/" >/dev/null 2>&1
  s1=$(stat -c %s "$sizes"/pairs-small-*.json) s2=$(stat -c %s "$sizes"/web-sizes-*.json)
  [ "$s2" -gt $((s1 + 2048)) ] || fail "fsize fallback: web-sizes results ($s2 B) not larger than pairs-small's ($s1 B)"
  (trap '' XFSZ; ulimit -f $(((s1 + s2) / 2048)); "$build/allocmark" run "$pat" "$src/patterns/web-sizes.json" -b system -r 1 --quick \
     -o "$fills/" >/dev/null 2>"$scratch/err.txt")
  rc=$?
fi
[ "$rc" = 1 ] || fail "filling mid-run: exit $rc, want 1"
kept=$(ls "$fills" | grep -c '^pairs-small-.*\.json$')
[ "$kept" = 1 ] && json_ok "$fills"/pairs-small-*.json || fail "filling mid-run: the first results file was not kept"
ls "$fills" | grep -q '\.tmp\.' && fail "filling mid-run: temp file left behind"
grep -q "web-sizes.*\(No space left\|File too large\)" "$scratch/err.txt" || fail "filling mid-run: error not named: $(cat "$scratch/err.txt")"
echo "filling mid-run: kept $(ls "$fills" | grep -v filler | tr '\n' ' '); $(grep -m1 '^allocmark run: .*web-sizes' "$scratch/err.txt")"

if [ "$fails" != 0 ]; then echo "test_faults: $fails failures" >&2; exit 1; fi
echo "test_faults: ok"
