// Hand-made hostile capture files, built byte by byte: records longer than the snaplen and
// the 256 KiB limit, a last record cut short, pcapng blocks of unknown type, lengths that
// point outside the file or are not a multiple of 4, trailers that disagree, byte-order
// magic that is neither order, packets naming interfaces that do not exist. Each fault must
// come after every packet before it, as one located error; `riptide read` must exit 1 with
// that error on one line and still print its report.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "file/capture_builder.hpp"
#include "file/file_test_util.hpp"

namespace riptide::test {
namespace {

constexpr std::uint32_t kLimit = CaptureFile::kMaxRecordBytes;

struct Opened {
  std::optional<Error> open_error;
  Drained d;
  FileStats stats;
};

Opened open_and_read(const std::string& name, const std::vector<std::uint8_t>& bytes) {
  Opened o;
  auto r = open_capture_buffer(name, bytes);
  if (!r) {
    o.open_error = r.error();
    return o;
  }
  o.d = drain(**r);
  o.stats = (*r)->file_stats();
  return o;
}

std::string at(std::size_t off) { return " at offset " + std::to_string(off); }

// The fault names the file, says what is wrong and where, on one line.
void expect_fault(const Opened& o, const std::string& name, const std::string& what, std::size_t off) {
  ASSERT_FALSE(o.open_error.has_value()) << o.open_error->message;
  ASSERT_TRUE(o.d.error.has_value()) << "no fault for " << what;
  const std::string& m = o.d.error->message;
  EXPECT_EQ(o.d.error->code, Errc::format);
  EXPECT_EQ(m.rfind(name + ": ", 0), 0u) << m;
  EXPECT_NE(m.find(what), std::string::npos) << m << " / want " << what;
  EXPECT_EQ(m.size() - m.rfind(at(off)), at(off).size()) << m << " / want" << at(off);
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

// ---- the `riptide read` binary over the same bytes --------------------------------------

struct CliRun {
  int status = -1;
  std::string err;  // standard error; standard output is discarded
};

std::string riptide_bin() { return std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide"; }

CliRun run_read(const std::string& path) {
  CliRun c;
  // 2>&1 >/dev/null: standard error into the pipe, standard output discarded.
  const auto r = shell(shell_quote(riptide_bin()) + " read -r " + shell_quote(path) + " 2>&1 >/dev/null");
  c.status = r.status;
  c.err = r.out;
  return c;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  std::string l;
  while (std::getline(in, l)) v.push_back(l);
  return v;
}

// Exit 1, the report with the packets before the fault, and exactly one line carrying the
// located fault.
void expect_cli_fault(const std::vector<std::uint8_t>& bytes, const std::string& what, std::size_t off,
                      std::uint64_t packets_before) {
  ASSERT_TRUE(std::filesystem::exists(riptide_bin())) << "build riptide_cli first: " << riptide_bin();
  TempDir dir;
  const std::string path = dir.file("hostile.cap");
  write_bytes(path, bytes);
  const CliRun c = run_read(path);
  EXPECT_EQ(c.status, 1) << c.err;
  int fault_lines = 0;
  for (const std::string& l : lines_of(c.err)) {
    if (l.find(what) == std::string::npos) continue;
    ++fault_lines;
    EXPECT_NE(l.find(path + ": "), std::string::npos) << l;
    EXPECT_NE(l.find(at(off)), std::string::npos) << l << " / want" << at(off);
  }
  EXPECT_EQ(fault_lines, 1) << c.err;
  EXPECT_NE(c.err.find("riptide report: "), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("captured     " + std::to_string(packets_before) + " packets"), std::string::npos) << c.err;
}

// ---- pcap ----------------------------------------------------------------------------------

TEST(HostileFiles, PcapRecordLongerThanSnaplenIsDeliveredAndCounted) {
  Bytes f = pcap_header(false, false, 64, 1);
  pcap_record(f, 1, 0, payload(60), 60, 60);
  pcap_record(f, 2, 0, payload(100), 100, 100);         // above the snaplen of 64
  pcap_record(f, 3, 0, payload(kLimit), kLimit, kLimit);  // above it, at the hard limit
  const Opened o = open_and_read("snap.pcap", f.vec());
  ASSERT_FALSE(o.open_error.has_value());
  EXPECT_FALSE(o.d.error.has_value()) << o.d.error->message;
  ASSERT_EQ(o.d.records.size(), 3u);
  EXPECT_EQ(o.d.records[1].caplen, 100u);
  EXPECT_EQ(o.d.records[2].caplen, kLimit);
  EXPECT_EQ(o.d.records[2].bytes, payload(kLimit));
  EXPECT_EQ(o.stats.oversized_records, 2u);
  EXPECT_EQ(o.stats.records, 3u);
  EXPECT_EQ(o.stats.bytes_read, f.size());
}

TEST(HostileFiles, PcapRecordBeyondTheLimit) {
  Bytes f = pcap_header(true, true, 65535, 1);  // big-endian, nanosecond
  pcap_record(f, 1, 0, payload(60), 60, 60);
  pcap_record(f, 2, 0, payload(70), 70, 70);
  const std::size_t bad = f.size();
  // caplen 256 KiB + 1, and the bytes really are there: still refused.
  pcap_record(f, 3, 0, payload(kLimit + 1), kLimit + 1, kLimit + 1);
  pcap_record(f, 4, 0, payload(60), 60, 60);
  const Opened o = open_and_read("huge.pcap", f.vec());
  ASSERT_EQ(o.d.records.size(), 2u);
  EXPECT_EQ(o.d.records[1].bytes, payload(70));
  expect_fault(o, "huge.pcap", "record length 262145 exceeds the limit of 262144", bad);
  expect_cli_fault(f.vec(), "record length 262145 exceeds the limit", bad, 2);
}

TEST(HostileFiles, PcapCaplenFieldLargerThanEverything) {
  Bytes f = pcap_header(false, false, 262144, 1);
  pcap_record(f, 1, 0, payload(60), 60, 60);
  const std::size_t bad = f.size();
  pcap_record(f, 2, 0, payload(8), 60, 0xffffffffu);
  const Opened o = open_and_read("max.pcap", f.vec());
  ASSERT_EQ(o.d.records.size(), 1u);
  expect_fault(o, "max.pcap", "record length 4294967295 exceeds the limit", bad);
}

TEST(HostileFiles, PcapTruncatedLastRecord) {
  Bytes f = pcap_header(false, false, 65535, 1);
  for (std::uint32_t i = 0; i < 3; ++i) pcap_record(f, i, 0, payload(64, static_cast<std::uint8_t>(i)), 64, 64);
  const std::size_t last = f.size();
  pcap_record(f, 9, 0, payload(64), 64, 64);
  std::vector<std::uint8_t> data_cut = f.vec();
  data_cut.resize(last + 16 + 20);
  Opened o = open_and_read("cut.pcap", data_cut);
  ASSERT_EQ(o.d.records.size(), 3u);
  EXPECT_EQ(o.d.records[2].bytes, payload(64, 2));
  expect_fault(o, "cut.pcap", "record data cut (20 of 64 bytes)", last);
  expect_cli_fault(data_cut, "record data cut (20 of 64 bytes)", last, 3);

  std::vector<std::uint8_t> header_cut = f.vec();
  header_cut.resize(last + 5);
  o = open_and_read("cut.pcap", header_cut);
  ASSERT_EQ(o.d.records.size(), 3u);
  expect_fault(o, "cut.pcap", "record header cut (5 of 16 bytes)", last);
  expect_cli_fault(header_cut, "record header cut (5 of 16 bytes)", last, 3);
}

TEST(HostileFiles, PcapZeroLengthRecords) {
  Bytes f = pcap_header(false, false, 65535, 1);
  pcap_record(f, 1, 0, {}, 0, 0);
  pcap_record(f, 2, 0, {}, 1500, 0);  // nothing captured of a 1500-byte frame
  pcap_record(f, 3, 0, payload(60), 60, 60);
  const Opened o = open_and_read("empty.pcap", f.vec());
  EXPECT_FALSE(o.d.error.has_value());
  ASSERT_EQ(o.d.records.size(), 3u);
  EXPECT_EQ(o.d.records[0].caplen, 0u);
  EXPECT_EQ(o.d.records[1].wirelen, 1500u);
}

// ---- pcapng --------------------------------------------------------------------------------

// Section, interface 0 (Ethernet) and two packets: the part before each fault.
Bytes ng_start(bool be = false) {
  Bytes f(be);
  ng_section(f);
  ng_interface(f, 1, 0);
  ng_epb(f, 0, 1, payload(60, 1), 60);
  ng_epb(f, 0, 2, payload(61, 2), 61);
  return f;
}

void put32(std::vector<std::uint8_t>& v, std::size_t off, std::uint32_t x, bool be = false) {
  for (int i = 0; i < 4; ++i) v[off + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(x >> (8 * (be ? 3 - i : i)));
}

TEST(HostileFiles, PcapngUnknownBlocksAreSkipped) {
  for (bool be : {false, true}) {
    Bytes f = ng_start(be);
    ng_block(f, 0x00000bad, payload(7));   // custom block, odd body padded to 8
    ng_block(f, 0x80000001, {});           // local-use type, empty body
    ng_block(f, 0x40000000, payload(64));  // unassigned
    ng_block(f, 5, payload(16));           // interface statistics: known, not needed
    ng_epb(f, 0, 3, payload(62, 3), 62);
    ng_block(f, 0x7fffffff, payload(4));   // last in the file
    const Opened o = open_and_read("skip.pcapng", f.vec());
    ASSERT_FALSE(o.open_error.has_value()) << o.open_error->message;
    EXPECT_FALSE(o.d.error.has_value()) << o.d.error->message;
    ASSERT_EQ(o.d.records.size(), 3u) << be;
    EXPECT_EQ(o.d.records[2].bytes, payload(62, 3));
    EXPECT_EQ(o.stats.skipped_blocks, 5u) << be;
    EXPECT_EQ(o.stats.bytes_read, f.size());
  }
}

TEST(HostileFiles, PcapngBlockLengthPointsOutsideTheFile) {
  Bytes f = ng_start();
  const std::size_t bad = f.size();
  ng_epb(f, 0, 3, payload(60), 60);
  std::vector<std::uint8_t> v = f.vec();
  const std::size_t left = v.size() - bad;
  put32(v, bad + 4, 0x10000);
  Opened o = open_and_read("out.pcapng", v);
  ASSERT_EQ(o.d.records.size(), 2u);
  const std::string what = "block length 65536 points past the end of the file (" + std::to_string(left) + " bytes left)";
  expect_fault(o, "out.pcapng", what, bad);
  expect_cli_fault(v, what, bad, 2);

  // An unknown block is skipped only once its length proved sane.
  std::vector<std::uint8_t> u = ng_start().vec();
  Bytes tail;
  ng_block(tail, 0x12345678, payload(8));
  u.insert(u.end(), tail.vec().begin(), tail.vec().end());
  put32(u, bad + 4, 0xfffffffc);
  o = open_and_read("out.pcapng", u);
  ASSERT_EQ(o.d.records.size(), 2u);
  expect_fault(o, "out.pcapng", "block length 4294967292 points past the end of the file", bad);
}

TEST(HostileFiles, PcapngBlockLengthNotAMultipleOfFour) {
  Bytes f = ng_start();
  const std::size_t bad = f.size();
  ng_epb(f, 0, 3, payload(60), 60);  // 92 bytes
  std::vector<std::uint8_t> v = f.vec();
  put32(v, bad + 4, 90);
  const Opened o = open_and_read("odd.pcapng", v);
  ASSERT_EQ(o.d.records.size(), 2u);
  expect_fault(o, "odd.pcapng", "block length 90 not a multiple of 4", bad);
  expect_cli_fault(v, "block length 90 not a multiple of 4", bad, 2);
}

TEST(HostileFiles, PcapngTrailingLengthMismatch) {
  Bytes f = ng_start();
  const std::size_t bad = f.size();
  ng_block(f, 0x0badf00d, payload(20));  // 32 bytes, unknown type: checked all the same
  std::vector<std::uint8_t> v = f.vec();
  put32(v, v.size() - 4, 36);
  const Opened o = open_and_read("trail.pcapng", v);
  ASSERT_EQ(o.d.records.size(), 2u);
  EXPECT_EQ(o.stats.skipped_blocks, 0u);
  expect_fault(o, "trail.pcapng", "trailing block length 36 does not match 32", bad);
  expect_cli_fault(v, "trailing block length 36 does not match 32", bad, 2);
}

TEST(HostileFiles, PcapngSectionHeaderWithWrongByteOrderMagic) {
  // First block: the file does not open.
  std::vector<std::uint8_t> first = ng_start().vec();
  put32(first, 8, 0x1a2b3c4e);
  Opened o = open_and_read("magic.pcapng", first);
  ASSERT_TRUE(o.open_error.has_value());
  EXPECT_EQ(o.open_error->message, "magic.pcapng: bad byte-order magic in section header at offset 0");
  {
    // Nothing was read, so there is no report: the file is refused like a bad -r value.
    ASSERT_TRUE(std::filesystem::exists(riptide_bin())) << "build riptide_cli first: " << riptide_bin();
    TempDir dir;
    const std::string path = dir.file("magic.pcapng");
    write_bytes(path, first);
    const CliRun c = run_read(path);
    EXPECT_EQ(c.status, 2) << c.err;
    EXPECT_EQ(c.err, "riptide read: " + path + ": bad byte-order magic in section header at offset 0\n");
  }

  // A later section: the first section's packets come out, then the fault.
  Bytes f = ng_start();
  const std::size_t bad = f.size();
  ng_section(f);
  ng_interface(f, 1, 0);
  ng_epb(f, 0, 3, payload(60), 60);
  std::vector<std::uint8_t> v = f.vec();
  put32(v, bad + 8, 0x4d3c2b1a ^ 0x00ff0000);
  o = open_and_read("magic.pcapng", v);
  ASSERT_EQ(o.d.records.size(), 2u);
  expect_fault(o, "magic.pcapng", "bad byte-order magic in section header", bad);
  expect_cli_fault(v, "bad byte-order magic in section header", bad, 2);
}

TEST(HostileFiles, PcapngPacketOnAnInterfaceThatDoesNotExist) {
  Bytes f = ng_start();
  const std::size_t bad = f.size();
  ng_epb(f, 1, 3, payload(60), 60);
  Opened o = open_and_read("ifc.pcapng", f.vec());
  ASSERT_EQ(o.d.records.size(), 2u);
  expect_fault(o, "ifc.pcapng", "packet block references undefined interface 1", bad);
  expect_cli_fault(f.vec(), "packet block references undefined interface 1", bad, 2);

  // Interface ids are per section: interface 0 of the first section is gone in the second.
  Bytes g = ng_start(true);
  const std::size_t next = g.size();
  ng_section(g);
  const std::size_t bad2 = g.size();
  ng_epb(g, 0, 3, payload(60), 60);
  o = open_and_read("ifc.pcapng", g.vec());
  ASSERT_EQ(o.d.records.size(), 2u);
  ASSERT_GT(bad2, next);
  expect_fault(o, "ifc.pcapng", "packet block references undefined interface 0", bad2);

  // Obsolete packet block with a 16-bit interface id.
  Bytes h = ng_start();
  const std::size_t bad3 = h.size();
  ng_opb(h, 0xffff, 3, payload(60), 60);
  o = open_and_read("ifc.pcapng", h.vec());
  ASSERT_EQ(o.d.records.size(), 2u);
  expect_fault(o, "ifc.pcapng", "packet block references undefined interface 65535", bad3);
}

TEST(HostileFiles, PcapngCaplenBeyondSnaplenAndLimit) {
  Bytes f(false);
  ng_section(f);
  ng_interface(f, 1, 64);
  ng_epb(f, 0, 1, payload(100), 100);  // above the interface snaplen: delivered, counted
  const std::size_t bad = f.size();
  ng_epb(f, 0, 2, payload(kLimit + 4), kLimit + 4);
  const Opened o = open_and_read("big.pcapng", f.vec());
  ASSERT_EQ(o.d.records.size(), 1u);
  EXPECT_EQ(o.d.records[0].caplen, 100u);
  EXPECT_EQ(o.stats.oversized_records, 1u);
  expect_fault(o, "big.pcapng", "record length 262148 exceeds the limit of 262144", bad);
  expect_cli_fault(f.vec(), "record length 262148 exceeds the limit", bad, 1);
}

}  // namespace
}  // namespace riptide::test
