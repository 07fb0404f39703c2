#!/usr/bin/env bash
# Starts an Xvfb display and `pvserver` under `mpirun -np 2` on a free loopback
# port, runs a pvpython client script against it (the port is passed as
# NEURALVIEW_SERVER_PORT), and stops both whatever happens.
# Client and server ranks render through X (Debian's ParaView has no
# EGL/OSMesa). The display is started here, without an auth file, and passed
# to every rank explicitly: with xvfb-run's auth file a rank sometimes failed
# to open the display.
# usage: run_client_server.sh MPIRUN PVSERVER PVPYTHON CLIENT_SCRIPT [SCRIPT_ARGUMENTS...]
set -u
mpirun=$1 pvserver=$2 pvpython=$3 script=$4
log=$(mktemp)
display_number=$((100 + RANDOM % 400))
while [ -e "/tmp/.X${display_number}-lock" ]; do display_number=$((display_number + 1)); done
Xvfb ":$display_number" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$display_number" ] && break; sleep 0.1; done
export DISPLAY=":$display_number"
unset XAUTHORITY
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

OMP_NUM_THREADS=1 "$mpirun" --allow-run-as-root --oversubscribe --mca btl self,vader --bind-to none -np 2 \
  -x OMP_NUM_THREADS -x NEURALVIEW_PLUGIN -x DISPLAY \
  "$pvserver" --server-port="$port" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; sleep 1; kill -9 $server 2>/dev/null; kill $xvfb 2>/dev/null; rm -f "$log"' EXIT

for _ in $(seq 1 120); do
  grep -q "Accepting connection" "$log" && break
  kill -0 $server 2>/dev/null || { echo "pvserver exited early:"; cat "$log"; exit 1; }
  sleep 0.5
done
grep -q "Accepting connection" "$log" || { echo "pvserver did not start listening:"; cat "$log"; exit 1; }

NEURALVIEW_SERVER_PORT=$port timeout 240 "$pvpython" --force-offscreen-rendering "$script" "${@:5}"
status=$?
echo "--- pvserver log ---"; cat "$log"
exit $status
