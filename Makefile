# The two commands of the README: `make run` (the demo) and `make test` (every test). Both install what is
# missing first, so they work on a fresh Debian 12 machine.
BUILD ?= build
ASAN_BUILD ?= build-asan
PGO_BUILD ?= build-pgo
JOBS ?= $(shell nproc)
export CCACHE_DIR ?= $(HOME)/.cache/kthena-ccache
export CCACHE_MAXSIZE ?= 5G
# Paths relative to the clone and no working-directory hashing: a fresh clone anywhere (CI) reuses the cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

CMAKE_FLAGS ?=

.PHONY: all deps build test test-asan fuzz run release bench format format-check clean

all: build

deps:
	@./scripts/install-deps

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

$(ASAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKTHENA_SANITIZE=ON -DKTHENA_BENCH=OFF $(CMAKE_FLAGS)

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -LE sweep $(CTEST_FLAGS)

run: build
	./scripts/run-demo

# Every libFuzzer target (tests/fuzz) built with clang under AddressSanitizer and UndefinedBehaviorSanitizer in
# $(FUZZ_BUILD), each run for FUZZ_SECONDS from its corpus; a crash fails and leaves its input in
# $(FUZZ_BUILD)/fuzz-artifacts/ (docs/development.md, "Fuzzing").
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_JOBS=$(JOBS) ./scripts/fuzz $(FUZZ_SECONDS) $(FUZZ_BUILD)

# The kthena binary built with profile-guided and link-time optimisation ($(PGO_BUILD)/bin/kthena): an instrumented
# build, a training run of its router and simulator (bench/pgo-train), then a rebuild with the profile. Two builds of
# the binary, about 10 minutes on 2 cores; `make build` and the tests do not use it.
release: deps
	cmake -S . -B $(PGO_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKTHENA_TESTS=OFF -DKTHENA_BENCH=OFF \
	  -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=ON -DKTHENA_PGO=generate $(CMAKE_FLAGS)
	rm -rf $(PGO_BUILD)/pgo-profile
	cmake --build $(PGO_BUILD) -j $(JOBS) --target kthena
	./bench/pgo-train $(PGO_BUILD)
	cmake -S . -B $(PGO_BUILD) -DKTHENA_PGO=use
	cmake --build $(PGO_BUILD) -j $(JOBS) --target kthena

bench: build release
	./bench/run-all $(BUILD) $(PGO_BUILD)

format:
	find src tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

format-check:
	find src tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(PGO_BUILD)
