// Broken and hand-made captures: every complete packet before a fault is delivered, then one
// format error names the file and the offset of the record or block at fault.
#include "file/capture_builder.hpp"
#include "file/file_test_util.hpp"

#include <algorithm>

namespace riptide::test {
namespace {

struct Block {
  std::size_t off;
  std::uint32_t type;
  std::uint32_t len;
};

// Block layout of a little-endian pcapng file, walked independently of the reader.
std::vector<Block> ng_blocks(const std::vector<std::uint8_t>& f) {
  std::vector<Block> blocks;
  auto rd = [&](std::size_t o) {
    return static_cast<std::uint32_t>(f[o] | f[o + 1] << 8 | f[o + 2] << 16 | static_cast<std::uint32_t>(f[o + 3]) << 24);
  };
  for (std::size_t o = 0; o + 12 <= f.size();) {
    blocks.push_back({o, rd(o), rd(o + 4)});
    o += rd(o + 4);
  }
  return blocks;
}

void put_le32(std::vector<std::uint8_t>& f, std::size_t o, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) f[o + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::string at(std::size_t off) { return " at offset " + std::to_string(off); }

Drained open_and_drain(const std::string& name, std::vector<std::uint8_t> bytes, std::optional<Error>* open_error) {
  auto r = open_capture_buffer(name, std::move(bytes));
  if (!r) {
    *open_error = r.error();
    return {};
  }
  return drain(**r);
}

void expect_fault(const Drained& d, const std::string& name, const std::string& what, std::size_t off) {
  ASSERT_TRUE(d.error.has_value()) << "expected: " << what;
  EXPECT_EQ(d.error->code, Errc::format);
  EXPECT_EQ(d.error->message.rfind(name + ": ", 0), 0u) << d.error->message;
  EXPECT_NE(d.error->message.find(what), std::string::npos) << d.error->message;
  EXPECT_NE(d.error->message.find(at(off)), std::string::npos) << d.error->message << " / want" << at(off);
  EXPECT_EQ(d.error->message.substr(d.error->message.size() - at(off).size()), at(off)) << d.error->message;
}

// Cuts a real pcap at every byte offset.
TEST(FileFaults, PcapCutAtEveryOffset) {
  const auto full = read_bytes(corpus("PcapExamples/one_http_stream_fin.pcap"));
  auto whole = open_capture_buffer("whole", full);
  ASSERT_TRUE(whole.ok());
  const Drained ref = drain(**whole);
  ASSERT_EQ(ref.records.size(), 15u);
  std::vector<std::size_t> starts;
  std::size_t o = 24;
  for (const auto& r : ref.records) {
    starts.push_back(o);
    o += 16 + r.caplen;
  }
  ASSERT_EQ(o, full.size());
  starts.push_back(o);

  for (std::size_t cut = 0; cut <= full.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    std::optional<Error> open_err;
    const Drained d = open_and_drain("cut.pcap", {full.begin(), full.begin() + static_cast<long>(cut)}, &open_err);
    if (cut < 24) {
      ASSERT_TRUE(open_err.has_value());
      EXPECT_EQ(open_err->code, Errc::format);
      if (cut >= 4) {
        EXPECT_NE(open_err->message.find("truncated file header"), std::string::npos) << open_err->message;
      }
      EXPECT_EQ(open_err->message.rfind("cut.pcap: ", 0), 0u) << open_err->message;
      continue;
    }
    ASSERT_FALSE(open_err.has_value()) << open_err->message;
    std::size_t complete = 0;
    while (complete < ref.records.size() && starts[complete + 1] <= cut) ++complete;
    ASSERT_EQ(d.records.size(), complete);
    for (std::size_t i = 0; i < complete; ++i) ASSERT_EQ(d.records[i].bytes, ref.records[i].bytes);
    if (cut == starts[complete]) {
      EXPECT_FALSE(d.error.has_value()) << d.error->message;
    } else {
      const bool header_cut = cut - starts[complete] < 16;
      expect_fault(d, "cut.pcap", header_cut ? "record header cut" : "record data cut", starts[complete]);
    }
  }
}

// Cuts a multi-interface pcapng at every byte offset.
TEST(FileFaults, PcapngCutAtEveryOffset) {
  const auto full = read_bytes(corpus("PcapExamples/many_interfaces-1.pcapng"));
  ASSERT_EQ(full[8], 0x4d);  // little-endian section
  const auto blocks = ng_blocks(full);
  ASSERT_EQ(blocks.back().off + blocks.back().len, full.size());
  auto whole = open_capture_buffer("whole", full);
  ASSERT_TRUE(whole.ok());
  const Drained ref = drain(**whole);
  ASSERT_EQ(ref.records.size(), 64u);

  for (std::size_t cut = 0; cut <= full.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    std::optional<Error> open_err;
    const Drained d = open_and_drain("cut.pcapng", {full.begin(), full.begin() + static_cast<long>(cut)}, &open_err);
    if (cut < blocks[0].len) {
      if (cut < 4) continue;  // too short to be recognised at all
      ASSERT_TRUE(open_err.has_value());
      EXPECT_EQ(open_err->code, Errc::format);
      EXPECT_NE(open_err->message.find(at(0)), std::string::npos) << open_err->message;
      continue;
    }
    ASSERT_FALSE(open_err.has_value()) << open_err->message;
    std::size_t packets = 0;
    const Block* straddling = nullptr;
    for (const auto& b : blocks) {
      if (b.off + b.len <= cut) {
        packets += b.type == 6 ? 1 : 0;
      } else {
        if (b.off < cut) straddling = &b;
        break;
      }
    }
    ASSERT_EQ(d.records.size(), packets);
    for (std::size_t i = 0; i < packets; ++i) ASSERT_EQ(d.records[i].bytes, ref.records[i].bytes);
    if (straddling == nullptr) {
      EXPECT_FALSE(d.error.has_value()) << d.error->message;
    } else {
      const bool header_cut = cut - straddling->off < 12;
      expect_fault(d, "cut.pcapng", header_cut ? "block header cut" : "points past the end of the file",
                   straddling->off);
    }
  }
}

// Cut files on disk: the error carries the real path.
TEST(FileFaults, CutFilesOnDiskNameThePath) {
  TempDir dir;
  const auto full = read_bytes(corpus("pcap_examples/tls2.pcap"));
  for (std::size_t cut : {std::size_t{1000}, full.size() / 2, full.size() - 1}) {
    const std::string p = dir.file("tls2-" + std::to_string(cut) + ".pcap");
    write_bytes(p, {full.begin(), full.begin() + static_cast<long>(cut)});
    auto r = open_capture_file(p);
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Drained d = drain(**r);
    ASSERT_TRUE(d.error.has_value());
    EXPECT_EQ(d.error->message.rfind(p + ": ", 0), 0u) << d.error->message;
    EXPECT_GT(d.records.size(), 0u);
    // Asking again keeps failing with the same fault rather than inventing packets.
    PacketBatch b;
    auto again = (*r)->next(b, std::chrono::milliseconds(0));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().message, d.error->message);
  }
}

class CorruptEpb : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = read_bytes(corpus("PcapExamples/pcapng-example.pcapng"));
    ASSERT_EQ(file_[8], 0x4d);
    std::size_t packets = 0;
    for (const auto& b : ng_blocks(file_)) {
      if (b.type != 6) continue;
      if (++packets == 10) {
        victim_ = b;
        break;
      }
    }
    ASSERT_EQ(victim_.type, 6u);
    auto r = open_capture_buffer("ref", file_);
    ASSERT_TRUE(r.ok());
    ref_ = drain(**r);
  }
  // Delivers the first nine packets intact, then the named fault at the tenth EPB.
  void expect(const std::string& what) {
    std::optional<Error> open_err;
    const Drained d = open_and_drain("bad.pcapng", file_, &open_err);
    ASSERT_FALSE(open_err.has_value());
    ASSERT_EQ(d.records.size(), 9u);
    for (std::size_t i = 0; i < 9; ++i) EXPECT_EQ(d.records[i].bytes, ref_.records[i].bytes);
    expect_fault(d, "bad.pcapng", what, victim_.off);
  }
  std::vector<std::uint8_t> file_;
  Block victim_{};
  Drained ref_;
};

