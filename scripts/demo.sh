#!/usr/bin/env bash
# Sets everything up, builds, and runs the main job: the plugin loaded in
# pvbatch on generated fields, pictures written to output/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
mkdir -p output
export NEURALVIEW_PLUGIN="$PWD/build/lib/paraview-5.11/plugins/NeuralView/NeuralView.so"
xvfb-run -a -s "-screen 0 1280x1024x24" pvbatch examples/main_job.py output
echo "pictures written to $PWD/output"
