// PcapWriter: files that riptide and tshark read back record for record, snaplen cuts,
// and a clean, truncated-but-valid file when the disk fills up.
#include <sys/mount.h>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include "file/file_test_util.hpp"
#include "riptide/file/pcap_writer.hpp"

namespace riptide::test {
namespace {

Drained read_file(const std::string& p) {
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
  return v;
}

TEST(PcapWriter, RoundTripMatchesOriginalAndTshark) {
  TempDir dir;
  const std::string src = corpus("pcap_examples/tls2.pcap");
  const Drained orig = read_file(src);
  ASSERT_EQ(orig.records.size(), 7451u);
  const std::string out = dir.file("copy.pcap");
  auto w = PcapWriter::open(out, LinkType::ethernet, 262144);
  ASSERT_TRUE(w.ok()) << w.error().message;
  for (const auto& r : orig.records) ASSERT_TRUE((*w)->write(view_of(r)).ok());
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_EQ((*w)->stats().packets, orig.records.size());
  EXPECT_EQ((*w)->stats().bytes, std::filesystem::file_size(out));

  auto back = open_capture_file(out);
  ASSERT_TRUE(back.ok()) << back.error().message;
  const auto bytes = read_bytes(out);
  EXPECT_EQ(bytes[0] | bytes[1] << 8 | bytes[2] << 16 | static_cast<std::uint32_t>(bytes[3]) << 24, 0xa1b23c4du);
  const Drained copy = drain(**back);
  ASSERT_FALSE(copy.error.has_value());
  ASSERT_EQ(copy.records.size(), orig.records.size());
  for (std::size_t i = 0; i < orig.records.size(); ++i) {
    ASSERT_EQ(copy.records[i].bytes, orig.records[i].bytes) << i;
    ASSERT_EQ(copy.records[i].wirelen, orig.records[i].wirelen) << i;
    ASSERT_EQ(copy.records[i].ts_ns, orig.records[i].ts_ns) << i;
  }

  const auto want = tshark_rows(src);
  const auto got = tshark_rows(out);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i].caplen, want[i].caplen) << i;
    ASSERT_EQ(got[i].wirelen, want[i].wirelen) << i;
    ASSERT_EQ(got[i].ts_ns, want[i].ts_ns) << i;
  }
}

TEST(PcapWriter, MicrosecondFilesAndLinkMismatch) {
  TempDir dir;
  const std::string out = dir.file("us.pcap");
  auto w = PcapWriter::open(out, LinkType::ethernet, 0, /*nanosecond=*/false);
  ASSERT_TRUE(w.ok());
  Record r;
  r.bytes = std::vector<std::uint8_t>(60, 0xab);
  r.caplen = r.wirelen = 60;
  r.ts_ns = 1700000000123456789;
  ASSERT_TRUE((*w)->write(view_of(r)).ok());
  r.link = LinkType::linux_sll;
  ASSERT_TRUE((*w)->write(view_of(r)).ok());
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_EQ((*w)->stats().packets, 1u);
  EXPECT_EQ((*w)->stats().link_mismatch, 1u);
  const Drained d = read_file(out);
  ASSERT_EQ(d.records.size(), 1u);
  EXPECT_EQ(d.records[0].ts_ns, 1700000000123456000);
  const auto rows = tshark_rows(out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].ts_ns, 1700000000123456000);
}

TEST(PcapWriter, SnaplenTruncatesAndKeepsWireLength) {
  TempDir dir;
  const Drained orig = read_file(corpus("PcapExamples/one_tcp_stream.pcap"));
  const std::string out = dir.file("snap.pcap");
  auto w = PcapWriter::open(out, LinkType::ethernet, 60);
  ASSERT_TRUE(w.ok());
  for (const auto& r : orig.records) ASSERT_TRUE((*w)->write(view_of(r)).ok());
  ASSERT_TRUE((*w)->close().ok());
  auto back = open_capture_file(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->snaplen(), 60u);
  const Drained d = drain(**back);
  ASSERT_EQ(d.records.size(), orig.records.size());
  bool cut_any = false;
  for (std::size_t i = 0; i < d.records.size(); ++i) {
    const std::uint32_t want = std::min<std::uint32_t>(orig.records[i].caplen, 60);
    ASSERT_EQ(d.records[i].caplen, want);
    ASSERT_EQ(d.records[i].wirelen, orig.records[i].wirelen);
    ASSERT_TRUE(std::equal(d.records[i].bytes.begin(), d.records[i].bytes.end(), orig.records[i].bytes.begin()));
    cut_any |= orig.records[i].caplen > 60;
  }
  EXPECT_TRUE(cut_any);
  EXPECT_EQ(tshark_rows(out).size(), orig.records.size());
}

