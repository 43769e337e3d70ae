#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "riptide/file/capture_file.hpp"
#include "riptide/gen/gen_cli.hpp"
#include "riptide/gen/gen_payload.hpp"
#include "riptide/gen/seq_tracker.hpp"
#include "support/netns.hpp"
#include "transmit/ns_receiver.hpp"

namespace riptide::gen {
namespace {

int run(std::vector<std::string> args) {
  args.insert(args.begin(), "gen");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return run_gen_cli(int(args.size()), argv.data());
}

TEST(GenCli, UsageErrorsExit2) {
  const std::vector<std::vector<std::string>> bad = {
      {"-i", "lo", "--rate", "1000", "--bogus"},
      {"-i", "lo", "--rate", "0", "--count", "1"},
      {"-i", "lo", "--rate", "-5", "--count", "1"},
      {"-i", "lo", "--rate", "abc", "--count", "1"},
      {"-i", "lo", "--rate", "10", "--max-rate", "--count", "1"},
      {"-i", "lo", "--count", "1"},  // no rate
      {"-i", "lo", "--rate", "10", "--size", "59", "--count", "1"},
      {"-i", "lo", "--rate", "10", "--size", "9001", "--count", "1"},
      {"-i", "lo", "--rate", "10", "--size", "60", "--ipv6", "--count", "1"},  // below the IPv6 minimum
      {"-i", "rtnosuchif9", "--rate", "10", "--count", "1"},
      {"-i", "lo", "--rate", "10", "--method", "carrier-pigeon", "--count", "1"},
      {"-i", "lo", "--rate", "10", "--vlan", "4095", "--count", "1"},
      {"-i", "lo", "--rate", "10", "--flows", "0", "--count", "1"},
      {"-i", "lo", "--rate", "10", "--imix-list", "100:x", "--count", "1"},
      {"-i", "lo", "--rate", "10", "--size-range", "900-100", "--count", "1"},
      {"-i", "lo", "--rate", "10", "--src-mac", "zz:00:00:00:00:00", "--count", "1"},
      {"-i", "lo", "--rate", "10", "--size", "100", "--imix", "--count", "1"},
      {"--pcap-out", "/tmp/x.pcap"},  // no count
      {"--pcap-out", "/nonexistent-dir/x.pcap", "--count", "1"},
      {},
  };
  for (const auto& a : bad) {
    std::string joined;
    for (auto& s : a) joined += s + " ";
    EXPECT_EQ(run(a), 2) << joined;
  }
  EXPECT_EQ(run({"--help"}), 0);
}

TEST(GenCli, MissingPermissionExits2) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to nobody";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(99);
    std::fclose(stdout);
    _exit(run({"-i", "lo", "--rate", "10", "--count", "1"}));
  }
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 2);
}

TEST(GenCli, PcapOutWritesReadableDeterministicFile) {
  const std::string a = testing::TempDir() + "/rt_gen_a.pcap", b = testing::TempDir() + "/rt_gen_b.pcap";
  for (const auto& p : {a, b})
    ASSERT_EQ(run({"--pcap-out", p, "--count", "5000", "--size-range", "64-800", "--flows", "1000", "--seed", "5",
                   "--random-flows", "--rate", "100000", "--json"}),
              0);
  ASSERT_EQ(std::system(("cmp -s " + a + " " + b).c_str()), 0) << "same seed, same file";
  auto f = open_capture_file(a);
  ASSERT_TRUE(f.ok()) << f.error().message;
  PacketBatch batch;
  SeqTracker t(1000);
  std::uint64_t n = 0;
  TimestampNs prev = 0;
  for (;;) {
    auto r = (*f)->next(batch, std::chrono::milliseconds(0));
    ASSERT_TRUE(r.ok()) << r.error().message;
    if (*r == PollStatus::end_of_input) break;
    for (const auto& p : batch) {
      auto g = parse_gen_payload(p);
      ASSERT_TRUE(g.has_value());
      EXPECT_EQ(g->send_ts_ns, p.caplen >= 66 ? p.ts_ns : 0);
      if (prev) {
        EXPECT_EQ(p.ts_ns - prev, 10'000);  // 100 kpps
      }
      prev = p.ts_ns;
      EXPECT_GE(p.caplen, 64u);
      EXPECT_LE(p.caplen, 800u);
      t.feed(g->flow, g->seq);
      ++n;
    }
  }
  EXPECT_EQ(n, 5000u);
  EXPECT_EQ(t.counts().lost, 0u);
  EXPECT_GT(t.counts().flows_seen, 900u);
  std::remove(a.c_str());
  std::remove(b.c_str());
}

// The acceptance run: 50k frames at 20 kpps across a veth, captured in the namespace.
TEST(GenCli, Live50kAt20kppsExactAndOnRate) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs root";
  test::VethPair veth("gen20k");
  ASSERT_TRUE(veth.ok());
  test::NsReceiver rx(veth.netns(), veth.peer_if(), 16);
  ASSERT_TRUE(rx.ok());
  rx.start(50'000, 2000);
  testing::internal::CaptureStdout();
  const int rc = run({"-i", veth.host_if(), "--rate", "20000", "--count", "50000", "--flows", "16", "--size",
                      "100", "--json"});
  const std::string out = testing::internal::GetCapturedStdout();
  rx.wait();
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(rx.frames(), 50'000u);
  auto c = rx.tracker().counts();
  EXPECT_EQ(c.unique, 50'000u);
  EXPECT_EQ(c.lost, 0u);
  EXPECT_EQ(c.duplicates, 0u);
  EXPECT_EQ(c.reordered, 0u);
  EXPECT_EQ(c.flows_seen, 16u);
  // {"...","pps":N,...}
  const auto at = out.find("\"pps\":");
  ASSERT_NE(at, std::string::npos) << out;
  const double pps = std::stod(out.substr(at + 6));
  EXPECT_NEAR(pps, 20'000, 200) << out;
  EXPECT_NE(out.find("\"sent\":50000"), std::string::npos) << out;
  EXPECT_NE(out.find("\"failed\":0"), std::string::npos) << out;
}

TEST(GenCli, LiveTxRingIpv6VlanImix) {
  if (!test::have_net_admin()) GTEST_SKIP() << "needs root";
  test::VethPair veth("genv6");
  ASSERT_TRUE(veth.ok());
  test::NsReceiver rx(veth.netns(), veth.peer_if(), 4);
  ASSERT_TRUE(rx.ok());
  rx.start(5000, 1000);
  testing::internal::CaptureStdout();
  const int rc = run({"-i", veth.host_if(), "--max-rate", "--count", "5000", "--flows", "4", "--imix-list", "100:7,590:4,1514:1", "--ipv6",
                      "--vlan", "12", "--method", "tx_ring", "--burst", "100"});
  const std::string out = testing::internal::GetCapturedStdout();
  rx.wait();
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("sent 5000 failed 0"), std::string::npos) << out;
  EXPECT_EQ(rx.frames(), 5000u);
  EXPECT_EQ(rx.tracker().counts().lost, 0u);
  // The mix went out as asked (the peer may strip the VLAN tag: 4 bytes less).
  EXPECT_NEAR(double(rx.bytes()) / 5000.0, (7 * 100 + 4 * 590 + 1514) / 12.0, 5.0);
}

}  // namespace
}  // namespace riptide::gen
