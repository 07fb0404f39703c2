#!/usr/bin/env bash
# Starts an Xvfb display and `pvserver` under `mpirun -np 2` on a free loopback
# port, runs a pvpython client script against it (the port is passed as
# NEURALVIEW_SERVER_PORT), and stops both whatever happens.
# Client and server ranks render through X (Debian's ParaView has no
# EGL/OSMesa). The client's display is started here, without an auth file;
# every server rank gets an Xvfb of its own (with_own_display.sh).
# On a loaded machine a rank occasionally still cannot open the display ("bad
# X server connection"), which kills the server before the test checks
# anything; such a run is repeated with a fresh display, up to 3 times. Any
# other failure fails at once.
# usage: run_client_server.sh MPIRUN PVSERVER PVPYTHON CLIENT_SCRIPT [SCRIPT_ARGUMENTS...]
# Optional environment: NEURALVIEW_SERVER_RANKS (pvserver ranks, default 2),
# NEURALVIEW_CLIENT_TIMEOUT (seconds the client may run, default 240).
set -u
mpirun=$1 pvserver=$2 pvpython=$3 script=$4
shift 4
server="" xvfb=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; [ -n "$xvfb" ] && kill $xvfb 2>/dev/null' EXIT

attempt() {
  local log client_log display_number port status
  log=$(mktemp)
  client_log=$(mktemp)
  display_number=$((100 + RANDOM % 400))
  while [ -e "/tmp/.X${display_number}-lock" ]; do display_number=$((display_number + 1)); done
  Xvfb ":$display_number" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$display_number" ] && break; sleep 0.1; done
  export DISPLAY=":$display_number"
  unset XAUTHORITY
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

  OMP_NUM_THREADS=1 "$mpirun" --allow-run-as-root --oversubscribe --mca btl self,vader --bind-to none -np "${NEURALVIEW_SERVER_RANKS:-2}" \
    -x OMP_NUM_THREADS -x NEURALVIEW_PLUGIN \
    "$(dirname "$0")/with_own_display.sh" "$pvserver" --server-port="$port" >"$log" 2>&1 &
  server=$!

  status=0
  for _ in $(seq 1 120); do
    grep -q "Accepting connection" "$log" && break
    kill -0 $server 2>/dev/null || { echo "pvserver exited early:"; cat "$log"; status=1; break; }
    sleep 0.5
  done
  if [ $status -eq 0 ]; then
    if grep -q "Accepting connection" "$log"; then
      NEURALVIEW_SERVER_PORT=$port timeout "${NEURALVIEW_CLIENT_TIMEOUT:-240}" "$pvpython" --force-offscreen-rendering "$script" "$@" 2>&1 |
        tee "$client_log"
      status=${PIPESTATUS[0]}
    else
      echo "pvserver did not start listening:"; cat "$log"; status=1
    fi
  fi
  echo "--- pvserver log ---"; cat "$log"
  kill $server 2>/dev/null; sleep 1; kill -9 $server 2>/dev/null
  kill $xvfb 2>/dev/null
  if [ $status -ne 0 ] && grep -q "bad X server connection" "$log" "$client_log"; then status=75; fi
  rm -f "$log" "$client_log"
  return $status
}

for try in 1 2 3; do
  attempt "$@"
  status=$?
  [ $status -ne 75 ] && exit $status
  echo "=== attempt $try lost its X display; retrying with a fresh one ==="
done
exit 1
