#!/usr/bin/env bash
# The whole test suite: dependencies, a -Werror Release build with every test (root-only
# namespace tests included when run as root), an ASan+UBSan build, a TSan build of the
# threaded modules, and every fuzzer for a bounded time with its saved crashers replayed.
#   FUZZ_SECONDS=N   time per fuzzer (default 60)
#   SKIP_SANITIZERS=1 / SKIP_FUZZ=1  for a quick local loop
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

./scripts/deps.sh

step() { printf '\n==== %s\n' "$*"; }

# Every option a pass relies on is given on its command line: a cache left by an earlier
# configure (scripts/demo.sh makes build/release with tests and benchmarks off) must not decide
# what is built. ctest fails when it finds no test, so an empty pass cannot read as a success.
CTEST=(ctest --output-on-failure --no-tests=error -j1)

step "Release build (-Werror)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DRIPTIDE_WERROR=ON -DRIPTIDE_SANITIZE= \
      -DRIPTIDE_BUILD_TESTS=ON -DRIPTIDE_BUILD_APPS=ON -DRIPTIDE_BUILD_BENCH=ON -DRIPTIDE_BUILD_FUZZ=OFF >/dev/null
ninja -C build/release -j"$JOBS"
step "Release tests"
"${CTEST[@]}" --test-dir build/release -LE python

step "Python module tests (pytest: the corpus against riptide read and tshark, Python analyzers, live)"
"${CTEST[@]}" --test-dir build/release -L python

step "The demo (README's first command): 350k pkt/s through a veth pair, checked for zero loss"
if [[ $(id -u) -eq 0 ]]; then
  SKIP_DEPS=1 BUILD_DIR=build/release ./scripts/demo.sh
else
  echo "demo not run: it needs root (namespaces, raw sockets)"
fi

if [[ -z ${SKIP_SANITIZERS:-} ]]; then
  step "ASan+UBSan build and tests"
  cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRIPTIDE_WERROR=ON \
        -DRIPTIDE_SANITIZE=address,undefined -DRIPTIDE_BUILD_TESTS=ON -DRIPTIDE_BUILD_APPS=ON \
        -DRIPTIDE_BUILD_BENCH=OFF -DRIPTIDE_BUILD_FUZZ=OFF >/dev/null
  ninja -C build/asan -j"$JOBS"
  # The golden comparison runs the same code as the Release pass, at a sanitizer's pace: skipped here.
  ASAN_OPTIONS=detect_leaks=1 "${CTEST[@]}" --test-dir build/asan -LE golden

  step "TSan build and tests of the threaded modules"
  cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRIPTIDE_WERROR=ON \
        -DRIPTIDE_SANITIZE=thread -DRIPTIDE_BUILD_TESTS=ON -DRIPTIDE_BUILD_BENCH=OFF -DRIPTIDE_BUILD_APPS=OFF \
        -DRIPTIDE_BUILD_FUZZ=OFF >/dev/null
  TSAN_TARGETS=$(cd tests && for m in dispatch transmit engine analyze; do ls "$m"/*.cpp >/dev/null 2>&1 && echo "test_$m"; done)
  ninja -C build/tsan -j"$JOBS" $TSAN_TARGETS
  # The plugin, install and stop-path tests drive the riptide binary, which this pass does not build
  # (they run in the two passes above).
  TSAN_OPTIONS=halt_on_error=1 "${CTEST[@]}" --test-dir build/tsan -L 'dispatch|transmit|engine|analyze' \
    -E '^(PluginCli|InstallExample|StopPath)\.'
fi

if [[ -z ${SKIP_FUZZ:-} ]]; then
  step "Fuzzers (${FUZZ_SECONDS}s each, clang-14, ASan+UBSan)"
  CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DRIPTIDE_BUILD_FUZZ=ON -DRIPTIDE_SANITIZE=address,undefined \
      -DRIPTIDE_BUILD_TESTS=OFF -DRIPTIDE_BUILD_BENCH=OFF -DRIPTIDE_BUILD_APPS=OFF >/dev/null
  ninja -C build/fuzz -j"$JOBS" $(cd fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')
  ./scripts/fuzz.sh build/fuzz "$FUZZ_SECONDS"
fi
step "all tests passed"
