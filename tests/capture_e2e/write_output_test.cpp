// -w through the riptide binary: pcapng by name or --format, pcap precision, snaplen habits,
// rotation (-C/-G/-W) whose files add up to what the report says was written, and, live, an
// output that cannot keep up: capture loses nothing, the -w drops are counted exactly.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "capture_e2e/e2e_session.hpp"
#include "riptide/file/capture_file.hpp"
#include "support/shell.hpp"

namespace riptide::e2e {
namespace {

const std::string kExample = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/example.pcap";  // 4,631 packets
const std::string kMixed = std::string(RIPTIDE_PCAP_DIR) + "/PcapExamples/many_interfaces-1.pcapng";

bool have_tool(const char* name) {
  if (test::shell(std::string("command -v ") + name + " >/dev/null 2>&1").status == 0) return true;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string(ci) == "true") ADD_FAILURE() << name << " is not installed";
  return false;
}

struct Pkt {
  std::vector<std::uint8_t> bytes;
  std::uint32_t wirelen;
  TimestampNs ts;
};

std::vector<Pkt> packets_of(const std::string& path) {
  std::vector<Pkt> v;
  auto f = open_capture_file(path);
  if (!f) {
    ADD_FAILURE() << f.error().message;
    return v;
  }
  PacketBatch b;
  for (;;) {
    auto r = (*f)->next(b, std::chrono::milliseconds(0));
    if (!r) {
      ADD_FAILURE() << path << ": " << r.error().message;
      return v;
    }
    if (*r == PollStatus::end_of_input) return v;
    for (const auto& p : b) v.push_back({{p.data, p.data + p.caplen}, p.wirelen, p.ts_ns});
  }
}

std::uint64_t tool_count(const std::string& path) {
  const auto r = test::shell("capinfos -M -c '" + path + "' 2>&1");
  EXPECT_EQ(r.status, 0) << r.out;
  const auto at = r.out.find("Number of packets:");
  const std::uint64_t n = at == std::string::npos ? 0 : std::stoull(r.out.substr(at + 18));
  const auto t = test::shell("tshark -r '" + path + "' 2>/dev/null | wc -l");
  EXPECT_EQ(std::stoull(t.out), n) << path;
  return n;
}

std::uint32_t magic_of(const std::string& path) {
  const auto b = test::shell("od -An -tx4 -N4 '" + path + "'").out;
  return static_cast<std::uint32_t>(std::stoul(b, nullptr, 16));
}

Finished read_run(const TempDir& d, std::vector<std::string> args) {
  std::vector<std::string> argv = {riptide_bin(), "read", "-r"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--stats-json", d.path("stats.json")});
  return run_to_end(argv, std::chrono::seconds(60));
}

TEST(WriteCli, PcapngByNameReadsBackByteForByte) {
  TempDir d;
  const auto r = read_run(d, {kExample, "-w", d.path("out.pcapng")});
  ASSERT_EQ(r.rc.value_or(-1), 0) << r.err;
  EXPECT_EQ(magic_of(d.path("out.pcapng")), 0x0a0d0d0au);
  const auto want = packets_of(kExample), got = packets_of(d.path("out.pcapng"));
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i].bytes, want[i].bytes) << i;
    ASSERT_EQ(got[i].wirelen, want[i].wirelen) << i;
    ASSERT_EQ(got[i].ts, want[i].ts) << i;
  }
  const auto st = final_stats(d.path("stats.json")).value_or(nlohmann::json::object());
  EXPECT_EQ(u64(st, "pcap_written"), want.size());
  if (have_tool("capinfos") && have_tool("tshark")) {
    EXPECT_EQ(tool_count(d.path("out.pcapng")), want.size());
  }
}