TEST_F(CorruptEpb, LengthNotMultipleOfFour) {
  put_le32(file_, victim_.off + 4, victim_.len + 2);
  expect("block length " + std::to_string(victim_.len + 2) + " not a multiple of 4");
}
TEST_F(CorruptEpb, LengthBelowMinimum) {
  put_le32(file_, victim_.off + 4, 20);
  expect("below the minimum 32");
}
TEST_F(CorruptEpb, ZeroLengthDoesNotLoop) {
  put_le32(file_, victim_.off + 4, 0);
  expect("block length 0 below the minimum");
}
TEST_F(CorruptEpb, LengthPastEndOfFile) {
  put_le32(file_, victim_.off + 4, 0xfffffff0);
  expect("points past the end of the file");
}
TEST_F(CorruptEpb, TrailingLengthMismatch) {
  put_le32(file_, victim_.off + victim_.len - 4, victim_.len + 4);
  expect("trailing block length " + std::to_string(victim_.len + 4) + " does not match");
}
TEST_F(CorruptEpb, UndefinedInterface) {
  put_le32(file_, victim_.off + 8, 99);
  expect("undefined interface 99");
}
TEST_F(CorruptEpb, CaplenBeyondBlock) {
  put_le32(file_, victim_.off + 20, victim_.len - 32 + 4);
  expect("exceeds the block");
}
TEST_F(CorruptEpb, CaplenBeyondLimit) {
  put_le32(file_, victim_.off + 20, CaptureFile::kMaxRecordBytes + 1);
  expect("exceeds the limit");
}

