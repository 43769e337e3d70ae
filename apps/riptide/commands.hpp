#pragma once
// Each subcommand of the `riptide` binary is one function in its own cmd_<name>.cpp.
// argv[0] is the subcommand name. Returns the process exit status
// (0 ok, 1 runtime failure, 2 usage error: bad flag, bad value, missing interface).
namespace riptide::app {
int cmd_read(int argc, char** argv);     // offline: read a capture file, run analyzers
int cmd_capture(int argc, char** argv);  // live capture
int cmd_gen(int argc, char** argv);      // traffic generator
int cmd_bench(int argc, char** argv);    // maximum lossless rate search

// Parse and check the command line, and a --config file, without running anything (no capture
// file, socket or engine is opened): the status the command would exit with, or -1 when it
// would run. For the CLI and config fuzzers.
int check_read(int argc, char** argv);
int check_capture(int argc, char** argv);
}  // namespace riptide::app
