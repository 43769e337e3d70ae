// open_packet_writer: pcapng files (one interface block per interface and link type,
// nanoseconds, original lengths) that riptide reads back byte for byte and tshark/capinfos
// accept; pcap's precision and link-type rule; rotation by size and time; reopen.
#include <cstdlib>
#include <ctime>

#include "file/file_test_util.hpp"
#include "riptide/file/packet_writer.hpp"

namespace riptide::test {
namespace {

// tshark and capinfos check every file. Under CI=true a missing tool fails the test;
// elsewhere the test is skipped.
#define NEED_TOOL(name)                                                                       \
  do {                                                                                        \
    if (shell(std::string("command -v ") + (name) + " >/dev/null 2>&1").status != 0) {        \
      const char* ci = std::getenv("CI");                                                     \
      if (ci != nullptr && std::string(ci) == "true") FAIL() << (name) << " is not installed"; \
      GTEST_SKIP() << (name) << " is not installed";                                          \
    }                                                                                         \
  } while (0)

Drained read_back(const std::string& p) {
  auto r = open_capture_file(p);
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return {};
  }
  return drain(**r);
}

PacketView view_of(const Record& r) {
  PacketView v;
  v.data = r.bytes.data();
  v.caplen = r.caplen;
  v.wirelen = r.wirelen;
  v.ts_ns = r.ts_ns;
  v.link = r.link;
  v.ifindex = r.ifindex;
  return v;
}

std::uint64_t capinfos_count(const std::string& path) {
  const auto r = shell("capinfos -M -c " + shell_quote(path) + " 2>&1");
  if (r.status != 0) {
    ADD_FAILURE() << "capinfos refused " << path << ": " << r.out;
    return 0;
  }
  const auto at = r.out.find("Number of packets:");
  return at == std::string::npos ? 0 : std::stoull(r.out.substr(at + 18));
}

void expect_same_packets(const std::vector<Record>& want, const std::vector<Record>& got, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i].bytes, want[i].bytes) << what << " #" << i;
    ASSERT_EQ(got[i].wirelen, want[i].wirelen) << what << " #" << i;
    ASSERT_EQ(got[i].ts_ns, want[i].ts_ns) << what << " #" << i;
    ASSERT_EQ(got[i].link, want[i].link) << what << " #" << i;
  }
}

TEST(PcapngWriter, CorpusFilesReadBackByteForByteAndToolsAgree) {
  NEED_TOOL("tshark");
  NEED_TOOL("capinfos");
  TempDir dir;
  for (const char* rel : {"PcapExamples/example.pcap", "PcapExamples/many_interfaces-1.pcapng", "PcapExamples/sll.pcap",
                          "PcapExamples/sll2.pcap", "PcapExamples/raw_ip.pcap", "PcapExamples/null_loopback.pcap",
                          "PcapExamples/nanosecs.pcap", "PcapExamples/pcapng-example.pcapng"}) {
    const Drained orig = read_back(corpus(rel));
    ASSERT_FALSE(orig.records.empty()) << rel;
    const std::string out = dir.file("copy.pcapng");
    PacketWriterOptions o;
    o.format = CaptureFormat::pcapng;
    auto w = open_packet_writer(out, o);
    ASSERT_TRUE(w.ok()) << w.error().message;
    for (const auto& r : orig.records) ASSERT_TRUE((*w)->write(view_of(r)).ok()) << rel;
    ASSERT_TRUE((*w)->close().ok());
    EXPECT_EQ((*w)->stats().packets, orig.records.size()) << rel;
    EXPECT_EQ((*w)->stats().bytes, std::filesystem::file_size(out)) << rel;
    const Drained back = read_back(out);
    ASSERT_FALSE(back.error.has_value()) << rel << ": " << back.error->message;
    expect_same_packets(orig.records, back.records, rel);
    EXPECT_EQ(capinfos_count(out), orig.records.size()) << rel;
    const auto rows = tshark_rows(out);
    ASSERT_EQ(rows.size(), orig.records.size()) << rel;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ(rows[i].ts_ns, orig.records[i].ts_ns) << rel << " #" << i;
      ASSERT_EQ(rows[i].wirelen, orig.records[i].wirelen) << rel << " #" << i;
    }
  }
}