TEST(FileFaults, UnknownBlocksAreSkippedAndCounted) {
  Bytes f;
  ng_section(f);
  ng_interface(f, 1, 0);
  ng_epb(f, 0, 1000000, payload(60), 60);
  ng_block(f, 0x12345678, payload(10));
  ng_block(f, 0x00000bad, payload(0));  // custom block, no body
  ng_block(f, 4, payload(8));           // name resolution
  ng_epb(f, 0, 2000000, payload(61), 61);
  auto r = open_capture_buffer("skip.pcapng", f.vec());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Drained d = drain(**r);
  EXPECT_FALSE(d.error.has_value());
  ASSERT_EQ(d.records.size(), 2u);
  EXPECT_EQ((*r)->file_stats().skipped_blocks, 3u);
  EXPECT_EQ(d.records[1].ts_ns, 2000000000);
  // The same figure through the generic counters a report reads without knowing the type.
  std::vector<SourceCounter> cs;
  static_cast<const PacketSource&>(**r).counters(cs);
  const auto it = std::find_if(cs.begin(), cs.end(), [](const SourceCounter& c) { return c.name == "skipped_blocks"; });
  ASSERT_NE(it, cs.end());
  EXPECT_EQ(it->value, 3u);
  EXPECT_FALSE(it->is_drop);
}

