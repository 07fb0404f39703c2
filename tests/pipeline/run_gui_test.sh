#!/usr/bin/env bash
# Runs a GUI test script in the ParaView GUI under Xvfb and fails unless the
# script recorded PASSED (the GUI's own exit code ignores Python errors).
# usage: run_gui_test.sh XVFB_RUN PARAVIEW SCRIPT
set -u
xvfb_run=$1 paraview=$2 script=$3
workdir=$(mktemp -d)
export NEURALVIEW_GUI_RESULT="$workdir/result.txt"
timeout 240 "$xvfb_run" -a -s "-screen 0 1280x1024x24" "$paraview" --dr --script="$script" --exit
status=$?
if [ ! -f "$NEURALVIEW_GUI_RESULT" ]; then
  echo "the GUI exited with status $status without recording a result"; exit 1
fi
cat "$NEURALVIEW_GUI_RESULT"
grep -q '^PASSED' "$NEURALVIEW_GUI_RESULT" || { echo "screenshot kept in $workdir"; exit 1; }
rm -rf "$workdir"