TEST(WriteCli, FormatFlagAndPcapTimestampPrecision) {
  TempDir d;
  ASSERT_EQ(read_run(d, {kExample, "-w", d.path("a.cap"), "--format", "pcapng"}).rc.value_or(-1), 0);
  EXPECT_EQ(magic_of(d.path("a.cap")), 0x0a0d0d0au);
  ASSERT_EQ(read_run(d, {kExample, "-w", d.path("us.pcap")}).rc.value_or(-1), 0);
  EXPECT_EQ(magic_of(d.path("us.pcap")), 0xa1b2c3d4u) << "microseconds by default, as tcpdump";
  ASSERT_EQ(read_run(d, {kExample, "-w", d.path("ns.pcap"), "--time-stamp-precision", "nano"}).rc.value_or(-1), 0);
  EXPECT_EQ(magic_of(d.path("ns.pcap")), 0xa1b23c4du);
  const auto ns = packets_of(d.path("ns.pcap")), src = packets_of(kExample);
  ASSERT_EQ(ns.size(), src.size());
  EXPECT_EQ(ns.back().ts, src.back().ts);
}

TEST(WriteCli, SnaplenZeroIsTheMaximumAndALargerOneIsClamped) {
  TempDir d;
  auto r = read_run(d, {kExample, "-s", "0", "-w", d.path("s0.pcap")});
  EXPECT_EQ(r.rc.value_or(-1), 0) << r.err;
  r = read_run(d, {kExample, "-s", "300000", "-w", d.path("big.pcap")});
  EXPECT_EQ(r.rc.value_or(-1), 0) << r.err;
  EXPECT_NE(r.err.find("snaplen 300000 is above the maximum: 262144 used"), std::string::npos) << r.err;
  r = read_run(d, {kExample, "-s", "100", "-w", d.path("cut.pcap")});
  EXPECT_EQ(r.rc.value_or(-1), 0) << r.err;
  for (const auto& p : packets_of(d.path("cut.pcap"))) ASSERT_LE(p.bytes.size(), 100u);
  r = read_run(d, {kExample, "-s", "10"});
  EXPECT_EQ(r.rc.value_or(-1), 2) << r.err;
}

TEST(WriteCli, MixedLinkTypesPcapCountsWhatItCannotHoldPcapngKeepsAll) {
  TempDir d;
  auto r = read_run(d, {kMixed, "-w", d.path("m.pcap")});
  auto st = final_stats(d.path("stats.json")).value_or(nlohmann::json::object());
  EXPECT_EQ(u64(st, "pcap_written"), 62u) << st.dump();
  EXPECT_EQ(u64(st, "pcap_not_written"), 2u) << st.dump();
  r = read_run(d, {kMixed, "-w", d.path("m.pcapng")});
  EXPECT_EQ(r.rc.value_or(-1), 0) << r.err;
  st = final_stats(d.path("stats.json")).value_or(nlohmann::json::object());
  EXPECT_EQ(u64(st, "pcap_written"), 64u) << st.dump();
  EXPECT_EQ(u64(st, "pcap_not_written"), 0u) << st.dump();
  EXPECT_EQ(packets_of(d.path("m.pcapng")).size(), 64u);
  if (have_tool("capinfos") && have_tool("tshark")) {
    EXPECT_EQ(tool_count(d.path("m.pcapng")), 64u);
  }
}

TEST(WriteCli, SizeRotationFilesAddUpToWhatTheReportWrote) {
  TempDir d;
  const auto r = read_run(d, {kExample, "-w", d.path("r.pcap"), "-C", "1"});
  ASSERT_EQ(r.rc.value_or(-1), 0) << r.err;
  const auto st = final_stats(d.path("stats.json")).value_or(nlohmann::json::object());
  const auto files = u64(st, "pcap_files");
  ASSERT_EQ(files, 4u) << st.dump();  // 3.9 MB in files of at most 1,000,000 bytes
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < files; ++i) {
    const std::string f = d.path(i == 0 ? "r.pcap" : "r.pcap" + std::to_string(i));
    EXPECT_LE(std::filesystem::file_size(f), 1'000'000u) << f;
    const auto n = packets_of(f).size();
    if (have_tool("capinfos") && have_tool("tshark")) {
      EXPECT_EQ(tool_count(f), n) << f;
    }
    total += n;
  }
  EXPECT_EQ(total, u64(st, "pcap_written"));
  EXPECT_EQ(total, 4631u);
}

