// Offload threads that could not be placed (CPUs, batch priority, nice) are counted in the
// registry (offload_placement_failed) and so reach the report, its JSON and Prometheus.
// To make placement fail for certain, a child process starts at nice 15 without
// CAP_SYS_NICE: the pool's threads inherit nice 15 and cannot go back to nice 10.
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine_test_util.hpp"

namespace riptide::test {
namespace {

class Idle final : public Analyzer {
 public:
  std::string_view name() const noexcept override { return "idle"; }
  void on_packet(const PacketMeta&, const PacketView&) override {}
};

RunReport run_with_offload(const std::string& pcap) {
  auto c = file_config(pcap);
  c.offload.threads = 2;
  std::vector<std::unique_ptr<AnalyzerFactory>> v;
  v.push_back(std::make_unique<LambdaFactory>("idle", [](std::size_t) { return std::make_unique<Idle>(); }));
  return run_engine(c, std::move(v));
}

bool drop_sys_nice() {
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[2]{};
  if (::syscall(SYS_capget, &h, d) != 0) return false;
  d[0].effective &= ~(1u << CAP_SYS_NICE);
  d[0].permitted &= ~(1u << CAP_SYS_NICE);
  d[0].inheritable &= ~(1u << CAP_SYS_NICE);
  return ::syscall(SYS_capset, &h, d) == 0;
}

TEST(OffloadPlacement, PlacedThreadsCountNothing) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: nice and CPU placement of the pool";
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 50, 1'000'000'000, 1'000'000);
  const RunReport r = run_with_offload(d.file("in.pcap"));
  EXPECT_EQ(r.offload_placement_failed, 0u);
  EXPECT_EQ(format_report(r).find("could not be placed"), std::string::npos);
  EXPECT_NE(report_json(r).find("\"offload_placement_failed\":0"), std::string::npos);
}

TEST(OffloadPlacement, ThreadsThatCannotBePlacedAreCounted) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: drops CAP_SYS_NICE in a child";
  TempDir d;
  write_udp_pcap(d.file("in.pcap"), 50, 1'000'000'000, 1'000'000);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::string out = "setup failed";
    if (::setpriority(PRIO_PROCESS, 0, 15) == 0 && drop_sys_nice()) {
      const RunReport r = run_with_offload(d.file("in.pcap"));
      out = std::to_string(r.offload_placement_failed) + "\n" + format_report(r) + "\n" + report_json(r);
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(got.rfind("2\n", 0), 0u) << got;  // both pool threads
  EXPECT_NE(got.find("offload      2 threads could not be placed"), std::string::npos) << got;
  EXPECT_NE(got.find("\"offload_placement_failed\":2"), std::string::npos) << got;
}

}  // namespace
}  // namespace riptide::test
