// --config and --print-config through the riptide binary: every option of capture and read has
// a place in the file, a pcap read with its settings from a file, the packaged example and unit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "cli_run.hpp"
#include "support/shell.hpp"

namespace {

namespace fs = std::filesystem;
using riptide::test::shell;

const std::string kPcaps = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples";

using namespace riptide::test::cli;

// Every key path in --print-config output, set or commented, and the top-level lines that are
// not sections.
struct Printed {
  std::map<std::string, int> paths;  // path -> times seen
  std::vector<std::string> top_level_keys;
};

Printed read_printed(const std::string& yaml) {
  Printed p;
  std::vector<std::string> stack;
  std::istringstream in(yaml);
  std::string line;
  const std::regex re(R"(^( *)(# )?([A-Za-z0-9_.-]+):(.*)$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, re)) continue;
    const std::size_t depth = m[1].length() / 2;
    const bool comment = m[2].matched;
    if (depth == 0 && comment) continue;  // the title lines
    stack.resize(std::min(stack.size(), depth));
    const std::string key = m[3];
    const bool section = !comment && m[4].str().empty();
    if (section) {
      stack.push_back(key);
      continue;
    }
    if (depth == 0) p.top_level_keys.push_back(key);
    std::string path;
    for (const auto& s : stack) path += s + ".";
    p.paths[path + key]++;
  }
  return p;
}

// The options --help lists: every long name, or the letter of a short-only one.
std::set<std::string> help_options(const std::string& help) {
  std::set<std::string> names;
  std::istringstream in(help);
  std::string line;
  const std::regex opt(R"(^  (-[A-Za-z0-9](,|\s|$)|--))");
  while (std::getline(in, line)) {
    if (!std::regex_search(line, opt)) continue;
    const std::string spec = line.substr(2, line.find(' ', 2) - 2);
    std::string chosen;
    std::stringstream ss(spec);
    std::string name;
    while (std::getline(ss, name, ','))
      if (name.rfind("--", 0) == 0 && chosen.empty()) chosen = name.substr(2);
    if (chosen.empty()) chosen = spec.substr(1, 1);
    names.insert(chosen);
  }
  return names;
}

void expect_every_option_has_a_path(const Dir& d, const std::string& cmd, const std::string& required) {
  const Outcome help = run(d, cmd + " --help");
  ASSERT_EQ(help.status, 0) << help.err;
  const Outcome printed = run(d, cmd + " " + required + " --print-config");
  ASSERT_EQ(printed.status, 0) << printed.err;
  const Printed p = read_printed(printed.out);
  EXPECT_TRUE(p.top_level_keys.empty()) << cmd << ": options outside any section (give them a ->group()): "
                                        << ::testing::PrintToString(p.top_level_keys);
  std::set<std::string> keys;
  for (const auto& [path, n] : p.paths) {
    EXPECT_EQ(n, 1) << cmd << ": " << path << " printed twice";
    keys.insert(path.substr(path.rfind('.') + 1));
  }
  const auto opts = help_options(help.out);
  EXPECT_GT(opts.size(), 30u) << help.out;
  for (const auto& o : opts) {
    if (o == "help" || o == "config" || o == "print-config") continue;
    EXPECT_TRUE(keys.count(o)) << cmd << ": --" << o << " has no key in the config file\n" << printed.out;
  }
  EXPECT_TRUE(keys.count("expression")) << "the filter expression has a key";
}

TEST(ConfigCli, EveryCaptureOptionHasAPlaceInTheFile) {
  Dir d;
  expect_every_option_has_a_path(d, "capture", "-i lo");
}

TEST(ConfigCli, EveryReadOptionHasAPlaceInTheFile) {
  Dir d;
  expect_every_option_has_a_path(d, "read", "-r x.pcap");
}

TEST(ConfigCli, ReadRunsWithTheFilesOutputs) {
  Dir d;
  const std::string pcap = kPcaps + "/DnsPackets.pcap";
  // The same run twice: once from flags, once from a file.
  const Outcome flags = run(d, "read -r " + pcap + " --flows-json " + (d / "flags.flows.json") + " --analyzer heavy-hitters --hh-k 3 --hh-out " +
                               (d / "flags.hh.json") + " udp");
  ASSERT_EQ(flags.status, 0) << flags.err;
  write(d / "read.yaml",
        "capture:\n  read-file: " + pcap + "\n  expression: udp\n"
        "outputs:\n  flows-json: " + (d / "file.flows.json") + "\n"
        "analyzers:\n  analyzer: [heavy-hitters]\n  heavy-hitters:\n    hh-k: 3\n    hh-out: " + (d / "file.hh.json") + "\n");
  const Outcome file = run(d, "read --config " + (d / "read.yaml"));
  ASSERT_EQ(file.status, 0) << file.err;
  const std::string flows = slurp(d / "file.flows.json"), hh = slurp(d / "file.hh.json");
  EXPECT_GT(lines(flows), 100u);
  EXPECT_GT(lines(hh), 0u);
  EXPECT_EQ(flows, slurp(d / "flags.flows.json"));
  EXPECT_EQ(hh, slurp(d / "flags.hh.json"));
  EXPECT_NE(file.err.find("heavy-hitters windows -> " + (d / "file.hh.json")), std::string::npos) << file.err;
}

TEST(ConfigCli, TheCommandLineOverridesTheFile) {
  Dir d;
  const std::string pcap = kPcaps + "/DnsPackets.pcap";
  write(d / "read.yaml", "capture:\n  read-file: " + pcap + "\noutputs:\n  flows-json: " + (d / "file.json") + "\n");
  const Outcome r = run(d, "read --config " + (d / "read.yaml") + " --flows-json " + (d / "cli.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(fs::exists(d / "file.json"));
  EXPECT_GT(lines(slurp(d / "cli.json")), 100u);
}

TEST(ConfigCli, BadFilesStopWithOneLineAndStatus2) {
  Dir d;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"capture:\n  threads: 2\n  thread: 3\n", ":3: capture.thread: unknown key"},
      {"capture:\n  threads: 65\n", ":2: capture.threads: "},
      {"flows:\n  flow-idle-timeout: -1\n", ":2: flows.flow-idle-timeout: "},
      {"analyzers:\n  reporter:\n    report-transport: carrier-pigeon\n", ":3: analyzers.reporter.report-transport: "},
      {"capture: {threads: 2\n", ":2: not valid YAML"},
  };
  for (const auto& [text, want] : cases) {
    write(d / "bad.yaml", text);
    const Outcome r = run(d, "capture -i lo --config " + (d / "bad.yaml"));
    EXPECT_EQ(r.status, 2) << text << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("riptide capture: " + (d / "bad.yaml") + want), std::string::npos) << r.err;
  }
  const Outcome missing = run(d, "read -r x.pcap --config " + (d / "nope.yaml"));
  EXPECT_EQ(missing.status, 2);
  EXPECT_EQ(lines(missing.err), 1u) << missing.err;
  EXPECT_NE(missing.err.find("nope.yaml"), std::string::npos) << missing.err;
}

