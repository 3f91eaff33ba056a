#!/bin/sh
# tests/conform/expect_fail.sh CONFORM CASE REASON [VAR=VALUE...] — proves the suite can fail.
# Runs the conformance executable CONFORM (conform-broken) with the environment VAR=VALUE
# (e.g. AM_BROKEN=misalign) and passes only when the suite FAILS, with exit status 1,
# and case CASE is among the failed ones, for the expected reason: the message of its
# line "FAIL  CASE: message" matches the extended regular expression REASON.
if [ $# -lt 3 ]; then echo "usage: $0 CONFORM CASE REASON [VAR=VALUE...]" >&2; exit 2; fi
bin=$1 want=$2 reason=$3
shift 3
out=$(env "$@" "$bin" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $rc -eq 0 ]; then
  echo "expect_fail: the suite PASSED under $*: it cannot catch this fault"; exit 1
fi
if [ $rc -ne 1 ]; then
  echo "expect_fail: exit status $rc under $*, want 1 (a case failed)"; exit 1
fi
line=$(printf '%s\n' "$out" | grep "^FAIL  *$want:")
if [ -z "$line" ]; then
  echo "expect_fail: under $* the suite failed, but not in case '$want'"; exit 1
fi
if ! printf '%s\n' "$line" | sed "s/^FAIL  *$want: //" | grep -Eq "$reason"; then
  echo "expect_fail: case '$want' failed, but not for the expected reason /$reason/"; exit 1
fi
failed=$(printf '%s\n' "$out" | sed -n 's/^FAIL  *\([a-z0-9_]*\):.*/\1/p' | tr '\n' ' ')
echo "expect_fail: ok: under $* the suite failed in $want as expected (all failed: $failed)"
