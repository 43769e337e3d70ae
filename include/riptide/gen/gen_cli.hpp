#pragma once
// The `riptide gen` command line, kept in the library so tests call it directly.
// Exit status: 0 done, 1 runtime failure (write error), 2 usage error (bad flag or value,
// unknown interface, missing permission).
namespace riptide::gen {
int run_gen_cli(int argc, char** argv);  // argv[0] is "gen"
// Parses and checks the command line only (nothing is built, opened or sent): the exit status
// run_gen_cli would stop with (0 for --help, 2 for a usage error), or -1 when it would run.
int check_gen_cli(int argc, char** argv);
}
