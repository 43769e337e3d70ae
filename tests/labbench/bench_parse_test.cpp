// The pieces of `riptide bench` that need no root: parsing tools' outputs, the gen JSON,
// --precision, and the report formats.
#include <gtest/gtest.h>

#include "labbench/bench_cli.hpp"
#include "labbench/bench_report.hpp"
#include "labbench/capture_tool.hpp"
#include "labbench/trial.hpp"

namespace riptide::labbench {
namespace {

TEST(BenchParse, TcpdumpSummary) {
  const std::string err =
      "tcpdump: listening on x, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n"
      "1234567 packets captured\n1234600 packets received by filter\n33 packets dropped by kernel\n";
  EXPECT_EQ(number_before(err, "packets captured"), 1234567u);
  EXPECT_EQ(number_before(err, "packets dropped by kernel"), 33u);
  EXPECT_FALSE(number_before(err, "packets lost"));
}

TEST(BenchParse, NetsniffSummaryWithCarriageReturns) {
  const std::string out = "Running! Hang up with ^C!\n\n\r       44992  packets incoming (0 unread on exit)\n"
                          "\r       44992  packets passed filter\n\r           7  packets failed filter (out of space)\n";
  EXPECT_EQ(number_before(out, "packets incoming"), 44992u);
  EXPECT_EQ(number_before(out, "packets failed filter"), 7u);
}

TEST(BenchParse, SoftflowctlStatistics) {
  const std::string out = "Packets processed: 44144\nPackets received by libpcap: 44992\nPackets dropped by libpcap: 5\n";
  EXPECT_EQ(number_after(out, "Packets received by libpcap"), 44992u);
  EXPECT_EQ(number_after(out, "Packets dropped by libpcap"), 5u);
  EXPECT_EQ(number_after(out, "Packets processed"), 44144u);
  EXPECT_FALSE(number_after(out, "Flows exported"));
}

TEST(BenchParse, GenJson) {
  auto g = parse_gen_json(
      "{\"target\":\"p\",\"method\":\"sendmmsg\",\"attempted\":10,\"sent\":9,\"failed\":1,\"retried\":0,"
      "\"bytes\":1800,\"elapsed_s\":1.5,\"pps\":6.0,\"mbps\":0.01}\n");
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->sent, 9u);
  EXPECT_DOUBLE_EQ(g->pps, 6.0);
  EXPECT_FALSE(parse_gen_json("riptide gen: cannot open x\n"));
  EXPECT_FALSE(parse_gen_json(""));
}

TEST(BenchParse, Precision) {
  EXPECT_DOUBLE_EQ(*parse_precision("2%"), 0.02);
  EXPECT_DOUBLE_EQ(*parse_precision("0.25"), 0.25);
  EXPECT_DOUBLE_EQ(*parse_precision("25%"), 0.25);
  EXPECT_FALSE(parse_precision("0"));
  EXPECT_FALSE(parse_precision("150%"));
  EXPECT_FALSE(parse_precision("abc"));
  EXPECT_FALSE(parse_precision("2%%"));
}

TEST(BenchParse, ToolsAreKnownByName) {
  for (const char* n : {"riptide", "tcpdump", "netsniff-ng", "softflowd"}) {
    auto t = make_tool(n);
    ASSERT_TRUE(t) << n;
    EXPECT_EQ((*t)->name(), n);
    EXPECT_FALSE((*t)->how_counted().empty());
  }
  EXPECT_FALSE(make_tool("wireshark"));
  TrialEnv env;
  env.self_exe = "/x/riptide";
  env.iface = "veth0";
  env.dir = "/tmp/t";
  env.cpu = 1;
  const auto cmd = (*make_tool("riptide"))->command(env);
  ASSERT_GE(cmd.size(), 4u);
  EXPECT_EQ(cmd[1], "capture");
  EXPECT_EQ(cmd.back(), "udp");
  EXPECT_NE(std::find(cmd.begin(), cmd.end(), "--seq-check"), cmd.end());
}

BenchSummary two_tools() {
  BenchSummary s;
  s.opts.tools = {"riptide", "tcpdump"};
  s.opts.command_line = "riptide bench --compare tcpdump";
  s.gen_ceiling_pps = 800'000;
  for (const char* name : {"riptide", "tcpdump"}) {
    ToolResult t;
    t.tool = name;
    t.how_counted = "test";
    const bool rt = std::string(name) == "riptide";
    for (double rate : {800'000.0, 50'000.0, 425'000.0}) {
      TrialRecord r;
      r.tool = name;
      r.offered = rate;
      r.achieved = rate * 0.9;
      r.sent = std::uint64_t(rate * 3);
      r.lossless = rt || rate < 400'000;
      r.received = r.lossless ? r.sent : r.sent - 100;
      r.lost = r.sent - r.received;
      r.loss_pct = 100.0 * double(r.lost) / double(r.sent);
      r.cpu_ns_per_pkt = rt ? 100 : 300;
      r.fig.kernel_drops = r.lost;
      t.trials.push_back(r);
    }
    t.search.max_lossless = rt ? 800'000 : 50'000;
    t.search.lossless_at_top = rt;
    t.search.capped_by_generator = true;
    t.search.lowest_lossy = rt ? 0 : 425'000;
    s.tools.push_back(t);
  }
  return s;
}

TEST(BenchReport, MarkdownHasTablesRatiosAndTheGeneratorNote) {
  const auto md = format_bench_md(two_tools());
  EXPECT_NE(md.find("riptide bench --compare tcpdump"), std::string::npos);
  EXPECT_NE(md.find("the generator, not the capture, is the limit"), std::string::npos);
  EXPECT_NE(md.find("| tcpdump | 16.00x | 3.00x |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 800,000 |"), std::string::npos);
  EXPECT_NE(md.find("lossy at 425,000 pps"), std::string::npos);
}

TEST(BenchReport, DatIsOneSortedBlockPerTool) {
  const auto dat = format_bench_dat(two_tools());
  const auto second = dat.find("# tcpdump");
  ASSERT_NE(second, std::string::npos);
  EXPECT_NE(dat.find("\n\n\n# tcpdump"), std::string::npos) << "two blank lines separate gnuplot index blocks";
  const auto a = dat.find("50000 "), b = dat.find("425000 "), c = dat.find("800000 ");
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, second);
}

}  // namespace
}  // namespace riptide::labbench
