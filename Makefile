# OpenVitals. Two commands set everything up: `make demo` and `make test`.
SWIFT ?= swift
BUILD_FLAGS ?=
DEMO_DIR ?= $(CURDIR)/demo-output

.PHONY: deps build demo test clean

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

demo: build
	@./scripts/demo.sh "$(DEMO_DIR)"

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

clean:
	rm -rf .build $(DEMO_DIR)
