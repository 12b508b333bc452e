#!/usr/bin/env bash
# make bench-uplink: the PostgreSQL uplink's replay rate beside a raw `psql \copy` of the same rows, in the same run,
# on a fresh throw-away PostgreSQL 15 (scripts/pg-server.sh). Release build. Not a test: it prints figures.
#
#   scripts/bench-uplink.sh [ROWS]      default 1000000 (BENCH_UPLINK_BATCH: outbox entries per batch, default 50000)
#
# Both loads end in identical tables (vitals_measurements: the natural-key primary key, monthly range partitions made
# beforehand). The uplink's figure covers reading the hub's SQLite outbox (the next batch while the server works on
# one), COPY straight into the table (every batch is past the server's watermark: the staged path with
# INSERT … ON CONFLICT is for replays), the watermark, the commit and the hub's acknowledgement; the raw figure
# is psql's \copy of the same rows straight into the table.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
ROWS=${1:-1000000}
BATCH=${BENCH_UPLINK_BATCH:-50000}
SCRATCH=${BENCH_SCRATCH:-.build}

"$SWIFT" build -c release --scratch-path "$SCRATCH" --product vitals >&2
BIN="$("$SWIFT" build -c release --scratch-path "$SCRATCH" --show-bin-path)/vitals"

. scripts/pg-server.sh
WORK="$(mktemp -d)"
cleanup() { pg_server_stop; rm -rf "$WORK"; }
trap cleanup EXIT
trap "exit 143" INT TERM
pg_server_start
export PGPASSWORD="$VITALS_TEST_POSTGRES_PASSWORD"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U vitals)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench_uplink" -c "CREATE DATABASE bench_raw"
chmod 755 "$WORK"

echo "== bench-uplink: $ROWS rows, batches of $BATCH outbox entries, $(nproc) cores"
VITALS_UPLINK_PASSWORD="$PGPASSWORD" "$BIN" bench-uplink --rows "$ROWS" --batch-size "$BATCH" \
    --url "postgres://vitals@127.0.0.1:$PG_PORT/bench_uplink" --raw-database bench_raw --dump "$WORK/rows.copy" | tee "$WORK/uplink.out"
uplink_rate=$(awk '/^UPLINK_ROWS_PER_S/ {print $2}' "$WORK/uplink.out")

"${PSQL[@]}" -d bench_raw -c "CHECKPOINT" >/dev/null
"${PSQL[@]}" -d bench_uplink -c "CHECKPOINT" >/dev/null
t0=$(date +%s.%N)
"${PSQL[@]}" -d bench_raw -c "\\copy vitals_measurements FROM '$WORK/rows.copy'"
t1=$(date +%s.%N)
raw_rows=$("${PSQL[@]}" -d bench_raw -At -c "SELECT count(*) FROM vitals_measurements")
up_rows=$("${PSQL[@]}" -d bench_uplink -At -c "SELECT count(*) FROM vitals_measurements")
raw_rate=$(python3 -c "print(int($raw_rows / ($t1 - $t0)))")
python3 - "$ROWS" "$up_rows" "$uplink_rate" "$raw_rows" "$raw_rate" "$t0" "$t1" <<'PY'
import sys
n, up_rows, up, raw_rows, raw, t0, t1 = sys.argv[1:]
up, raw = int(up), int(raw)
a, b = "uplink (outbox, read-ahead, direct COPY)", "raw psql \\copy into the same table"
print("psql \\copy: %d rows in %.2f s" % (int(raw_rows), float(t1) - float(t0)))
print()
print("%-44s %9s %9s" % ("path", "rows", "M rows/s"))
print("%-44s %9d %9.3f" % (a, int(up_rows), up / 1e6))
print("%-44s %9d %9.3f" % (b, int(raw_rows), raw / 1e6))
print("uplink / raw = %.2f; goal >= 0.25 M rows/s: %s" % (up / raw, "met" if up >= 250000 else "NOT met"))
PY
