#!/usr/bin/env bash
# make test, remote-token tier: the API refuses a client on another host without the token, over a real network.
#
#   scripts/remote-token-check.sh [BIN_DIR]     BIN_DIR holds vitals and firmware-sim (default: swift build --show-bin-path)
#
# It makes a network namespace joined to this one by a veth pair (REMOTE_TOKEN_NET, default 10.203.0: this side
# .1/24, the namespace .2/24), so requests come from a peer whose address is not loopback, and asserts from inside
# the namespace (ip netns exec … curl):
#   - `vitals serve --host 10.203.0.1` without a token refuses to start: non-zero exit, saying a token is required;
#   - `vitals serve --host 10.203.0.1 --token-file F` (mode 0600): GET /healthz without a token 200 (the one open
#     route, and proof the namespace reaches the server); /api/v1/subjects, /metrics and an unknown route without a
#     token 401 with `WWW-Authenticate: Bearer`; a wrong token (same length, and shorter) 401; the right token 200;
#   - `vitals serve` on the default bind (127.0.0.1, no token) answers on this side's loopback but cannot be reached
#     from the namespace at all (connection refused on 10.203.0.1, and the namespace's 127.0.0.1 is its own).
# Traffic goes only between this host and the namespace it made. Needs root (ip netns): not root, it fails when
# $CI is set and skips otherwise. The servers, the namespace and the links are removed on every exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-$(swift build --show-bin-path)}"

if [ "$(id -u)" -ne 0 ]; then
    if [ -n "${CI:-}" ]; then
        echo "remote-token-check: FAILED: this check needs root (ip netns, veth); CI runs as root" >&2
        exit 1
    fi
    echo "remote-token-check: skipped: needs root (ip netns, veth); run it as root, or in CI"
    exit 0
fi
for tool in ip curl; do
    command -v "$tool" >/dev/null || { echo "remote-token-check: $tool is missing (make deps installs iproute2 and curl)" >&2; exit 1; }
done

NET="${REMOTE_TOKEN_NET:-10.203.0}"
HOST_IP="$NET.1" PEER_IP="$NET.2"
NS="ovtoken$$" VH="ovth$$" VN="ovtn$$"   # interface names stay under 16 characters
DIR="$(mktemp -d)"
chmod 700 "$DIR"
SIM="" SERVER=""
failures=0

