#!/usr/bin/env bash
# tests/fuzz/replay.sh BIN NAME — run a replay build of fuzz target NAME (BIN, from
# replay_main.c) once over its seeds and regression inputs (seeds.sh NAME). The CTest
# fuzz.replay.NAME: deterministic, any compiler, also under ASan+UBSan.
set -euo pipefail
bin=${1:?usage: replay.sh BIN NAME}; name=${2:?usage: replay.sh BIN NAME}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
mapfile -t inputs < <("$here/seeds.sh" "$name")
[ ${#inputs[@]} -gt 0 ] || { echo "replay.sh: target $name has no seeds" >&2; exit 1; }
exec "$bin" "${inputs[@]}"
