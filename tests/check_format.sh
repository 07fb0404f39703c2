#!/usr/bin/env bash
# Fails when a C++ source of the project differs from what clang-format makes of it.
set -euo pipefail
root=${1:?usage: check_format.sh SOURCE_DIR}
cd "$root"
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.h' '*.cpp' '*.cxx' | grep -v '^build')
[ ${#files[@]} -gt 0 ] || { echo "no sources found"; exit 1; }
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  clang-format --style=file "$f" | cmp -s - "$f" || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "not clang-format clean (run: clang-format -i <file>):"; printf '  %s\n' "${bad[@]}"; exit 1
fi
echo "clang-format: ${#files[@]} files clean"
