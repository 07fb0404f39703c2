#!/usr/bin/env bash
# Starts `pvserver` under `mpirun -np 2` on a free loopback port, runs a pvpython
# client script against it (the port is passed as NEURALVIEW_SERVER_PORT), and
# stops the server whatever happens.
# usage: run_client_server.sh MPIRUN PVSERVER PVPYTHON CLIENT_SCRIPT
set -u
mpirun=$1 pvserver=$2 pvpython=$3 script=$4
log=$(mktemp)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

"$mpirun" --allow-run-as-root --oversubscribe --mca btl self,vader --bind-to none -np 2 \
  -x OMP_NUM_THREADS -x NEURALVIEW_PLUGIN \
  "$pvserver" --server-port="$port" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; sleep 1; kill -9 $server 2>/dev/null; rm -f "$log"' EXIT

for _ in $(seq 1 120); do
  grep -q "Accepting connection" "$log" && break
  kill -0 $server 2>/dev/null || { echo "pvserver exited early:"; cat "$log"; exit 1; }
  sleep 0.5
done
grep -q "Accepting connection" "$log" || { echo "pvserver did not start listening:"; cat "$log"; exit 1; }

NEURALVIEW_SERVER_PORT=$port timeout 240 "$pvpython" --force-offscreen-rendering "$script"
status=$?
echo "--- pvserver log ---"; cat "$log"
exit $status
