#include <cstdio>
#include <cstring>
#include <string_view>

#include "riptide/commands.hpp"  // apps/riptide/commands.hpp, not the library

namespace {

struct Command {
  const char* name;
  int (*fn)(int, char**);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"read", riptide::app::cmd_read, "read a pcap/pcapng file and run analyzers (flow meter, -w)"},
    {"capture", riptide::app::cmd_capture, "capture live traffic (AF_PACKET TPACKET_V3, fanout) and run analyzers"},
    {"gen", riptide::app::cmd_gen, "send test traffic: paced UDP flows with sequence numbers and timestamps"},
    {"bench", riptide::app::cmd_bench, "find the highest rate captured without loss (riptide vs tcpdump, ...)"},
};

void usage(std::FILE* out) {
  std::fprintf(out, "usage: riptide <command> [options]\n\ncommands:\n");
  for (const auto& c : kCommands) std::fprintf(out, "  %-9s %s\n", c.name, c.summary);
  std::fprintf(out, "\n'riptide <command> --help' describes each command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string_view sub = argv[1];
  if (sub == "-h" || sub == "--help" || sub == "help") {
    usage(stdout);
    return 0;
  }
  for (const auto& c : kCommands)
    if (sub == c.name) return c.fn(argc - 1, argv + 1);
  std::fprintf(stderr, "riptide: unknown command '%s' (try 'riptide --help')\n", argv[1]);
  return 2;
}