TEST(PcapngWriter, OneInterfaceBlockPerInterfaceAndLinkTypeWithNanoseconds) {
  NEED_TOOL("capinfos");
  TempDir dir;
  const std::string out = dir.file("mixed.pcapng");
  PacketWriterOptions o;
  o.format = CaptureFormat::pcapng;
  auto w = open_packet_writer(out, o);
  ASSERT_TRUE(w.ok());
  Record r;
  r.bytes.assign(60, 0x45);
  r.caplen = r.wirelen = 60;
  r.ts_ns = 1700000000123456789;
  const std::pair<std::uint32_t, LinkType> kinds[] = {
      {2, LinkType::ethernet}, {3, LinkType::ethernet}, {2, LinkType::raw}, {2, LinkType::ethernet}, {3, LinkType::ethernet}};
  for (const auto& [ifx, link] : kinds) {
    r.ifindex = ifx;
    r.link = link;
    ASSERT_TRUE((*w)->write(view_of(r)).ok());
    ++r.ts_ns;
  }
  ASSERT_TRUE((*w)->close().ok());
  const auto info = shell("capinfos " + shell_quote(out) + " 2>&1").out;
  EXPECT_NE(info.find("Number of interfaces in file: 3"), std::string::npos) << info;
  EXPECT_NE(info.find("nanoseconds"), std::string::npos) << info;
  const Drained back = read_back(out);
  ASSERT_EQ(back.records.size(), 5u);
  EXPECT_EQ(back.records[0].ts_ns, 1700000000123456789);
  EXPECT_EQ(back.records[2].link, LinkType::raw);
  EXPECT_EQ(back.records[3].ifindex, back.records[0].ifindex);
  EXPECT_NE(back.records[1].ifindex, back.records[0].ifindex);
}

TEST(PcapWriterOptions, MicrosecondsByDefaultClampedSnaplenAndFormatByName) {
  TempDir dir;
  EXPECT_EQ(format_for_path("a.pcapng"), CaptureFormat::pcapng);
  EXPECT_EQ(format_for_path("A.PCAPNG"), CaptureFormat::pcapng);
  EXPECT_EQ(format_for_path("a.pcap"), CaptureFormat::pcap);
  EXPECT_EQ(format_for_path("pcapng"), CaptureFormat::pcap);
  PacketWriterOptions o;
  o.snaplen = 300000;
  const std::string out = dir.file("us.pcap");
  auto w = open_packet_writer(out, o);
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_TRUE((*w)->close().ok());
  const auto b = read_bytes(out);
  ASSERT_EQ(b.size(), 24u);
  EXPECT_EQ(b[0] | b[1] << 8 | b[2] << 16 | static_cast<std::uint32_t>(b[3]) << 24, 0xa1b2c3d4u);
  EXPECT_EQ(b[16] | b[17] << 8 | b[18] << 16 | static_cast<std::uint32_t>(b[19]) << 24, kMaxSnaplen);
}

// Every file a size rotation closes is within the limit and complete, and the files
// together hold every packet, in order.
TEST(RotatingWriter, SizeRotationSplitsWithoutLosingAPacket) {
  NEED_TOOL("capinfos");
  TempDir dir;
  const Drained orig = read_back(corpus("pcap_examples/tls2.pcap"));
  ASSERT_GT(orig.records.size(), 1000u);
  for (const auto fmt : {CaptureFormat::pcap, CaptureFormat::pcapng}) {
    const std::string base = dir.file(fmt == CaptureFormat::pcap ? "s.pcap" : "s.pcapng");
    PacketWriterOptions o;
    o.format = fmt;
    o.nanosecond = true;
    o.rotation.max_bytes = 300000;
    auto w = open_packet_writer(base, o);
    ASSERT_TRUE(w.ok()) << w.error().message;
    for (const auto& r : orig.records) ASSERT_TRUE((*w)->write(view_of(r)).ok());
    ASSERT_TRUE((*w)->close().ok());
    const auto st = (*w)->stats();
    ASSERT_GT(st.files, 2u);
    std::vector<Record> all;
    std::uint64_t bytes = 0;
    for (std::uint64_t i = 0; i < st.files; ++i) {
      const std::string f = i == 0 ? base : base + std::to_string(i);
      ASSERT_TRUE(std::filesystem::exists(f)) << f;
      EXPECT_LE(std::filesystem::file_size(f), o.rotation.max_bytes) << f;
      bytes += std::filesystem::file_size(f);
      const Drained d = read_back(f);
      ASSERT_FALSE(d.error.has_value()) << f;
      EXPECT_EQ(capinfos_count(f), d.records.size()) << f;
      all.insert(all.end(), d.records.begin(), d.records.end());
    }
    EXPECT_FALSE(std::filesystem::exists(base + std::to_string(st.files)));
    EXPECT_EQ(bytes, st.bytes);
    EXPECT_EQ(st.packets, orig.records.size());
    expect_same_packets(orig.records, all, base);
  }
}

