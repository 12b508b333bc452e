#!/usr/bin/env bash
# make test, uplink tier: starts a throw-away PostgreSQL 15 (scripts/pg-server.sh) and runs the Swift tests that need
# it (VitalsUplinkTests: idempotent replay, two hubs, the 24-hour outage, a connection killed mid-batch) against it.
# Without this script those tests skip locally and fail in CI (CI set), so CI cannot pass without a real server.
#
#   scripts/uplink-check.sh [SWIFT TEST FLAGS…]     e.g. --scratch-path .build-uplink (the build must exist)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg-server.sh
trap pg_server_stop EXIT
trap "exit 143" INT TERM
pg_server_start
echo "== uplink-check: swift test --skip-build --filter VitalsUplinkTests $*"
swift test --skip-build "$@" --filter VitalsUplinkTests
