// `riptide capture -i any` (every interface, cooked LINUX_SLL2 headers) and `-D`. The capture
// runs inside the test's namespace, where only its veth end and lo exist, while the
// generator sends from the host end.
#include <gtest/gtest.h>

#include "capture_e2e/e2e_session.hpp"
#include "riptide/file/capture_file.hpp"

namespace riptide::e2e {
namespace {

TEST(AnyInterface, ListsInterfacesAsTcpdumpD) {
  TempDir d;
  Child l({riptide_bin(), "capture", "-D"}, d.path("out"), d.path("err"));
  ASSERT_EQ(l.wait(10s).value_or(-1), 0);
  const std::string out = l.out();
  EXPECT_NE(out.find(".lo [Up, Running, Loopback]"), std::string::npos) << out;
  EXPECT_NE(out.find(".any (every interface"), std::string::npos) << out;
  EXPECT_EQ(out.rfind("1.", 0), 0u) << out;
  EXPECT_EQ(run_to_end({riptide_bin(), "capture"}).rc.value_or(-1), 2) << "no -i and no -D";
}

TEST(AnyInterface, CapturesCookedPacketsThatDecodeAndWriteWhole) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2ey");
  ASSERT_TRUE(vp.ok());
  TempDir d;
  const std::string out = d.path("any.pcapng");
  Child rt({"ip", "netns", "exec", vp.netns(), riptide_bin(), "capture", "-i", "any", "-w", out, "--stats-json",
            d.path("stats.json"), "--flows-json", d.path("flows.json"), "udp"},
           d.path("rt.out"), d.path("rt.err"));
  ASSERT_TRUE(rt.wait_for_err("riptide: input", 15s)) << rt.err();
  const auto gen = run_to_end({riptide_bin(), "gen", "-i", vp.host_if(), "--rate", "20000", "--count", "5000", "--flows",
                               "10", "--size", "200"},
                              30s);
  ASSERT_EQ(gen.rc.value_or(-1), 0) << gen.err;
  rt.signal(SIGINT);
  ASSERT_EQ(rt.wait(30s).value_or(-1), 0) << rt.err();
  const auto st = final_stats(d.path("stats.json")).value_or(nlohmann::json::object());
  EXPECT_EQ(u64(st, "captured"), 5000u) << st.dump();
  EXPECT_EQ(u64(st, "pcap_written"), 5000u) << st.dump();
  const auto flows = read_flows(d.path("flows.json"));
  EXPECT_EQ(flows.records, 10u);
  EXPECT_EQ(flows.packets, 5000u);

  // The file: LINUX_SLL2, each packet 20 bytes of cooked header plus the IP packet.
  auto f = open_capture_file(out);
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ((*f)->link_type(), LinkType::linux_sll2);
  PacketBatch b;
  std::uint64_t n = 0;
  for (;;) {
    auto r = (*f)->next(b, std::chrono::milliseconds(0));
    ASSERT_TRUE(r.ok()) << r.error().message;
    if (*r == PollStatus::end_of_input) break;
    for (const auto& p : b) {
      ASSERT_GE(p.caplen, 40u);
      EXPECT_EQ(p.data[0], 0x08);  // protocol type IPv4, network order
      EXPECT_EQ(p.data[1], 0x00);
      EXPECT_EQ(p.data[20] >> 4, 4);
      ++n;
    }
  }
  EXPECT_EQ(n, 5000u);
  const auto back = run_to_end({riptide_bin(), "read", "-q", "-r", out, "--stats-json", d.path("back.json")});
  EXPECT_EQ(back.rc.value_or(-1), 0) << back.err;
  const auto bj = final_stats(d.path("back.json")).value_or(nlohmann::json::object());
  EXPECT_EQ(u64(bj, "captured"), 5000u) << bj.dump();
}

}  // namespace
}  // namespace riptide::e2e
