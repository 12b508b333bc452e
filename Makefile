# OpenVitals. Two commands set everything up: `make demo` and `make test`.
SWIFT ?= swift
BUILD_FLAGS ?=
DEMO_DIR ?= $(CURDIR)/demo-output

.PHONY: deps build demo test vm-test clean bench eval-analytics

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

demo: build
	@./scripts/demo.sh "$(DEMO_DIR)"

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)
	@./scripts/vm-test.sh

# The real-kernel tier alone: the hub and firmware-sim against Linux's Bluetooth and USB (USB/IP) stacks in a QEMU guest.
vm-test: deps
	@./scripts/vm-test.sh

# Performance figures (release build), one section per area: `make bench` or scripts/bench.sh SECTION.
bench: deps
	@./scripts/bench.sh

# Analytics on the reference data in ../shared/data: one table.
eval-analytics: deps
	@./scripts/eval-analytics.sh

clean:
	rm -rf .build .build-vm $(DEMO_DIR)