TEST(FileFaults, PcapByteOrdersResolutionsAndFcsBits) {
  for (bool be : {false, true}) {
    for (bool nano : {false, true}) {
      SCOPED_TRACE(std::string(be ? "big" : "little") + (nano ? " nano" : " micro"));
      // FCS length 4 with the F bit set must not change the link type.
      Bytes f = pcap_header(be, nano, 65535, 1u | 0x04000000u | (4u << 28));
      pcap_record(f, 1700000000, 123456, payload(60), 64, 60);
      pcap_record(f, 1700000001, 999999, payload(42), 42, 42);
      auto r = open_capture_buffer("x.pcap", f.vec());
      ASSERT_TRUE(r.ok()) << r.error().message;
      EXPECT_EQ((*r)->link_type(), LinkType::ethernet);
      EXPECT_EQ((*r)->snaplen(), 65535u);
      const Drained d = drain(**r);
      ASSERT_FALSE(d.error.has_value());
      ASSERT_EQ(d.records.size(), 2u);
      const std::int64_t scale = nano ? 1 : 1000;
      EXPECT_EQ(d.records[0].ts_ns, 1700000000LL * 1000000000 + 123456 * scale);
      EXPECT_EQ(d.records[1].ts_ns, 1700000001LL * 1000000000 + 999999 * scale);
      EXPECT_EQ(d.records[0].wirelen, 64u);
      EXPECT_EQ(d.records[0].bytes, payload(60));
    }
  }
}

TEST(FileFaults, PcapRecordLongerThanSnaplenIsCounted) {
  Bytes f = pcap_header(false, false, 64, 1);
  pcap_record(f, 1, 0, payload(100), 100, 100);
  pcap_record(f, 2, 0, payload(64), 100, 64);
  auto r = open_capture_buffer("big.pcap", f.vec());
  ASSERT_TRUE(r.ok());
  const Drained d = drain(**r);
  EXPECT_FALSE(d.error.has_value());
  ASSERT_EQ(d.records.size(), 2u);
  EXPECT_EQ(d.records[0].caplen, 100u);
  EXPECT_EQ((*r)->file_stats().oversized_records, 1u);
  std::vector<SourceCounter> cs;
  static_cast<const PacketSource&>(**r).counters(cs);
  const auto it = std::find_if(cs.begin(), cs.end(), [](const SourceCounter& c) { return c.name == "oversized_records"; });
  ASSERT_NE(it, cs.end());
  EXPECT_EQ(it->value, 1u);
}

TEST(FileFaults, PcapRecordBeyondLimitOrFile) {
  {
    Bytes f = pcap_header(false, true, 262144, 1);
    pcap_record(f, 1, 0, payload(60), 60, 60);
    const std::size_t bad = f.size();
    pcap_record(f, 2, 0, payload(60), 60, CaptureFile::kMaxRecordBytes + 1);
    auto r = open_capture_buffer("limit.pcap", f.vec());
    ASSERT_TRUE(r.ok());
    const Drained d = drain(**r);
    ASSERT_EQ(d.records.size(), 1u);
    expect_fault(d, "limit.pcap", "record length 262145 exceeds the limit of 262144", bad);
  }
  {
    Bytes f = pcap_header(true, false, 65535, 1);
    pcap_record(f, 1, 0, payload(60), 60, 60);
    const std::size_t bad = f.size();
    pcap_record(f, 2, 0, payload(50), 1000, 1000);  // claims 1000 bytes, 50 present
    auto r = open_capture_buffer("outside.pcap", f.vec());
    ASSERT_TRUE(r.ok());
    const Drained d = drain(**r);
    ASSERT_EQ(d.records.size(), 1u);
    expect_fault(d, "outside.pcap", "record data cut (50 of 1000 bytes)", bad);
  }
}

TEST(FileFaults, PcapLinkTypeOutOfRange) {
  Bytes f = pcap_header(false, false, 65535, 0x00123456);
  auto r = open_capture_buffer("link.pcap", f.vec());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("link type"), std::string::npos);
}