TEST(ConfigCli, PrintConfigReadsBackTheSame) {
  Dir d;
  const Outcome a = run(d, "capture -i lo --threads 2 --fanout lb --cpus 0,1 --analyzer reporter,heavy-hitters --report-top 3 "
                       "--plugin '/x y.so:a=1, b' --no-tx -q --print-config 'udp and port 53'");
  ASSERT_EQ(a.status, 0) << a.err;
  write(d / "printed.yaml", a.out);
  const Outcome b = run(d, "capture --config " + (d / "printed.yaml") + " --print-config");
  ASSERT_EQ(b.status, 0) << b.err << a.out;
  EXPECT_EQ(b.out, a.out);
  EXPECT_NE(a.out.find("  threads: 2\n"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("    report-top: 3\n"), std::string::npos) << a.out;
}

// The packaged unit's own command line, with the shipped example as its file, loads.
TEST(ConfigCli, PackagedUnitAndExampleConfigLoad) {
  Dir d;
  const std::string unit = slurp(std::string(RIPTIDE_SOURCE_DIR) + "/packaging/riptide@.service");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(unit, m, std::regex(R"(\nExecStart=(\S+) ([^\n]*)\n)"))) << unit;
  std::string args = m[2];
  ASSERT_NE(args.find("--config /etc/riptide/%i.yaml"), std::string::npos) << "the unit reads its config file: " << args;
  args = std::regex_replace(args, std::regex("/etc/riptide/%i\\.yaml"), std::string(RIPTIDE_SOURCE_DIR) + "/packaging/riptide.yaml");
  args = std::regex_replace(args, std::regex("%i"), "lo");
  const Outcome r = run(d, args + " --print-config");
  ASSERT_EQ(r.status, 0) << args << "\n" << r.err;
  for (const char* want : {"  interface: lo\n", "  quiet: true\n", "  stats-interval: 60\n", "  flows-json: /var/log/riptide/eth0.flows.json\n",
                           "    hh-window: 60\n"})
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
}

}  // namespace
