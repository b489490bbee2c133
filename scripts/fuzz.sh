#!/usr/bin/env bash
# Builds and runs Vigil's libFuzzer targets (fuzz/):
#   scripts/fuzz.sh <target|all> <seconds> [libFuzzer options...]
#   scripts/fuzz.sh build <target|all>        (build only)
# 0 seconds replays the seeds and kept inputs only. Targets: request-parser, config, hello, info. Everything goes into .build-fuzz/ (ignored by git):
# binaries, the new inputs each run finds (.build-fuzz/corpus/<target>, kept between runs), and
# crashing inputs (.build-fuzz/artifacts/<target>). The seeds in fuzz/corpus/<target> are only read.
# JOBS=N runs N targets at once (default 1). Exits non-zero on any finding, after printing the
# crashing input's path and base64; reproduce with `.build-fuzz/bin/fuzz-<target> <file>`.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS=(request-parser config hello info)
OUT=.build-fuzz
SANITIZERS=fuzzer,address
JOBS=${JOBS:-1}

usage() {
    echo "usage: $0 <target|all> <seconds> [libFuzzer options...] | $0 build <target|all>" >&2
    echo "targets: ${ALL_TARGETS[*]}" >&2
    exit 2
}

targets_of() {
    if [ "$1" = all ]; then echo "${ALL_TARGETS[@]}"; return; fi
    for t in "${ALL_TARGETS[@]}"; do [ "$t" = "$1" ] && { echo "$1"; return; }; done
    usage
}

# ld.gold warns once per ASan helper symbol; a failing build still fails the pipeline (pipefail).
without_linker_noise() {
    grep -v 'Cannot export local symbol' >&2 || true
}

# Whether $1 is missing or older than any source or object under the following paths.
stale() {
    local product=$1; shift
    [ ! -e "$product" ] || [ -n "$(find "$@" \( -name '*.swift' -o -name '*.o' \) -newer "$product" -print -quit)" ]
}

# SentinelCore and RedisWords (the word splitter it imports) are stdlib-only: each is compiled once,
# whole-module, into one object the core targets link; both modules sit in $OUT/core.
build_core() {
    local dir=$OUT/core
    mkdir -p "$dir"
    build_stdlib_module RedisWords "$dir" Sources/RedisWords
    build_stdlib_module SentinelCore "$dir" Sources/SentinelCore "$dir/RedisWords.o"
}

# Compiles the module $1 from the sources under $3 into $2/$1.o, when they (or $4, an object it
# imports) are newer than the object.
build_stdlib_module() {
    local module=$1 dir=$2 sources=$3 imported=${4:-}
    if stale "$dir/$module.o" "$sources" $imported; then
        echo "fuzz: compiling $module with -sanitize=$SANITIZERS" >&2
        find "$sources" -name '*.swift' -print0 | sort -z | xargs -0 swiftc -O -wmo -parse-as-library \
            -sanitize=$SANITIZERS -module-name "$module" -I "$dir" -emit-module -emit-module-path "$dir/$module.swiftmodule" \
            -emit-object -o "$dir/$module.o.tmp" 2>&1 | without_linker_noise
        mv "$dir/$module.o.tmp" "$dir/$module.o"
    fi
}

