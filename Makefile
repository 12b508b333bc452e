# OpenVitals. Two commands set everything up: `make demo` and `make test`.
SWIFT ?= swift
BUILD_FLAGS ?=
DEMO_DIR ?= $(CURDIR)/demo-output

.PHONY: deps build demo test fhir-check uplink-check bench-uplink vm-test vm-test-mutant eval-ecg eval-analytics bench clean

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

demo: build
	@./scripts/demo.sh "$(DEMO_DIR)"

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS) --skip UplinkPostgresTests
	@./scripts/uplink-check.sh $(BUILD_FLAGS)
	@./scripts/fhir-check.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"
	@./scripts/vm-test.sh

# The FHIR tier alone: demo scenario → vitals export fhir → every resource parsed with fhir.resources (R4), in a venv under .build.
fhir-check: build
	@./scripts/fhir-check.sh "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)"

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

# Performance figures (release build), one section per area: `make bench` or scripts/bench.sh SECTION (ecg, analytics).
bench: deps
	@./scripts/bench.sh

# Shows the tier catches a bug: builds a copy with one bug and expects vm-test to fail. MUTANT=cccd (the default: the
# BLE driver subscribes at the wrong handle), phd-ack (the 11073 manager acks with the wrong invoke-id) or pairing
# (the hub answers no pairing request).
vm-test-mutant: deps
	@./scripts/vm-test-mutant.sh

clean:
	rm -rf .build .build-vm .build-eval .build-mutant $(DEMO_DIR)
