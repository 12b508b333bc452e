# OpenVitals. Two commands set everything up: `make demo` and `make test`.
SWIFT ?= swift
BUILD_FLAGS ?=
DEMO_DIR ?= $(CURDIR)/demo-output

.PHONY: install crash-test disk-test fuzz deps build demo test fhir-check browser-test api-check remote-token-check uplink-check bench-uplink vm-test vm-test-mutant eval-ecg eval-analytics bench clean

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

demo: build
	@./scripts/demo.sh "$(DEMO_DIR)"

# make test: the Swift tests, then the tiers that run the built binaries (FHIR export, a Nightscout client, the
# dashboard and kiosk in headless Chromium, the API fuzzed against docs/openapi.yaml, the token over a real network
# namespace), the crash tier (SIGKILL mid-transfer) and the disk tier (a full filesystem), a short libFuzzer run over
# the wire decoders, then the real-kernel tier in QEMU.
test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS) --skip UplinkPostgresTests
	@./scripts/uplink-check.sh $(BUILD_FLAGS)
	@./scripts/fhir-check.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"
	@./scripts/nightscout-check.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"
	@./scripts/browser-test.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"
	@./scripts/api-check.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"
	@./scripts/remote-token-check.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"
	@./scripts/crash-test.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"
	@./scripts/disk-test.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"
	@./scripts/fuzz.sh 1000
	@./scripts/vm-test.sh

# The FHIR tier alone: demo scenario → vitals export fhir → every resource parsed with fhir.resources (R4), in a venv under .build.
fhir-check: build
	@./scripts/fhir-check.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"

# The browser tier alone: the dashboard (an alert arrives live and is acknowledged) and the kiosk screen (two
# patients; the next sees nothing of the last) in headless Chromium; screenshots under .build/browser.
browser-test: build
	@./scripts/browser-test.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"

# The API tier alone: scenarios into a database, vitals serve with a token (and vitals run --kiosk --http for the
# kiosk routes), schemathesis (pinned, venv under .build) checks every response against docs/openapi.yaml: no 5xx,
# documented status, content type, headers and body schema. Fails on any failure schemathesis reports.
api-check: build
	@./scripts/api-check.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"

# The token over a real network (root: ip netns and a veth pair, 10.203.0.1 ↔ 10.203.0.2): from the namespace, no
# token or a wrong one → 401 with WWW-Authenticate: Bearer, the right one → 200; serving on 10.203.0.1 without a
# token refuses to start; the default bind (127.0.0.1) cannot be reached from the namespace.
remote-token-check: build
	@./scripts/remote-token-check.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"

# The crash tier alone: 20 cuffs × 5000 stored readings, the hub SIGKILLed 8 times at random points and restarted on
# the same database, then run to the end: every reading stored exactly once (0 lost, 0 duplicated).
crash-test: build
	@./scripts/crash-test.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"

# The disk tier alone (root: it mounts a 16 MiB tmpfs; DISK_FS=ext4 for a loop-mounted ext4 image): 4 cuffs × 2500
# readings, the filesystem filled three times while they arrive: the hub reports "disk full" with the database path
# and keeps running; the first time it goes on by itself once space is freed, the second time it is SIGKILLed while
# full, the third stopped with SIGTERM (within 35 s), and restarted. It confirms nothing it could not store: at the
# end 0 lost, 0 duplicated.
disk-test: build
	@./scripts/disk-test.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"

# libFuzzer over every wire decoder (AddressSanitizer), RUNS inputs per target (default 200000); make test runs 1000 each.
fuzz:
	@./scripts/fuzz.sh $(or $(RUNS),200000)

# The uplink tier alone: a throw-away PostgreSQL 15 (initdb + pg_ctl in a temp dir, a free loopback port) and the
# Swift tests that need it (idempotent replay, two hubs, the 24-hour outage, a connection killed mid-batch).
uplink-check: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	@./scripts/uplink-check.sh $(BUILD_FLAGS)

# The uplink's replay rate beside a raw psql \copy of the same rows, same server, same run (release build; ROWS=1000000).
bench-uplink: deps
	@./scripts/bench-uplink.sh $(ROWS)

# The real-kernel tier alone: the hub and firmware-sim against Linux's Bluetooth and USB (USB/IP) stacks in a QEMU guest.
vm-test: deps
	@./scripts/vm-test.sh

# ECG: EC57 scoring of our detector beside sleepecg and wfdb XQRS, AF on 201/203, codec vs flac -8
# (needs ../shared/data/mitdb; installs the peers into .build-eval/venv and flac with apt-get if missing).
eval-ecg:
	@./scripts/eval-ecg.sh

# Analytics on the reference data in ../shared/data: one table.
eval-analytics: deps
	@./scripts/eval-analytics.sh

# Performance figures (release build), one section per area: `make bench` or scripts/bench.sh SECTION (ecg, analytics,
# ingest, load). Goals are printed beside the figures, never enforced; scripts/load-test.sh alone takes DEVICES READINGS.
bench: deps
	@./scripts/bench.sh

# Shows the tier catches a bug: builds a copy with one bug and expects vm-test to fail. MUTANT=cccd (the default: the
# BLE driver subscribes at the wrong handle), phd-ack (the 11073 manager acks with the wrong invoke-id) or pairing
# (the hub answers no pairing request).
vm-test-mutant: deps
	@./scripts/vm-test-mutant.sh

# The hub as a systemd service: binary, profiles, web UI, unit, udev rules, example config, user openvitals (as root).
install: deps
	@./scripts/install-service.sh

clean:
	rm -rf .build .build-vm .build-eval .build-mutant $(DEMO_DIR)