TEST(RotatingWriter, IntervalWithARingEndsAndCountsWhatCameAfter) {
  const char* old_tz = std::getenv("TZ");
  const std::string saved = old_tz ? old_tz : "";
  struct Restore {
    bool had;
    std::string tz;
    ~Restore() {
      if (had) ::setenv("TZ", tz.c_str(), 1);
      else ::unsetenv("TZ");
      ::tzset();
    }
  } restore{old_tz != nullptr, saved};
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  TempDir dir;
  PacketWriterOptions o;
  o.rotation.interval_s = 10;
  o.rotation.files = 2;
  auto w = open_packet_writer(dir.file("g-%H%M%S.pcap"), o);
  ASSERT_TRUE(w.ok()) << w.error().message;
  Record r;
  r.bytes.assign(64, 1);
  r.caplen = r.wirelen = 64;
  const TimestampNs t0 = 1704164645LL * 1'000'000'000;  // 03:04:05 UTC
  for (int s = 0; s < 40; ++s) {
    r.ts_ns = t0 + static_cast<TimestampNs>(s) * 1'000'000'000;
    ASSERT_TRUE((*w)->write(view_of(r)).ok());
  }
  EXPECT_TRUE((*w)->ended());
  ASSERT_TRUE((*w)->close().ok());
  const auto st = (*w)->stats();
  EXPECT_EQ(st.files, 2u);
  EXPECT_EQ(st.packets, 20u);
  EXPECT_EQ(st.beyond_last_file, 20u);
  EXPECT_EQ(read_back(dir.file("g-030405.pcap")).records.size(), 10u);
  EXPECT_EQ(read_back(dir.file("g-030415.pcap")).records.size(), 10u);
}

TEST(RotatingWriter, ReopenStartsANewCompleteFileUnderTheSameName) {
  TempDir dir;
  for (const auto fmt : {CaptureFormat::pcap, CaptureFormat::pcapng}) {
    const std::string out = dir.file("live");
    PacketWriterOptions o;
    o.format = fmt;
    auto w = open_packet_writer(out, o);
    ASSERT_TRUE(w.ok());
    Record r;
    r.bytes.assign(100, 2);
    r.caplen = r.wirelen = 100;
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*w)->write(view_of(r)).ok());
    std::filesystem::rename(out, out + ".1");
    ASSERT_TRUE((*w)->reopen().ok());
    for (int i = 0; i < 7; ++i) ASSERT_TRUE((*w)->write(view_of(r)).ok());
    ASSERT_TRUE((*w)->close().ok());
    EXPECT_EQ(read_back(out + ".1").records.size(), 5u);
    EXPECT_EQ(read_back(out).records.size(), 7u);
    EXPECT_EQ((*w)->stats().packets, 12u);
    EXPECT_EQ((*w)->stats().files, 2u);
  }
}

TEST(RotatingWriter, RotationToStandardOutputOrWithoutReasonIsRefused) {
  PacketWriterOptions o;
  o.rotation.max_bytes = 1000;
  EXPECT_FALSE(open_packet_writer("-", o).ok());
  PacketWriterOptions ring;
  ring.rotation.files = 3;
  TempDir dir;
  auto w = open_packet_writer(dir.file("x"), ring);
  EXPECT_TRUE(w.ok()) << "a ring alone is a plain file for the library; the CLI refuses it";
}

}  // namespace
}  // namespace riptide::test