TEST(WriteCli, RingOfFilesAndIntervalWithALimitEndTheRunAsTcpdump) {
  TempDir d;
  auto r = read_run(d, {kExample, "-w", d.path("ring"), "-C", "1", "-W", "2"});
  ASSERT_EQ(r.rc.value_or(-1), 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(d.path("ring0")));
  EXPECT_TRUE(std::filesystem::exists(d.path("ring1")));
  EXPECT_FALSE(std::filesystem::exists(d.path("ring2")));
  EXPECT_FALSE(std::filesystem::exists(d.path("ring")));

  // example.pcap spans 15.6 s of packet time: -G 5 -W 2 writes two files and stops.
  r = run_to_end({"/usr/bin/env", "TZ=UTC", riptide_bin(), "read", "-r", kExample, "-w", d.path("g-%H%M%S.pcapng"), "-G",
                  "5", "-W", "2", "--stats-json", d.path("g.json")});
  ASSERT_EQ(r.rc.value_or(-1), 0) << r.err;
  const auto st = final_stats(d.path("g.json")).value_or(nlohmann::json::object());
  EXPECT_EQ(u64(st, "pcap_files"), 2u) << st.dump();
  std::uint64_t total = 0;
  for (const char* f : {"g-202033.pcapng", "g-202038.pcapng"}) {
    ASSERT_TRUE(std::filesystem::exists(d.path(f))) << f;
    total += packets_of(d.path(f)).size();
  }
  EXPECT_EQ(total, u64(st, "pcap_written"));
  EXPECT_LT(total, 4631u);
  // What the read had already queued when the last file closed is counted, not lost.
  std::uint64_t beyond = ~0ull;
  for (const auto& m : st["metrics"])
    if (m.value("name", std::string()) == "pcap_beyond_last_file") beyond = m.value("value", ~0ull);
  EXPECT_EQ(total + beyond, u64(st, "captured")) << st.dump();
}

// -G opens its first file at start, as tcpdump does: a run that writes nothing still leaves
// one valid, empty file (named by the input's first packet on a file read); with packets,
// every file is complete and together they hold what the report says was written.
TEST(WriteCli, IntervalRotationOpensItsFirstFileAtStart) {
  TempDir d;
  auto r = run_to_end({"/usr/bin/env", "TZ=UTC", riptide_bin(), "read", "-r", kExample, "-w", d.path("e-%H%M%S.pcap"), "-G",
                       "5", "--stats-json", d.path("e.json"), "ether proto 0x88b5"});
  ASSERT_EQ(r.rc.value_or(-1), 0) << r.err;
  auto st = final_stats(d.path("e.json")).value_or(nlohmann::json::object());
  EXPECT_EQ(u64(st, "pcap_written"), 0u) << st.dump();
  EXPECT_EQ(u64(st, "pcap_files"), 1u) << st.dump();
  ASSERT_TRUE(std::filesystem::exists(d.path("e-202033.pcap"))) << "no file opened at start";
  EXPECT_EQ(magic_of(d.path("e-202033.pcap")), 0xa1b2c3d4u);
  EXPECT_EQ(packets_of(d.path("e-202033.pcap")).size(), 0u);
  if (have_tool("capinfos") && have_tool("tshark")) {
    EXPECT_EQ(tool_count(d.path("e-202033.pcap")), 0u);
  }

  r = run_to_end({"/usr/bin/env", "TZ=UTC", riptide_bin(), "read", "-r", kExample, "-w", d.path("g-%H%M%S.pcapng"), "-G",
                  "5", "--stats-json", d.path("g.json")});
  ASSERT_EQ(r.rc.value_or(-1), 0) << r.err;
  st = final_stats(d.path("g.json")).value_or(nlohmann::json::object());
  std::uint64_t total = 0, files = 0;
  for (const auto& e : std::filesystem::directory_iterator(d.path(""))) {
    const std::string name = e.path().filename().string();
    if (name.rfind("g-", 0) != 0 || name.find(".json") != std::string::npos) continue;
    ++files;
    const auto n = packets_of(e.path().string()).size();
    if (have_tool("capinfos") && have_tool("tshark")) {
      EXPECT_EQ(tool_count(e.path().string()), n) << name;
    }
    total += n;
  }
  EXPECT_TRUE(std::filesystem::exists(d.path("g-202033.pcapng")));
  EXPECT_EQ(files, u64(st, "pcap_files")) << st.dump();
  EXPECT_GE(files, 4u);  // 15.6 s of packets in 5 s files
  EXPECT_EQ(total, u64(st, "pcap_written"));
  EXPECT_EQ(total, 4631u);
}

