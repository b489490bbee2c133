# Vigil: `make demo` shows Vigil watching a local master and replica; `make test` runs every test.
.PHONY: all build test demo deps simulate benchmark clean

all: build

deps:
	bash scripts/install-deps.sh

build: deps
	swift build --build-tests

test: build
	swift test
	python3 -m pytest tests/python -q

demo: deps
	swift build --product vigil
	bash scripts/local-demo.sh

# A long simulation run: make simulate SEEDS=20000
SEEDS ?= 20000
simulate:
	swift build -c release --product vigil
	.build/release/vigil simulate --seeds $(SEEDS)

# Failover timing against stock redis-sentinel on the same topology: make benchmark TRIALS=7
TRIALS ?= 7
benchmark: deps
	swift build -c release --product vigil
	python3 benchmarks/failover_benchmark.py --trials $(TRIALS) --vigil .build/release/vigil

clean:
	rm -rf .build
