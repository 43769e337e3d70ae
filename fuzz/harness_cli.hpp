#pragma once
// CLI fuzz body: an argv vector through the option parsing and value checks of
// `riptide read`, `capture`, `gen` and `bench`, stopping before anything would run.
// Input: arguments separated by '\n'. When the first one names a command it is argv[0];
// otherwise byte 0 picks the command (low 2 bits) and every argument is passed on.
// Returns false when a parser answers something other than "help" (0), "usage error" (2)
// or "would run" (-1); an exception escaping a parser aborts the fuzzer by itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "riptide/commands.hpp"  // apps/riptide/commands.hpp
#include "riptide/gen/gen_cli.hpp"
#include "labbench/bench_cli.hpp"

namespace riptide::fuzz {

struct CliCommand {
  const char* name;
  int (*check)(int, char**);
};

inline constexpr CliCommand kCliCommands[] = {
    {"read", riptide::app::check_read},
    {"capture", riptide::app::check_capture},
    {"gen", riptide::gen::check_gen_cli},
    {"bench", riptide::labbench::check_bench_cli},
};

inline constexpr std::size_t kCliMaxArgs = 64;

inline bool cli_one(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return true;
  std::vector<std::string> args;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (args.size() < kCliMaxArgs) {
    const std::size_t nl = in.find('\n');
    args.emplace_back(in.substr(0, nl));
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
  }

  const CliCommand* cmd = nullptr;
  for (const CliCommand& c : kCliCommands)
    if (args[0] == c.name) cmd = &c;
  if (cmd == nullptr) {
    cmd = &kCliCommands[data[0] & 3];
    args.insert(args.begin(), cmd->name);
  }

  // argv as main() gets it: writable strings, a null pointer after the last.
  std::vector<std::vector<char>> storage;
  storage.reserve(args.size());
  std::vector<char*> argv;
  for (const std::string& a : args) {
    storage.emplace_back(a.begin(), a.end());
    storage.back().push_back('\0');
    argv.push_back(storage.back().data());
  }
  argv.push_back(nullptr);

  const int rc = cmd->check(static_cast<int>(args.size()), argv.data());
  return rc == -1 || rc == 0 || rc == 2;
}

}  // namespace riptide::fuzz
