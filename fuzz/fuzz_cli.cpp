// libFuzzer entry for the riptide command line (parse and check only); the body lives in
// harness_cli.hpp.
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "harness_cli.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // --help pages and one-line usage errors on every input would bury the fuzzer's own output
  // (which goes to stderr, kept); the exit statuses are what is checked.
  if (std::freopen("/dev/null", "w", stdout) == nullptr) return 0;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!riptide::fuzz::cli_one(data, size)) __builtin_trap();
  return 0;
}