// Two sections in opposite byte orders; per-interface clocks; SPB and OPB; interfaces reset per section.
TEST(FileFaults, PcapngSectionsClocksAndPacketBlockKinds) {
  Bytes be(true);
  ng_section(be);
  ng_interface(be, 1, 64, 0x80 | 10, 100);  // 2^-10 s units, +100 s
  ng_interface(be, 113, 0, 9);              // nanoseconds, Linux SLL
  ng_epb(be, 0, 3 * 1024 + 512, payload(60), 60);
  ng_spb(be, 100, payload(100));
  ng_opb(be, 1, 1234567890123456789ULL, payload(40), 80);
  Bytes le(false);
  ng_section(le);
  ng_interface(le, 101, 128);  // default microseconds
  ng_epb(le, 0, 5000001, payload(20), 20);
  const std::size_t bad = be.size() + le.size();
  ng_epb(le, 1, 1, payload(20), 20);  // interface 1 belonged to the previous section
  std::vector<std::uint8_t> file = be.vec();
  file.insert(file.end(), le.vec().begin(), le.vec().end());

  auto r = open_capture_buffer("two.pcapng", file);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)->link_type(), LinkType::ethernet);
  EXPECT_EQ((*r)->snaplen(), 64u);
  const Drained d = drain(**r);
  ASSERT_EQ(d.records.size(), 4u);
  EXPECT_EQ(d.records[0].ts_ns, 103500000000);  // 3.5 s + 100 s
  EXPECT_EQ(d.records[0].ifindex, 0u);
  EXPECT_EQ(d.records[1].caplen, 64u);  // SPB: cut to interface 0's snaplen
  EXPECT_EQ(d.records[1].wirelen, 100u);
  const auto spb_data = payload(100);
  EXPECT_EQ(d.records[1].bytes, std::vector<std::uint8_t>(spb_data.begin(), spb_data.begin() + 64));
  EXPECT_EQ(d.records[2].ts_ns, 1234567890123456789LL);
  EXPECT_EQ(d.records[2].link, LinkType::linux_sll);
  EXPECT_EQ(d.records[2].ifindex, 1u);
  EXPECT_EQ(d.records[2].wirelen, 80u);
  EXPECT_EQ(d.records[3].ts_ns, 5000001000);
  EXPECT_EQ(d.records[3].link, LinkType::raw);
  expect_fault(d, "two.pcapng", "undefined interface 1", bad);
}

TEST(FileFaults, PacketsBeforeAnyInterface) {
  for (bool simple : {false, true}) {
    Bytes f;
    ng_section(f);
    const std::size_t bad = f.size();
    if (simple) {
      ng_spb(f, 10, payload(10));
    } else {
      ng_epb(f, 0, 0, payload(10), 10);
    }
    auto r = open_capture_buffer("noif.pcapng", f.vec());
    ASSERT_TRUE(r.ok());
    const Drained d = drain(**r);
    EXPECT_TRUE(d.records.empty());
    expect_fault(d, "noif.pcapng", "interface", bad);
  }
}

TEST(FileFaults, BrokenSectionHeaders) {
  {
    Bytes f;
    ng_section(f);
    f.vec()[8] = 0x11;  // byte-order magic destroyed
    auto r = open_capture_buffer("magic.pcapng", f.vec());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "magic.pcapng: bad byte-order magic in section header at offset 0");
  }
  {
    Bytes f;
    ng_section(f);
    ng_interface(f, 1, 0);
    ng_epb(f, 0, 0, payload(10), 10);
    const std::size_t second = f.size();
    ng_section(f);
    f.vec().erase(f.vec().end() - 8, f.vec().end());  // second section header cut short
    auto r = open_capture_buffer("sec.pcapng", f.vec());
    ASSERT_TRUE(r.ok());
    const Drained d = drain(**r);
    EXPECT_EQ(d.records.size(), 1u);
    expect_fault(d, "sec.pcapng", "section header cut", second);
  }
}

TEST(FileFaults, InterfaceOptionOverrunningItsBlock) {
  Bytes f;
  ng_section(f);
  const std::size_t idb = f.size();
  Bytes body;
  body.u16(1).u16(0).u32(0).u16(9).u16(200).u32(0);  // option claims 200 bytes in a 4-byte space
  ng_block(f, 1, body.vec());
  auto r = open_capture_buffer("opt.pcapng", f.vec());
  ASSERT_TRUE(r.ok());
  const Drained d = drain(**r);
  expect_fault(d, "opt.pcapng", "interface option 9 runs past its block", idb + 16);
}

}  // namespace
}  // namespace riptide::test