TEST(WriteCli, WrongCombinationsAreRefusedAtStart) {
  TempDir d;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {kExample, "-C", "1"},
           {kExample, "-U"},
           {kExample, "-w", d.path("x"), "-W", "3"},
           {kExample, "-w", "-", "-C", "1"},
           {kExample, "-w", d.path("x.pcapng"), "--time-stamp-precision", "micro"},
           {kExample, "-w", d.path("x"), "--format", "erf"},
           {kExample, "-w", "/nonexistent-dir/x-%H", "-G", "5"}}) {
    const auto r = read_run(d, args);
    EXPECT_EQ(r.rc.value_or(-1), 2) << args.back() << ": " << r.err;
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
  }
}

// Live: the -w output is a FIFO read at about 1.6 MB/s while 20 MB arrive at 10 MB/s. Capture
// and analysis lose nothing; -w drops what its queues cannot hold, counted to the packet, and
// the FIFO holds exactly the packets counted as written.
TEST(WriteLive, OutputThatCannotKeepUpNeverCostsCapture) {
  RIPTIDE_E2E_NEEDS_ROOT();
  test::VethPair vp("e2ew");
  ASSERT_TRUE(vp.ok());
  TempDir fd_dir;
  const std::string fifo = fd_dir.path("slow.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] {
    const int fd = ::open(fifo.c_str(), O_RDONLY);
    if (fd < 0) return;
    std::vector<char> buf(8192);
    for (;;) {
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n <= 0) break;
      got.append(buf.data(), static_cast<std::size_t>(n));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::close(fd);
  });
  struct Join {
    std::thread& t;
    const std::string& f;
    ~Join() {
      if (!t.joinable()) return;
      // A riptide that never opened the FIFO: open the write end so the reader wakes.
      const int fd = ::open(f.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd >= 0) ::close(fd);
      t.join();
    }
  } join{reader, fifo};
  CaptureSession s(vp, {"-w", fifo, "--write-queue", "1", "--threads", "2", "udp"});
  ASSERT_TRUE(s.ready()) << s.err();
  const auto sent = s.gen({"--rate", "50000", "--count", "100000", "--flows", "64", "--size", "200"});
  ASSERT_EQ(sent.value_or(0), 100000u);
  const auto rc = s.stop(60s);
  ASSERT_TRUE(rc.has_value()) << "riptide did not end: " << s.err();
  reader.join();
  const auto st = s.stats();
  EXPECT_EQ(u64(st, "captured"), 100000u) << st.dump();
  EXPECT_EQ(u64(st, "processed"), 100000u) << st.dump();
  EXPECT_EQ(u64(st, "kernel_drops"), 0u) << st.dump();
  const auto written = u64(st, "pcap_written"), dropped = u64(st, "pcap_queue_drops");
  EXPECT_GT(dropped, 0u) << "the reader kept up: the test proves nothing. " << st.dump();
  EXPECT_EQ(written + dropped, 100000u) << st.dump();
  EXPECT_EQ(u64(st, "pcap_not_written"), 0u) << st.dump();
  EXPECT_NE(s.err().find("pcap_queue_drops"), std::string::npos) << "the report names the drop: " << s.err();
  const std::string copy = fd_dir.path("got.pcap");
  {
    std::FILE* f = std::fopen(copy.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(got.data(), 1, got.size(), f);
    std::fclose(f);
  }
  const auto pk = packets_of(copy);
  EXPECT_EQ(pk.size(), written);
}

}  // namespace
}  // namespace riptide::e2e
