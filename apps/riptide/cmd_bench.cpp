#include "riptide/commands.hpp"
#include "labbench/bench_cli.hpp"

namespace riptide::app {
int cmd_bench(int argc, char** argv) { return riptide::labbench::run_bench_cli(argc, argv); }
}  // namespace riptide::app
