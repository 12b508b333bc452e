# OpenVitals. Two commands set everything up: `make demo` and `make test`.
SWIFT ?= swift
BUILD_FLAGS ?=
DEMO_DIR ?= $(CURDIR)/demo-output

.PHONY: deps build demo test vm-test vm-test-mutant clean

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

# Shows the tier catches a broken driver: builds a copy with one bug (MUTANT=cccd or phd-ack) and expects vm-test to fail.
vm-test-mutant: deps
	@./scripts/vm-test-mutant.sh

clean:
	rm -rf .build .build-vm .build-mutant $(DEMO_DIR)
