#!/bin/sh
# tests/programs/good/lines.sh — writes N pseudo-random lines to FILE (setup of sort.json).
# Usage: lines.sh N FILE
n=$1; i=0; x=12345
: > "$2"
while [ "$i" -lt "$n" ]; do
  x=$(( (x * 1103515245 + 12345) % 2147483648 ))
  echo "line $x $i" >> "$2"
  i=$((i + 1))
done
