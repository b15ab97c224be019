#!/usr/bin/env bash
# A second PostgreSQL as a user's own database is set up: password authentication (SCRAM) only,
# a role `platform` that owns a database `platform`, for database_teeth's real-database case.
#   second_server.sh start DIR PASSWORD   prints the port once the server accepts connections
#   second_server.sh stop DIR             stops it and removes DIR
# As root the server runs as the user postgres (initdb refuses root).
set -euo pipefail
what=$1 dir=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || bindir=$(dirname "$(command -v initdb)")
as=()
[ "$(id -u)" = 0 ] && as=(runuser -u postgres --)

if [ "$what" = stop ]; then
  if [ -f "$dir/data/postmaster.pid" ]; then
    "${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  exit 0
fi

password=$3
mkdir -p "$dir"
chmod 0755 "$dir"
printf '%s\n' "$password" > "$dir/pw"
[ "$(id -u)" = 0 ] && chown -R postgres "$dir"
"${as[@]}" "$bindir/initdb" -D "$dir/data" -U platform --auth=scram-sha-256 --pwfile="$dir/pw" \
  -E UTF8 --locale=C -N >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
rm -f "$dir/pw"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
PGPASSWORD=$password psql -X -q -v ON_ERROR_STOP=1 \
  "postgresql://platform@127.0.0.1:$port/postgres" -c 'CREATE DATABASE platform' >&2
echo "$port"
