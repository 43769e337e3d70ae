#pragma once
// The `riptide bench` command line, kept in the library so tests call its parsing directly.
// Exit status: 0 done, 1 runtime failure (a trial failed, outputs not written, leftovers),
// 2 usage error (bad flag or value, not root, a compared tool is not installed),
// 130 interrupted (SIGINT/SIGTERM; the namespace is still removed).
#include <string>

#include "riptide/core/result.hpp"
#include "labbench/bench.hpp"

namespace riptide::labbench {

// "2%" -> 0.02, "0.02" -> 0.02. invalid_argument outside (0, 1).
Result<double> parse_precision(const std::string& text);

int run_bench_cli(int argc, char** argv);  // argv[0] is "bench"
// Parses and checks the command line only (no tool lookup, no root check, nothing runs): the
// exit status run_bench_cli would stop with (0 for --help, 2 for a usage error), or -1.
int check_bench_cli(int argc, char** argv);

}  // namespace riptide::labbench
