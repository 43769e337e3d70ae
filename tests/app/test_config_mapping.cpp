// The YAML config mapping on a small app of its own: sections from help groups, keys from long
// names, values through each option's checks, errors with file and line, command line first.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "riptide/config_file.hpp"

namespace riptide::app {
namespace {

namespace fs = std::filesystem;

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/riptide_cfg_XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd >= 0) close(fd);
    path = tmpl;
    std::ofstream(path) << text;
  }
  ~TempFile() { fs::remove(path); }
};

// An app shaped like riptide's: nested groups, a list with a delimiter, a repeatable list, a
// flag, a positional, ranges, a required option.
struct Sensor {
  CLI::App app{"test sensor"};
  std::string iface;
  unsigned threads = 1;
  double idle = 60;
  bool quiet = false;
  std::vector<std::string> analyzers, plugins, words;
  unsigned hh_k = 10;
  std::string hh_out = "-";

  Sensor() {
    add_config_options(app);
    app.add_option("-i,--interface", iface)->required()->group("capture");
    app.add_option("--threads", threads)->check(CLI::Range(1u, 64u))->group("capture");
    app.add_option("expression", words)->group("capture");
    app.add_flag("-q,--quiet", quiet)->group("outputs");
    app.add_option("--flow-idle-timeout", idle)->check(CLI::Range(0.001, 86400.0))->group("flows");
    app.add_option("--analyzer", analyzers)->delimiter(',')->check(CLI::IsMember({"reporter", "heavy-hitters"}))->group("analyzers");
    app.add_option("--plugin", plugins)->allow_extra_args(false)->group("analyzers");
    app.add_option("--hh-k", hh_k)->check(CLI::Range(1u, 1000u))->group("analyzers.heavy-hitters");
    app.add_option("--hh-out", hh_out)->group("analyzers.heavy-hitters");
  }

  // Parses `args` (without the program name); "" when it parsed, else the error text.
  std::string parse(std::vector<std::string> args) {
    args.insert(args.begin(), "sensor");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return e.what();
    }
    return "";
  }

  std::string parse_with(const TempFile& f, std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"--config", f.path});
    return parse(std::move(args));
  }
};

TEST(ConfigMapping, NestedSectionsSetTheirOptions) {
  TempFile f(
      "capture:\n  interface: eth1\n  threads: 4\n"
      "flows:\n  flow-idle-timeout: 2.5\n"
      "analyzers:\n  heavy-hitters:\n    hh-k: 7\n    hh-out: /tmp/x.json\n");
  Sensor s;
  ASSERT_EQ(s.parse_with(f), "");
  EXPECT_EQ(s.iface, "eth1");
  EXPECT_EQ(s.threads, 4u);
  EXPECT_DOUBLE_EQ(s.idle, 2.5);
  EXPECT_EQ(s.hh_k, 7u);
  EXPECT_EQ(s.hh_out, "/tmp/x.json");
  EXPECT_EQ(s.app.count("--threads"), 1u) << "a value from the file counts as given";
}

TEST(ConfigMapping, ListsAsSequencesOrDelimitedScalars) {
  TempFile f(
      "capture:\n  interface: lo\n  expression: udp port 53\n"
      "analyzers:\n  analyzer: [reporter, heavy-hitters]\n  plugin:\n    - a.so\n    - \"b.so:x,y\"\n");
  Sensor s;
  ASSERT_EQ(s.parse_with(f), "");
  EXPECT_EQ(s.analyzers, (std::vector<std::string>{"reporter", "heavy-hitters"}));
  EXPECT_EQ(s.plugins, (std::vector<std::string>{"a.so", "b.so:x,y"}));
  EXPECT_EQ(s.words, (std::vector<std::string>{"udp port 53"}));

  TempFile g("capture:\n  interface: lo\nanalyzers:\n  analyzer: reporter,heavy-hitters\n");
  Sensor t;
  ASSERT_EQ(t.parse_with(g), "");
  EXPECT_EQ(t.analyzers, (std::vector<std::string>{"reporter", "heavy-hitters"})) << "the option's delimiter applies";
}

TEST(ConfigMapping, FlagsTakeBooleans) {
  for (const auto& [text, want] : std::vector<std::pair<std::string, bool>>{{"true", true}, {"yes", true}, {"false", false}}) {
    TempFile f("capture:\n  interface: lo\noutputs:\n  quiet: " + text + "\n");
    Sensor s;
    ASSERT_EQ(s.parse_with(f), "") << text;
    EXPECT_EQ(s.quiet, want) << text;
  }
  TempFile bad("capture:\n  interface: lo\noutputs:\n  quiet: maybe\n");
  Sensor s;
  const std::string err = s.parse_with(bad);
  EXPECT_NE(err.find(bad.path + ":4: outputs.quiet:"), std::string::npos) << err;
}

