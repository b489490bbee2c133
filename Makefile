# Vigil: `make demo` runs a crash drill and a coordinated switchover drill on a local deployment;
# `make test` runs every test, then each libFuzzer target for a minute.
.PHONY: all build release link-order test demo man deps partitions simulate simulate-hostile benchmark mass-benchmark cost-benchmark drills durability switchovers fuzz clean

all: build

# Release builds link Swift's runtime and Foundation statically: the daemon maps only the parts it
# uses, about 5 MiB less resident memory than with the shared libraries (see the README's at-rest table).
# They are linked for a small resident binary (README, "What the binary keeps resident"): lld places the
# functions Vigil runs (scripts/vigil-link-order.txt, one section per function) side by side; relative
# relocations are packed (DT_RELR, glibc 2.36) rather than read from 2.3 MB of tables at every start; and
# the binary exports no symbols it does not need to (the toolchain's default exports 20,000).
RELEASE_LINK = -Xswiftc -Xfrontend -Xswiftc -function-sections -Xswiftc -use-ld=lld \
	-Xlinker --no-export-dynamic -Xlinker -z -Xlinker pack-relative-relocs \
	-Xlinker --symbol-ordering-file=$(CURDIR)/scripts/vigil-link-order.txt -Xlinker --no-warn-symbol-ordering
# Every module of the release build, NIO's among them, is compiled without Swift's run-time exclusivity
# checks (Package.swift already drops them for RESP and SentinelServer): NIO enters and leaves a
# thread-local access set whenever it reads a channel's state, about 2,300 of the 12,800 user-space
# instructions a lookup at pipeline 1 cost (callgrind; README, "What a lookup costs"). Debug builds,
# which the tests run, keep the checks, and the compile-time checks stay on everywhere.
RELEASE_BUILD = swift build -c release --product vigil --static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked $(RELEASE_LINK)

deps:
	bash scripts/install-deps.sh

# The binary to deploy: .build/release/vigil
release: deps
	$(RELEASE_BUILD)

# Regenerates scripts/vigil-link-order.txt from a profiled run of the release binary (valgrind), then
# links again with it: make link-order. SwiftPM does not see the order file as an input of the link,
# so the binary is removed first, or the build would keep the one linked with the old order.
link-order: release
	python3 scripts/link_order.py --vigil .build/release/vigil
	rm -f .build/release/vigil
	$(RELEASE_BUILD)

build: deps
	swift build --build-tests

test: build
	swift test
	python3 -m pytest tests/python -q
	JOBS=2 scripts/fuzz.sh all $(FUZZ_CI_SECONDS)

# libFuzzer targets (fuzz/, built into .build-fuzz/ apart from the normal build): every target for
# SECONDS each, JOBS of them at once: make fuzz SECONDS=3600 JOBS=2; one target: make fuzz TARGET=config.
# SECONDS=0 only replays the seeds and the inputs earlier runs kept. CI runs each for FUZZ_CI_SECONDS.
SECONDS ?= 600
JOBS ?= 1
TARGET ?= all
FUZZ_CI_SECONDS ?= 60
fuzz: deps
	JOBS=$(JOBS) scripts/fuzz.sh $(TARGET) $(SECONDS)

demo: deps
	swift build --product vigil
	.build/debug/vigil demo

# The man page, generated from the command line's own help by swift-argument-parser's GenerateManual
# plugin (a debug build, so it reuses the normal one): make man; then man .build/man/vigil.1
man: deps
	swift package plugin generate-manual --configuration debug
	mkdir -p .build/man
	cp .build/plugins/GenerateManual/outputs/vigil/vigil.1 .build/man/vigil.1
	@echo "man page: .build/man/vigil.1"

# Drills against the same topology run once with Vigil and once with redis-sentinel: make drills TRIALS=5
drills: deps
	$(RELEASE_BUILD)
	python3 benchmarks/drill_comparison.py --trials $(TRIALS) --vigil .build/release/vigil

# Random partitions, pauses and kills on real processes in network namespaces (root): make partitions SEEDS=20
partitions: deps
	swift build --product vigil
	python3 tests/python/partitions.py --seeds $(if $(filter command line,$(origin SEEDS)),$(SEEDS),10)

# A long simulation run: make simulate SEEDS=20000
SEEDS ?= 20000
simulate:
	$(RELEASE_BUILD)
	.build/release/vigil simulate --seeds $(SEEDS)

# Lying nodes, peers and operators: no trap, configs that load, bounded memory: make simulate-hostile SEEDS=5000
simulate-hostile:
	$(RELEASE_BUILD)
	.build/release/vigil simulate --hostile --seeds $(SEEDS)

# Failover timing against stock redis-sentinel on the same topology: make benchmark TRIALS=7
TRIALS ?= 7
benchmark: deps
	$(RELEASE_BUILD)
	python3 benchmarks/failover_benchmark.py --trials $(TRIALS) --vigil .build/release/vigil

# What Vigil costs beside stock redis-sentinel in the same run (lookups per second against a
# redis-server's PING, at pipeline 1 and 16; CPU and memory at rest with 200 masters):
# make cost-benchmark [PROFILE=1 for Vigil's perf top frames]
cost-benchmark: deps
	$(RELEASE_BUILD)
	python3 benchmarks/cost_benchmark.py --vigil .build/release/vigil $(if $(PROFILE),--profile)

# Many masters killed at once, and down-after 100 ms under load (with and without CPU hogs), against
# stock redis-sentinel in the same run: make mass-benchmark MASTERS=200 TRIALS=5
MASTERS ?= 50
mass-benchmark: deps
	$(RELEASE_BUILD)
	python3 benchmarks/mass_failover_benchmark.py --masters $(MASTERS) --trials $(TRIALS) --vigil .build/release/vigil

# kill -9 at random moments of config rewrites; CI runs 1,000 kills (part of `make test`):
# make durability KILLS=10000 [SEED=n]
KILLS ?= 10000
# Coordinated switchovers in a row under write load, against real processes (not in CI; the test
# runs 20): make switchovers SWITCHOVERS=100 (VIGIL_BINARY=$PWD/.build/release/vigil, an absolute path, for another build)
SWITCHOVERS ?= 100
switchovers: deps
	swift build --product vigil
	VIGIL_SWITCHOVERS=$(SWITCHOVERS) python3 -m pytest tests/python/test_coordinated_switchover.py -q -s -k lose_no

durability: deps
	swift build --product vigil
	VIGIL_DURABILITY_KILLS=$(KILLS) $(if $(SEED),VIGIL_DURABILITY_SEED=$(SEED)) python3 -m pytest tests/python/test_durability.py -q -s -k kill_9

clean:
	rm -rf .build .build-fuzz
