#include "riptide/commands.hpp"
#include "riptide/gen/gen_cli.hpp"

namespace riptide::app {
int cmd_gen(int argc, char** argv) { return riptide::gen::run_gen_cli(argc, argv); }
}  // namespace riptide::app
