#!/usr/bin/env bash
# tests/pagepool/rlimit_dropin.sh LIBPAGEPOOL — the drop-in under an address-space limit:
# `ulimit -v 1200000` and Python allocating 50 x 5 MB, which glibc serves, must be served
# with LD_PRELOAD=libpagepool.so too (the region reservation once held 1 GiB of the limit
# as PROT_NONE and the large path starved: MemoryError). 77 when python3 is missing.
set -u
lib=${1:?usage: rlimit_dropin.sh LIBPAGEPOOL}
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
prog='x = [bytearray(5000000) for _ in range(50)]; print("served", sum(map(len, x)))'
(ulimit -v 1200000; python3 -c "$prog") || { echo "glibc itself fails under ulimit -v 1200000: skipped"; exit 77; }
out=$( (ulimit -v 1200000; LD_PRELOAD=$lib python3 -c "$prog") 2>&1 ) || { echo "pagepool: $out"; exit 1; }
echo "pagepool: $out"
[ "$out" = "served 250000000" ]
