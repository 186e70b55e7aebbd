#!/usr/bin/env bash
# A private PostgreSQL for tests and benchmarks, without systemd: Debian's binaries (the postgresql package is
# installed when missing), initdb + pg_ctl as user postgres in a folder of its own, on a free port on 127.0.0.1.
#   scripts/private-postgres.sh start DIR [server options...]   prints the Npgsql connection string of the postgres database
#   scripts/private-postgres.sh stop DIR                         stops the server and removes DIR
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

command="${1:?start or stop}"
dir="${2:?a folder for the server}"
shift 2

case "$command" in
  start)
    if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
      echo "private-postgres: installing postgresql from Debian" >&2
      as_root apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
    fi
    bin="$(pg_bin)"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    as_root install -d -o postgres -g postgres -m 0700 "$dir"
    as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 $*" start >/dev/null
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
    ;;
  stop)
    bin="$(pg_bin)"
    if [ -d "$dir/data" ]; then as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    as_root rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR [server options]" >&2
    exit 2
    ;;
esac
