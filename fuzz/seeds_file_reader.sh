#!/usr/bin/env bash
# Seeds for the file-reader fuzzer: the small test captures (tests/data/pcaps), as they are,
# and the generated encapsulation and fragment captures (tests/data/encap).
set -euo pipefail
src=${1:?pcaps dir}; out=${2:?corpus dir}
mkdir -p "$out"
find "$src" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -size -64k -print0 |
  while IFS= read -r -d '' f; do cp -f "$f" "$out/$(basename "$f")"; done
for f in "$(dirname "$0")"/../tests/data/encap/*.pcap; do cp -f "$f" "$out/$(basename "$f")"; done