stop_server() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""; fi
}
cleanup() {
    [ -n "$SIM" ] && kill "$SIM" 2>/dev/null
    stop_server
    ip netns del "$NS" 2>/dev/null || true      # takes its end of the veth pair, and so the pair, with it
    ip link del "$VH" 2>/dev/null || true
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "remote-token-check: FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "  ok  $*"; }

if ip -o -4 addr show | grep -q "inet $NET\."; then
    echo "remote-token-check: $NET.0/24 is already on an interface here (another run?); set REMOTE_TOKEN_NET to a free /24" >&2
    exit 1
fi

echo "== remote-token-check: namespace $NS, veth $VH ($HOST_IP/24) ↔ $VN ($PEER_IP/24)"
ip netns add "$NS"
ip link add "$VH" type veth peer name "$VN"
ip link set "$VN" netns "$NS"
ip addr add "$HOST_IP/24" dev "$VH"
ip link set "$VH" up
ip netns exec "$NS" ip addr add "$PEER_IP/24" dev "$VN"
ip netns exec "$NS" ip link set "$VN" up
ip netns exec "$NS" ip link set lo up

echo "== remote-token-check: firmware-sim run demo → vitals run --db $DIR/vitals.sqlite"
"$BIN/firmware-sim" run demo --socket "$DIR/sim.sock" >"$DIR/sim.log" 2>&1 &
SIM=$!
"$BIN/vitals" run --sim "$DIR/sim.sock" --db "$DIR/vitals.sqlite" --exit-when-done >"$DIR/hub.log" 2>&1 || { cat "$DIR/hub.log" >&2; exit 1; }
wait "$SIM"
SIM=""

(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/token")
TOKEN=$(cat "$DIR/token")
WRONG=$(printf '%s' "$TOKEN" | tr '0-9a-f' '1-9a-f0')   # same length, every character different

# Starts `vitals serve … --port 0 ARGS` and sets PORT to the port it announces on ADDRESS.
start_server() {
    local address=$1; shift
    "$BIN/vitals" serve --db "$DIR/vitals.sqlite" --port 0 "$@" >"$DIR/serve.log" 2>&1 &
    SERVER=$!
    PORT=""
    for _ in $(seq 300); do
        PORT=$(sed -n "s|^api  *http://${address//./\\.}:\([0-9][0-9]*\)/api/v1.*|\1|p" "$DIR/serve.log" | head -1)
        [ -n "$PORT" ] && return 0
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.1
    done
    echo "remote-token-check: vitals serve $* did not announce $address:PORT:" >&2
    cat "$DIR/serve.log" >&2
    exit 1
}

# From inside the namespace: prints the status code; headers in $DIR/headers. Extra arguments go to curl.
remote() {
    local url=$1; shift
    ip netns exec "$NS" curl --silent --noproxy '*' --connect-timeout 3 --max-time 5 \
        -o "$DIR/body" -D "$DIR/headers" -w '%{http_code}' "$@" "$url"
}

expect_401() {
    local what=$1 url=$2; shift 2
    local code
    code=$(remote "$url" "$@") || true
    if [ "$code" != 401 ]; then fail "$what: $code, expected 401 ($(head -c 200 "$DIR/body" 2>/dev/null))"; return; fi
    if ! grep -qi '^WWW-Authenticate: Bearer' "$DIR/headers"; then fail "$what: 401 without WWW-Authenticate: Bearer"; return; fi
    if grep -q "$TOKEN" "$DIR/body" "$DIR/headers"; then fail "$what: the answer holds the token"; return; fi
    pass "$what → 401, WWW-Authenticate: Bearer"
}

expect_200() {
    local what=$1 url=$2; shift 2
    local code
    code=$(remote "$url" "$@") || true
    if [ "$code" = 200 ]; then pass "$what → 200"; else fail "$what: $code, expected 200 ($(head -c 200 "$DIR/body" 2>/dev/null))"; fi
}

echo "== remote-token-check: vitals serve --host $HOST_IP without a token must refuse to start"
set +e
env -u VITALS_API_TOKEN timeout 20 "$BIN/vitals" serve --db "$DIR/vitals.sqlite" --host "$HOST_IP" --port 0 >"$DIR/refused.out" 2>"$DIR/refused.err"
rc=$?
set -e
if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
    fail "vitals serve --host $HOST_IP without a token exited $rc (it must refuse at once, non-zero)"
elif ! grep -q "refusing to listen on $HOST_IP" "$DIR/refused.err" || ! grep -q "token is required" "$DIR/refused.err"; then
    fail "vitals serve --host $HOST_IP without a token exited $rc without saying why: $(cat "$DIR/refused.err")"
else
    pass "exit $rc: $(head -1 "$DIR/refused.err")"
fi

echo "== remote-token-check: vitals serve --host $HOST_IP --token-file … (mode 0600), requests from $PEER_IP"
start_server "$HOST_IP" --host "$HOST_IP" --token-file "$DIR/token"
BASE="http://$HOST_IP:$PORT"
expect_200 "GET /healthz, no token (the open route)" "$BASE/healthz"
expect_401 "GET /api/v1/subjects, no token" "$BASE/api/v1/subjects"
expect_401 "GET /api/v1/readings, no token" "$BASE/api/v1/readings?limit=1"
expect_401 "GET /metrics, no token" "$BASE/metrics"
expect_401 "GET /no-such-route, no token" "$BASE/no-such-route"
expect_401 "POST /api/v1/subjects, no token" "$BASE/api/v1/subjects" -X POST -H 'Content-Type: application/json' -d '{"id":"intruder","displayName":"x"}'
expect_401 "GET /api/v1/subjects, wrong token (same length)" "$BASE/api/v1/subjects" -H "Authorization: Bearer $WRONG"
expect_401 "GET /api/v1/subjects, the token's first half" "$BASE/api/v1/subjects" -H "Authorization: Bearer ${TOKEN:0:24}"
expect_401 "GET /api/v1/subjects, the token as Basic" "$BASE/api/v1/subjects" -H "Authorization: Basic $TOKEN"
expect_200 "GET /api/v1/subjects, right token" "$BASE/api/v1/subjects" -H "Authorization: Bearer $TOKEN"
grep -q '"subjects"' "$DIR/body" || fail "the right token's answer is not the subject list: $(head -c 200 "$DIR/body")"
expect_200 "GET /api/v1/readings?limit=1, right token" "$BASE/api/v1/readings?limit=1" -H "Authorization: Bearer $TOKEN"
grep -q '"readings":\[{' "$DIR/body" || fail "no reading came back with the right token: $(head -c 200 "$DIR/body")"
# The intruder's POST above was refused before it reached the store.
curl --silent --noproxy '*' --max-time 5 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/subjects" >/dev/null 2>&1 &&
    fail "the server on $HOST_IP also answered on 127.0.0.1" || true
code=$(remote "$BASE/api/v1/subjects" -H "Authorization: Bearer $TOKEN") || true
if grep -q intruder "$DIR/body"; then fail "POST without a token created a subject"; else pass "the refused POST stored nothing"; fi
stop_server

echo "== remote-token-check: vitals serve on the default bind (127.0.0.1, no token) is not reachable from $PEER_IP"
start_server 127.0.0.1
code=$(curl --silent --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz") || true
[ "$code" = 200 ] && pass "from this host's loopback: /healthz → 200" || fail "the default-bind server does not answer on 127.0.0.1:$PORT ($code)"
for url in "http://$HOST_IP:$PORT/api/v1/subjects" "http://127.0.0.1:$PORT/api/v1/subjects"; do
    set +e
    remote "$url" >/dev/null
    rc=$?
    set -e
    # 7: could not connect (refused). Anything that reached an HTTP server, or a time-out, fails the check.
    if [ "$rc" -eq 7 ]; then pass "from the namespace, $url: connection refused"; else fail "from the namespace, $url: curl exit $rc (expected 7, refused)"; fi
done
stop_server

if [ "$failures" -ne 0 ]; then
    echo "remote-token-check: FAILED ($failures)" >&2
    exit 1
fi
echo "remote-token-check: ok"