TEST(PcapWriter, DevFullGivesOneErrorThenCountsDrops) {
  auto w = PcapWriter::open("/dev/full", LinkType::ethernet, 262144);
  ASSERT_TRUE(w.ok()) << w.error().message;
  Record r;
  r.bytes = std::vector<std::uint8_t>(100, 1);
  r.caplen = r.wirelen = 100;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*w)->write(view_of(r)).ok());
  auto f = (*w)->flush();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, Errc::io);
  EXPECT_EQ(f.error().message.rfind("/dev/full: ", 0), 0u) << f.error().message;
  EXPECT_NE(f.error().message.find("No space left on device"), std::string::npos) << f.error().message;
  EXPECT_TRUE((*w)->failed());
  EXPECT_EQ((*w)->stats().packets, 0u);
  EXPECT_EQ((*w)->stats().dropped_after_error, 10u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE((*w)->write(view_of(r)).ok());
  EXPECT_TRUE((*w)->flush().ok());  // the error is reported once
  EXPECT_TRUE((*w)->close().ok());
  EXPECT_EQ((*w)->stats().dropped_after_error, 15u);
}

// A tiny tmpfs of our own fills up mid-buffer: the file must end on a record boundary.
class TinyTmpfs : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_EQ(mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, "size=200k"), 0) << std::strerror(errno);
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) umount2(dir_.path().c_str(), MNT_DETACH);
  }
  TempDir dir_;
  bool mounted_ = false;
};

TEST_F(TinyTmpfs, DiskFullLeavesAValidTruncatedFile) {
  const std::string out = dir_.file("full.pcap");
  auto w = PcapWriter::open(out, LinkType::ethernet, 262144);
  ASSERT_TRUE(w.ok()) << w.error().message;
  Record r;
  r.bytes = std::vector<std::uint8_t>(997, 7);  // odd size: records straddle page boundaries
  r.caplen = r.wirelen = 997;
  int attempted = 0;
  std::optional<Error> err;
  for (; attempted < 5000; ++attempted) {
    r.ts_ns = static_cast<TimestampNs>(attempted) * 1000;
    r.bytes[0] = static_cast<std::uint8_t>(attempted);
    auto res = (*w)->write(view_of(r));
    if (!res) {
      err = res.error();
      ++attempted;
      break;
    }
  }
  ASSERT_TRUE(err.has_value()) << "200 KiB tmpfs never filled";
  EXPECT_EQ(err->code, Errc::io);
  EXPECT_EQ(err->message.rfind(out + ": ", 0), 0u) << err->message;
  EXPECT_NE(err->message.find("No space left on device"), std::string::npos) << err->message;
  for (int i = 0; i < 3; ++i, ++attempted) EXPECT_TRUE((*w)->write(view_of(r)).ok());
  EXPECT_TRUE((*w)->close().ok());

  const auto st = (*w)->stats();
  EXPECT_GT(st.packets, 100u);
  EXPECT_EQ(st.packets + st.dropped_after_error, static_cast<std::uint64_t>(attempted));
  EXPECT_EQ(std::filesystem::file_size(out), 24 + st.packets * (16 + 997));
  const Drained d = read_file(out);
  EXPECT_FALSE(d.error.has_value()) << d.error->message;
  ASSERT_EQ(d.records.size(), st.packets);
  for (std::size_t i = 0; i < d.records.size(); ++i) {
    ASSERT_EQ(d.records[i].bytes[0], static_cast<std::uint8_t>(i));
    ASSERT_EQ(d.records[i].ts_ns, static_cast<TimestampNs>(i) * 1000);
  }
  EXPECT_EQ(tshark_rows(out).size(), st.packets);
}

TEST(PcapWriter, BadPathIsAnError) {
  auto w = PcapWriter::open("/nonexistent-dir/x.pcap", LinkType::ethernet, 100);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::not_found);
  EXPECT_NE(w.error().message.find("/nonexistent-dir/x.pcap"), std::string::npos);
}

}  // namespace
}  // namespace riptide::test
