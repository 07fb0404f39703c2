#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite (or a part: pass
# ctest arguments, e.g. `scripts/test.sh -L unit`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" "$@"
