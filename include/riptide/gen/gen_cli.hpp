#pragma once
// The `riptide gen` command line, kept in the library so tests call it directly.
// Exit status: 0 done, 1 runtime failure (write error), 2 usage error (bad flag or value,
// unknown interface, missing permission).
namespace riptide::gen {
int run_gen_cli(int argc, char** argv);  // argv[0] is "gen"
}
