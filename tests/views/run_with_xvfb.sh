#!/usr/bin/env bash
# Runs a command with its own Xvfb display (views render even in pvpython).
# Xvfb picks a free display number itself (-displayfd), and no auth file is
# used: `xvfb-run -a` and guessed numbers raced with other tests starting
# displays at the same time ("bad X server connection").
# usage: run_with_xvfb.sh COMMAND [ARGS...]
set -u
number_file=$(mktemp)
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$number_file" >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -f "$number_file"' EXIT
for _ in $(seq 1 100); do [ -s "$number_file" ] && break; sleep 0.1; done
[ -s "$number_file" ] || { echo "Xvfb did not start"; exit 1; }
export DISPLAY=":$(head -n1 "$number_file")"
unset XAUTHORITY
timeout 240 "$@"
