#!/usr/bin/env bash
# Runs a command (one pvserver rank, or a test via tests/views/run_with_xvfb.sh)
# with an Xvfb display of its own, so that
# the ranks of one pvserver do not open render windows on the same X server
# at once (rank 1 repeatedly lost that shared display on this machine).
# usage: with_own_display.sh COMMAND [ARGS...]
number_file=$(mktemp)
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$number_file" >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -f "$number_file"' EXIT
for _ in $(seq 1 100); do [ -s "$number_file" ] && break; sleep 0.1; done
[ -s "$number_file" ] || { echo "Xvfb did not start"; exit 1; }
export DISPLAY=":$(head -n1 "$number_file")"
unset XAUTHORITY
"$@"
