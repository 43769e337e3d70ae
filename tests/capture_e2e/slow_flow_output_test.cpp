// A live capture whose flow output cannot keep up (--flows-json into a FIFO read slowly):
// every packet is still captured and metered, the flow records the output queue could not
// take are counted as flow_output_queue_full, the file gets exactly the records the report
// says were written, whole lines only, and the run ends with status 1.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "capture_e2e/e2e_session.hpp"

namespace riptide::e2e {
namespace {

std::uint64_t metric(const nlohmann::json& st, const std::string& name) {
  std::uint64_t n = 0;
  for (const auto& m : st.value("metrics", nlohmann::json::array()))
    if (m.value("name", std::string()) == name && m.contains("value") && m["value"].is_number_unsigned())
      n += m["value"].get<std::uint64_t>();
  return n;
}

TEST(SlowFlowOutput, AFifoReadSlowlyCostsCountedRecordsNeverPackets) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2eq");
  ASSERT_TRUE(vp.ok());
  TempDir dir;
  const std::string fifo = dir.path("flows.fifo"), stats = dir.path("stats.json");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int rfd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // riptide's open for writing then returns
  ASSERT_GE(rfd, 0);
  ::fcntl(rfd, F_SETFL, 0);
  std::string got;
  std::thread reader;
  struct JoinReader {
    std::thread& t;
    ~JoinReader() {
      if (t.joinable()) t.join();
    }
  } join_reader{reader};

  // A 1 ms idle timeout ends almost every flow at every batch: ~100k records/s.
  Child c({riptide_bin(), "capture", "-i", vp.host_if(), "--stats-json", stats, "--flows-json", fifo,
           "--flow-idle-timeout", "0.001", "udp"},
          dir.path("rt.out"), dir.path("rt.err"));
  ASSERT_TRUE(c.started() && c.wait_for_err("riptide: input", 15s)) << c.err();
  // Only now: a FIFO with no writer yet reads as its end.
  reader = std::thread([&] {
    char buf[4096];
    for (;;) {  // ~2 MB/s: far below the ~25 MB/s of records this traffic makes
      const ssize_t n = ::read(rfd, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::string why;
  const auto sent = run_gen(vp.netns(), vp.peer_if(), {"--rate", "100000", "--count", "200000", "--flows", "50000"}, &why);
  ASSERT_EQ(sent.value_or(0), 200000u) << why;
  c.signal(SIGINT);
  const auto rc = c.wait(120s);
  reader.join();
  ::close(rfd);
  ASSERT_TRUE(rc.has_value()) << "riptide did not end: " << c.err();
  EXPECT_EQ(*rc, 1) << "records were lost: the run must fail. " << c.err();

  const auto st = final_stats(stats).value_or(nlohmann::json::object());
  EXPECT_EQ(u64(st, "captured"), 200000u) << st.dump();
  EXPECT_EQ(u64(st, "processed"), 200000u);
  EXPECT_EQ(u64(st, "kernel_drops"), 0u) << "a slow flow output cost packets";
  const std::uint64_t refused = metric(st, "flow_output_queue_full");
  EXPECT_GT(refused, 0u) << "the output kept up: the test proves nothing";
  const std::uint64_t created = metric(st, "analyzer_flows_created");
  nlohmann::json out;
  for (const auto& o : st.value("outputs", nlohmann::json::array()))
    if (o.value("name", std::string()) == "flows") out = o;
  ASSERT_TRUE(out.is_object()) << st.dump();
  const auto written = out["written"].get<std::uint64_t>(), dropped = out["dropped"].get<std::uint64_t>();
  EXPECT_EQ(dropped, refused) << "the file itself lost nothing; only the queue refused";
  EXPECT_EQ(written + dropped, created) << "a flow record neither written nor counted";
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), '\n');
  EXPECT_EQ(static_cast<std::uint64_t>(std::count(got.begin(), got.end(), '\n')), written);
  EXPECT_NE(c.err().find("flow output queue full"), std::string::npos) << c.err();
}

}  // namespace
}  // namespace riptide::e2e
