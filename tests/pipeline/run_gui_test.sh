#!/usr/bin/env bash
# Runs a GUI test script in the ParaView GUI under Xvfb and fails unless the
# script recorded PASSED (the GUI's own exit code ignores Python errors).
# A run whose GUI could not open or lost its X display ("bad X server
# connection", no result recorded) is repeated with a fresh display, up to 3
# times; a recorded failure fails at once.
# usage: run_gui_test.sh XVFB_RUN PARAVIEW SCRIPT [PARAVIEW_OPTION...]
# (extra options, e.g. --test-script=clicks.xml, go to paraview after --script)
set -u
xvfb_run=$1 paraview=$2 script=$3
shift 3
for try in 1 2 3; do
  workdir=$(mktemp -d)
  export NEURALVIEW_GUI_RESULT="$workdir/result.txt"
  timeout 240 "$xvfb_run" -a -s "-screen 0 1280x1024x24" "$paraview" --dr --script="$script" "$@" --exit \
    >"$workdir/gui.log" 2>&1
  status=$?
  cat "$workdir/gui.log"
  if [ -f "$NEURALVIEW_GUI_RESULT" ]; then
    cat "$NEURALVIEW_GUI_RESULT"
    grep -q '^PASSED' "$NEURALVIEW_GUI_RESULT" || { echo "screenshot kept in $workdir"; exit 1; }
    rm -rf "$workdir"
    exit 0
  fi
  if ! grep -qE "bad X server connection|cannot open display|could not connect to display" "$workdir/gui.log"; then
    echo "the GUI exited with status $status without recording a result"; exit 1
  fi
  echo "=== attempt $try lost its X display; retrying with a fresh one ==="
  rm -rf "$workdir"
done
exit 1