build_target() {
    local target=$1 binary=$OUT/bin/fuzz-$1
    mkdir -p "$OUT/bin"
    case $target in
    request-parser)
        # RESPRequestParser reads NIOCore's ByteBuffer: SwiftPM builds NIOCore and RESP instrumented, with
        # the FuzzRequestParser target that Package.swift declares only when VIGIL_FUZZ is set.
        if stale "$binary" Sources/RESP Sources/RedisWords fuzz/request-parser Package.swift; then
            echo "fuzz: building FuzzRequestParser with SwiftPM --sanitize=fuzzer --sanitize=address" >&2
            # The coverage flags are spelled out: a rebuild with --sanitize=fuzzer alone was once seen to
            # leave every object uninstrumented (ASan only), and libFuzzer then learns nothing.
            VIGIL_FUZZ=1 swift build -c release --sanitize=fuzzer --sanitize=address --scratch-path "$OUT/spm" \
                -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
                --product FuzzRequestParser 2>&1 | without_linker_noise
            cp "$OUT/spm/release/FuzzRequestParser" "$binary"
        fi
        ;;
    config | hello | info)
        build_core
        local sources=("fuzz/$target"/*.swift)
        [ "$target" = config ] || sources+=(fuzz/common/*.swift)
        if stale "$binary" "${sources[@]}" "$OUT/core/SentinelCore.o" "$OUT/core/RedisWords.o"; then
            echo "fuzz: compiling fuzz-$target" >&2
            swiftc -O -parse-as-library -sanitize=$SANITIZERS -I "$OUT/core" "${sources[@]}" "$OUT/core/SentinelCore.o" "$OUT/core/RedisWords.o" \
                -o "$binary" 2>&1 | without_linker_noise
        fi
        ;;
    esac
    check_instrumented "$binary"
}

# A binary without coverage counters would run and find nothing: refuse it.
check_instrumented() {
    local counters
    counters=$(SWIFT_BACKTRACE=enable=no "$1" -runs=0 2>&1 | sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' | head -1)
    if [ "${counters:-0}" -lt 1000 ]; then
        echo "fuzz: $1 has ${counters:-no} coverage counters; delete it and .build-fuzz/spm, then build again" >&2
        exit 1
    fi
}

# Runs one target for $2 seconds; prints every crashing input it left and returns 1 if any.
run_target() {
    local target=$1 seconds=$2; shift 2
    local binary=$OUT/bin/fuzz-$target corpus=$OUT/corpus/$target artifacts=$OUT/artifacts/$target
    local log=$OUT/logs/$target.log max_len=4096
    # INFO replies of real servers run to a few kilobytes.
    [ "$target" = info ] && max_len=16384
    mkdir -p "$corpus" "$artifacts" "$OUT/logs"
    # 0 seconds: replay the seeds and kept inputs once (-max_total_time=0 would mean no limit).
    local duration=-max_total_time="$seconds"
    [ "$seconds" -eq 0 ] && duration=-runs=0
    local options=("$duration" -timeout=10 -rss_limit_mb=4096 -max_len="$max_len" -print_final_stats=1
        -detect_leaks=0 -artifact_prefix="$artifacts/")
    [ -f "fuzz/$target.dict" ] && options+=(-dict="fuzz/$target.dict")
    local before
    before=$(find "$artifacts" -type f | sort)
    echo "fuzz: running $target for ${seconds}s (log $log)" >&2
    local status=0
    # ASan's own leak checker would report the Swift runtime's deliberate never-freed caches.
    # Swift's own backtracer would race ASan for the crash signal; libFuzzer prints the stack instead.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:${ASAN_OPTIONS:-} "$binary" "${options[@]}" "$@" "$corpus" "fuzz/corpus/$target" \
        >"$log" 2>&1 || status=$?
    grep -E '^(stat::|#[0-9]+ +DONE|Done [0-9]+ runs)' "$log" | sed "s/^/fuzz: $target: /" >&2 || true
    local found
    found=$(comm -13 <(echo "$before") <(find "$artifacts" -type f | sort) | sed '/^$/d')
    if [ "$status" -ne 0 ] || [ -n "$found" ]; then
        echo "fuzz: $target FAILED (exit $status); the end of its log:" >&2
        tail -n 60 "$log" >&2
        local file
        for file in $found; do
            echo "fuzz: $target: crashing input $file" >&2
            echo "fuzz: $target: base64 $(base64 -w0 "$file")" >&2
            echo "fuzz: $target: reproduce with: $binary $file" >&2
        done
        return 1
    fi
    echo "fuzz: $target: no finding in ${seconds}s" >&2
}

[ $# -ge 2 ] || usage
if [ "$1" = build ]; then
    for t in $(targets_of "$2"); do build_target "$t"; done
    exit 0
fi
targets=$(targets_of "$1")
seconds=$2
shift 2
[[ $seconds =~ ^[0-9]+$ ]] || usage

# Build everything first, one at a time (the builds use every core), then run.
for t in $targets; do build_target "$t"; done
failed=()
if [ "$JOBS" -le 1 ]; then
    for t in $targets; do run_target "$t" "$seconds" "$@" || failed+=("$t"); done
else
    declare -A pids=()
    for t in $targets; do
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
        run_target "$t" "$seconds" "$@" &
        pids[$t]=$!
    done
    for t in "${!pids[@]}"; do wait "${pids[$t]}" || failed+=("$t"); done
fi
count=$(echo $targets | wc -w)
# The closing line CI reads: a target passes when its run found nothing.
echo "fuzz: $((count - ${#failed[@]})) passed, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: findings in: ${failed[*]}" >&2
    exit 1
fi