TEST(ConfigMapping, OutOfRangeNumbersAreRefusedWithTheirLine) {
  TempFile f("# sensor\ncapture:\n  interface: lo\n  threads: 65\n");
  Sensor s;
  const std::string err = s.parse_with(f);
  EXPECT_EQ(err.rfind(f.path + ":4: capture.threads: ", 0), 0u) << err;
  EXPECT_NE(err.find("65"), std::string::npos) << err;

  TempFile g("capture:\n  interface: lo\nanalyzers:\n  heavy-hitters:\n    hh-k: ten\n");
  Sensor t;
  const std::string err2 = t.parse_with(g);
  EXPECT_EQ(err2.rfind(g.path + ":5: analyzers.heavy-hitters.hh-k: ", 0), 0u) << err2;
}

TEST(ConfigMapping, UnknownAndMisplacedKeysAreRefused) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"capture:\n  interface: lo\n  thread: 2\n", ":3: capture.thread: unknown key"},
      {"capture:\n  interface: lo\nrotation:\n  size: 1\n", ":3: rotation: unknown key"},
      {"capture:\n  interface: lo\nflows:\n  threads: 2\n", ":4: flows.threads: unknown key here (threads belongs in capture)"},
      {"threads: 2\n", ":1: threads: unknown key here (threads belongs in capture)"},
      {"analyzers:\n  reporter:\n    hh-k: 2\n", ":2: analyzers.reporter: unknown key"},
      {"analyzers:\n  heavy-hitters:\n    threads: 2\n", ":3: analyzers.heavy-hitters.threads: unknown key here (threads belongs in capture)"},
  };
  for (const auto& [text, want] : cases) {
    TempFile f(text);
    Sensor s;
    const std::string err = s.parse_with(f);
    EXPECT_NE(err.find(f.path + want), std::string::npos) << text << "\n-> " << err;
  }
}

TEST(ConfigMapping, MisshapenValuesAreRefused) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"capture:\n  interface: lo\n  threads: [1, 2]\n", ":3: capture.threads: takes one value, not a list"},
      {"capture:\n  interface: lo\n  threads:\n", ":3: capture.threads: has no value"},
      {"capture:\n  interface:\n    name: lo\n", ":3: capture.interface: expects a value, not a section"},
      {"capture: lo\n", ":1: capture: is a section"},
      {"capture:\n  interface: lo\n  interface: eth0\n", ":3: capture.interface: given twice"},
      {"- capture\n", ":1: expected sections"},
      {"capture:\n  interface: lo\n---\ncapture:\n  threads: 2\n", ":3: holds several YAML documents"},
      {"capture: [\n", ":2: not valid YAML"},
      {"analyzers:\n  plugin: [a.so, [b.so]]\n", ":2: analyzers.plugin: list items must be plain values"},
  };
  for (const auto& [text, want] : cases) {
    TempFile f(text);
    Sensor s;
    const std::string err = s.parse_with(f);
    EXPECT_NE(err.find(f.path + want), std::string::npos) << text << "\n-> " << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  }
}

