# Sourced by scripts/uplink-check.sh and scripts/bench-uplink.sh: a throw-away PostgreSQL 15 (Debian's postgresql
# package) in a temp directory, on a free loopback port, with scram-sha-256 password authentication over TCP.
#
#   pg_server_start    initdb + pg_ctl start; exports VITALS_TEST_POSTGRES_URL (postgres://vitals@127.0.0.1:PORT/postgres),
#                      VITALS_TEST_POSTGRES_PASSWORD and VITALS_TEST_POSTGRES_CONTROL (a script taking stop or start)
#   pg_server_stop     stops it and removes the directory (call it from a trap)
#
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user Debian's package creates
# (runuser); otherwise as the current user.
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_DIR=""

pg_server_start() {
    [ -x "$PG_BIN/initdb" ] || { echo "pg-server: $PG_BIN/initdb not found: install the postgresql package (scripts/install-deps.sh)" >&2; return 1; }
    PG_DIR="$(mktemp -d /tmp/openvitals-pg.XXXXXX)"
    chmod 700 "$PG_DIR"
    local run=()
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || { echo "pg-server: running as root and there is no postgres user" >&2; return 1; }
        chown postgres: "$PG_DIR"
        run=(runuser -u postgres --)
    fi
    local password
    password="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
    (umask 077; printf '%s\n' "$password" >"$PG_DIR/pwfile")
    [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR/pwfile"
    "${run[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U vitals --pwfile="$PG_DIR/pwfile" -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    rm -f "$PG_DIR/pwfile"
    local port="" try
    for try in 1 2 3 4 5; do
        port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
        cat >"$PG_DIR/control.sh" <<CTL
#!/usr/bin/env bash
# stop | start the test server (the uplink outage test calls it)
set -euo pipefail
case "\$1" in
    stop) ${run[*]} "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >>"$PG_DIR/pg_ctl.log" 2>&1 ;;
    start) ${run[*]} "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \\
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c max_connections=40" start >>"$PG_DIR/pg_ctl.log" 2>&1 ;;
    *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
CTL
        chmod 755 "$PG_DIR/control.sh"
        if "$PG_DIR/control.sh" start; then break; fi
        port=""
    done
    [ -n "$port" ] || { echo "pg-server: the server did not start:" >&2; tail -20 "$PG_DIR/server.log" >&2; return 1; }
    export VITALS_TEST_POSTGRES_URL="postgres://vitals@127.0.0.1:$port/postgres"
    export VITALS_TEST_POSTGRES_PASSWORD="$password"
    export VITALS_TEST_POSTGRES_CONTROL="$PG_DIR/control.sh"
    export PG_PORT="$port" PG_SOCKET_DIR="$PG_DIR"
    echo "pg-server: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($PG_DIR)"
}

pg_server_stop() {
    [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ] || return 0
    "$PG_DIR/control.sh" stop 2>/dev/null || true
    rm -rf "$PG_DIR"
    PG_DIR=""
}
