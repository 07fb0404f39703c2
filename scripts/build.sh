#!/usr/bin/env bash
# Installs the Debian dependencies (quick when present) and builds NeuralView
# into build/ (Ninja, Release). Re-running after an edit rebuilds incrementally.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