TEST(ConfigMapping, ErrorsStayOnOneLine) {
  TempFile f("capture:\n  interface: lo\n  threads: \"6\\n5\"\n");
  Sensor s;
  const std::string err = s.parse_with(f);
  EXPECT_NE(err.find(f.path + ":3: capture.threads:"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
}

TEST(ConfigMapping, TheCommandLineOverridesTheFile) {
  TempFile f("capture:\n  interface: eth1\n  threads: 3\nanalyzers:\n  analyzer: [reporter]\n  heavy-hitters:\n    hh-k: 7\n");
  Sensor s;
  ASSERT_EQ(s.parse_with(f, {"--threads", "5", "--analyzer", "heavy-hitters", "-i", "lo"}), "");
  EXPECT_EQ(s.threads, 5u);
  EXPECT_EQ(s.iface, "lo");
  EXPECT_EQ(s.analyzers, (std::vector<std::string>{"heavy-hitters"})) << "a list on the command line replaces the file's";
  EXPECT_EQ(s.hh_k, 7u) << "what the command line leaves alone comes from the file";

  // A bad value the command line overrides is never applied.
  TempFile g("capture:\n  interface: eth1\n  threads: 3000\n");
  Sensor t;
  EXPECT_EQ(t.parse_with(g, {"--threads", "2"}), "");
  EXPECT_EQ(t.threads, 2u);
}

TEST(ConfigMapping, CommandLineErrorsAreStillTheCommandLines) {
  TempFile f("capture:\n  interface: eth1\n");
  Sensor s;
  const std::string err = s.parse_with(f, {"--threads", "0"});
  EXPECT_NE(err.find("--threads"), std::string::npos) << err;
  EXPECT_EQ(err.find(f.path), std::string::npos) << err;
}

TEST(ConfigMapping, AnEmptyFileSetsNothing) {
  TempFile f("# nothing here\n");
  Sensor s;
  EXPECT_EQ(s.parse_with(f, {"-i", "lo"}), "");
  EXPECT_EQ(s.threads, 1u);
  Sensor t;
  EXPECT_NE(t.parse_with(f).find("interface"), std::string::npos) << "a required option stays required";
}

TEST(ConfigMapping, PrintedSettingsReadBackTheSame) {
  TempFile f("capture:\n  interface: eth1\n  threads: 3\nanalyzers:\n  plugin: [\"a b.so:k=v, w\", \"#x.so\"]\n");
  Sensor s;
  ASSERT_EQ(s.parse_with(f, {"-q", "--analyzer", "reporter,heavy-hitters", "--hh-out", "", "udp", "port", "53"}), "");
  const std::string printed = config_to_yaml(s.app, "test");
  EXPECT_NE(printed.find("  threads: 3\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("  # flow-idle-timeout: 60\n"), std::string::npos) << "unset keys show their default\n" << printed;

  TempFile back(printed);
  Sensor t;
  ASSERT_EQ(t.parse_with(back), "") << printed;
  EXPECT_EQ(t.iface, "eth1");
  EXPECT_EQ(t.threads, 3u);
  EXPECT_TRUE(t.quiet);
  EXPECT_EQ(t.analyzers, s.analyzers);
  EXPECT_EQ(t.plugins, s.plugins);
  EXPECT_EQ(t.words, s.words);
  EXPECT_EQ(t.hh_out, "");
  EXPECT_DOUBLE_EQ(t.idle, 60);
  EXPECT_EQ(config_to_yaml(t.app, "test"), printed);
}

TEST(ConfigMapping, EveryOptionOfTheTestAppHasAPath) {
  Sensor s;
  EXPECT_TRUE(config_schema_problems(s.app).empty());
  std::vector<std::string> paths;
  for (const auto& e : config_entries(s.app)) paths.push_back(config_path(e));
  EXPECT_EQ(paths, (std::vector<std::string>{"capture.interface", "capture.threads", "capture.expression", "outputs.quiet",
                                             "flows.flow-idle-timeout", "analyzers.analyzer", "analyzers.plugin",
                                             "analyzers.heavy-hitters.hh-k", "analyzers.heavy-hitters.hh-out"}));
}

TEST(ConfigMapping, OptionGroupsGiveTheirSection) {
  Sensor s;
  unsigned port = 0;
  auto* ipfix = s.app.add_option_group("outputs.ipfix");
  ipfix->add_option("--ipfix-port", port)->check(CLI::Range(1u, 65535u));
  EXPECT_TRUE(config_schema_problems(s.app).empty());
  TempFile f("capture:\n  interface: lo\noutputs:\n  ipfix:\n    ipfix-port: 4739\n");
  ASSERT_EQ(s.parse_with(f), "");
  EXPECT_EQ(port, 4739u);
  EXPECT_NE(config_to_yaml(s.app, "").find("outputs:\n  # quiet: false\n  ipfix:\n    ipfix-port: 4739\n"), std::string::npos)
      << config_to_yaml(s.app, "");

  TempFile g("capture:\n  interface: lo\noutputs:\n  ipfix:\n    ipfix-port: 0\n");
  Sensor t;
  auto* ipfix2 = t.app.add_option_group("outputs.ipfix");
  ipfix2->add_option("--ipfix-port", port)->check(CLI::Range(1u, 65535u));
  EXPECT_NE(t.parse_with(g).find(g.path + ":5: outputs.ipfix.ipfix-port: "), std::string::npos);
}

TEST(ConfigMapping, SchemaProblemsAreFound) {
  Sensor s;
  int loose = 0, clash = 0;
  s.app.add_option("--loose", loose);  // no group: CLI11's default
  s.app.add_option("--heavy-hitters", clash)->group("analyzers");  // a key named like a section
  const auto problems = config_schema_problems(s.app);
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_NE(all.find("--loose has no config section"), std::string::npos) << all;
  EXPECT_NE(all.find("analyzers.heavy-hitters is also a section"), std::string::npos) << all;
  EXPECT_EQ(problems.size(), 2u) << all;
}

}  // namespace
}  // namespace riptide::app
