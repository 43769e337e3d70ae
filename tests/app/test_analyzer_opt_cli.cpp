// --analyzer-opt through the riptide binary and its config file: typed settings reach the
// built-in analyzers, the file's analyzers.NAME.KEY feeds the same path (the command line wins
// key by key), --print-config shows them, and every bad setting stops with one line, status 2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_run.hpp"
#include "support/shell.hpp"

namespace {

namespace fs = std::filesystem;
using riptide::test::shell;

const std::string kPcap = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/DnsPackets.pcap";

using namespace riptide::test::cli;

TEST(AnalyzerOptCli, BadSettingsStopBeforeReadingWithOneLine) {
  Dir d;
  const std::string base = "read -r " + kPcap + " --analyzer reporter --no-tx ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--analyzer-opt reporter.perod=1s",
       "riptide read: analyzer option reporter.perod=1s (--analyzer-opt): unknown key (reporter takes: period, top,"},
      {"--analyzer-opt nobody.x=1", "analyzer option nobody.x=1 (--analyzer-opt): no analyzer named 'nobody' runs (running: flow, reporter)"},
      {"--analyzer-opt reporter.period=soon", "reporter.period=soon (--analyzer-opt): expected a duration such as 500ms or 2s"},
      {"--analyzer-opt reporter.top=33", "reporter: top must be 0..32"},
      {"--analyzer-opt garbage", "analyzer option 'garbage' (--analyzer-opt): expected NAME.KEY=VALUE"},
      {"--analyzer-opt heavy-hitters.k=3", "no analyzer named 'heavy-hitters' runs"},
  };
  for (const auto& [args, want] : cases) {
    const Outcome r = run(d, base + args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_EQ(lines(r.err), 1u) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(want), std::string::npos) << args << "\n" << r.err;
    EXPECT_EQ(r.err.find("packets"), std::string::npos) << "no report: the run never started\n" << r.err;
  }
}

TEST(AnalyzerOptCli, FileSettingsNameTheirLine) {
  Dir d;
  write(d / "bad.yaml", "analyzers:\n  analyzer: [heavy-hitters]\n  heavy-hitters:\n    k: lots\n");
  const Outcome r = run(d, "read -r " + kPcap + " --config " + (d / "bad.yaml"));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("heavy-hitters.k=lots (" + (d / "bad.yaml") + ":4): expected a non-negative integer"), std::string::npos)
      << r.err;
  // A plugin's section: every key is its option, refused here because no such analyzer runs.
  write(d / "plugin.yaml", "analyzers:\n  my_plugin:\n    dst: 10.0.0.9\n");
  const Outcome p = run(d, "read -r " + kPcap + " --config " + (d / "plugin.yaml"));
  EXPECT_EQ(p.status, 2) << p.err;
  EXPECT_NE(p.err.find("my_plugin.dst=10.0.0.9 (" + (d / "plugin.yaml") + ":3): no analyzer named 'my_plugin' runs"),
            std::string::npos)
      << p.err;
  write(d / "list.yaml", "analyzers:\n  my_plugin:\n    dst: [1, 2]\n");
  const Outcome l = run(d, "read -r " + kPcap + " --config " + (d / "list.yaml"));
  EXPECT_EQ(l.status, 2) << l.err;
  EXPECT_NE(l.err.find(":3: analyzers.my_plugin.dst: an analyzer option takes one value"), std::string::npos) << l.err;
}

// The heavy-hitters JSON says its k: the file's value, unless the command line gives one.
TEST(AnalyzerOptCli, FileFeedsTheAnalyzerAndTheCommandLineWins) {
  Dir d;
  write(d / "hh.yaml", "analyzers:\n  analyzer: [heavy-hitters]\n  heavy-hitters:\n    k: 3\n    window: 2s\n    out: " +
                           (d / "hh.json") + "\n");
  const Outcome a = run(d, "read -r " + kPcap + " --config " + (d / "hh.yaml"));
  ASSERT_EQ(a.status, 0) << a.err;
  const std::string from_file = slurp(d / "hh.json");
  ASSERT_GT(lines(from_file), 0u) << a.err;
  EXPECT_NE(from_file.find("\"k\":3"), std::string::npos) << from_file.substr(0, 300);

  const Outcome b = run(d, "read -r " + kPcap + " --config " + (d / "hh.yaml") + " --analyzer-opt heavy-hitters.k=2");
  ASSERT_EQ(b.status, 0) << b.err;
  const std::string from_cli = slurp(d / "hh.json");
  ASSERT_GT(lines(from_cli), 0u);
  EXPECT_NE(from_cli.find("\"k\":2"), std::string::npos) << from_cli.substr(0, 300);
  EXPECT_EQ(from_cli.find("\"k\":3"), std::string::npos);
  // The alias flag and the option are one setting: --hh-k 2 gives the same output.
  const Outcome c = run(d, "read -r " + kPcap + " --analyzer heavy-hitters --hh-k 2 --analyzer-opt heavy-hitters.window=2s --hh-out " +
                               (d / "alias.json"));
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(slurp(d / "alias.json"), from_cli);
}

TEST(AnalyzerOptCli, PrintConfigShowsThemAndReadsBack) {
  Dir d;
  write(d / "in.yaml", "analyzers:\n  reporter:\n    period: 250ms\n");
  const Outcome a =
      run(d, "capture -i lo --analyzer reporter --config " + (d / "in.yaml") + " --analyzer-opt reporter.top=2 --print-config");
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_NE(a.out.find("  analyzer-opt: [reporter.period=250ms, reporter.top=2]\n"), std::string::npos) << a.out;
  write(d / "printed.yaml", a.out);
  const Outcome b = run(d, "capture --config " + (d / "printed.yaml") + " --print-config");
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(b.out, a.out);
}

}  // namespace
