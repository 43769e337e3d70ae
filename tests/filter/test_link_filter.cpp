// The user-space filter on a pcapng file whose interfaces have different link types: each
// packet is tested with the program compiled for its own link type, in the filter itself and
// through the engine. A program compiled for Ethernet alone reads a raw-IP packet's IP header
// as MAC addresses and gets "udp port 53" wrong.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine_test_util.hpp"
#include "riptide/file/capture_file.hpp"
#include "riptide/filter/link_filter.hpp"
#include "support/pktbuild.hpp"
#include "support/shell.hpp"

namespace riptide::test {
namespace {

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void block(Bytes& f, std::uint32_t type, Bytes body) {
  while (body.size() % 4 != 0) body.push_back(0);
  const auto len = static_cast<std::uint32_t>(body.size() + 12);
  put32(f, type);
  put32(f, len);
  f.insert(f.end(), body.begin(), body.end());
  put32(f, len);
}

struct Built {
  Bytes file;
  std::vector<bool> dns;  // per packet, in file order: is it UDP to or from port 53
};

// Three interfaces (Ethernet, raw IP, Linux cooked), each carrying UDP to port 53, UDP to
// port 80 and TCP to port 53, interleaved so that the link type changes from packet to packet.
Built three_link_file() {
  Built b;
  Bytes shb;
  put32(shb, 0x1a2b3c4d);
  put16(shb, 1);
  put16(shb, 0);
  put32(shb, 0xffffffff);
  put32(shb, 0xffffffff);
  block(b.file, 0x0a0d0d0a, shb);
  for (std::uint16_t link : {std::uint16_t{1}, std::uint16_t{101}, std::uint16_t{113}}) {
    Bytes idb;
    put16(idb, link);
    put16(idb, 0);
    put32(idb, 0);
    block(b.file, 1, idb);
  }
  std::uint32_t ts = 0;
  for (int round = 0; round < 4; ++round) {
    for (int kind = 0; kind < 3; ++kind) {
      for (std::uint32_t ifid = 0; ifid < 3; ++ifid) {
        PacketBuilder pb;
        if (ifid == 0) pb.eth();
        if (ifid == 2) pb.sll();
        pb.ipv4("10.0.0." + std::to_string(1 + round), "10.0.1.1");
        if (kind == 0) pb.udp(static_cast<std::uint16_t>(4000 + round), 53);
        if (kind == 1) pb.udp(static_cast<std::uint16_t>(4000 + round), 80);
        if (kind == 2) pb.tcp(static_cast<std::uint16_t>(4000 + round), 53);
        const Bytes pkt = pb.payload(10).build();
        Bytes epb;
        put32(epb, ifid);
        put32(epb, 0);
        put32(epb, ++ts);
        put32(epb, static_cast<std::uint32_t>(pkt.size()));
        put32(epb, static_cast<std::uint32_t>(pkt.size()));
        epb.insert(epb.end(), pkt.begin(), pkt.end());
        block(b.file, 6, epb);
        b.dns.push_back(kind == 0);
      }
    }
  }
  return b;
}

std::size_t count(const std::vector<bool>& v) {
  std::size_t n = 0;
  for (bool x : v) n += x ? 1 : 0;
  return n;
}

TEST(LinkFilter, EachPacketIsTestedForItsOwnLinkType) {
  const Built b = three_link_file();
  auto f = open_capture_buffer("three.pcapng", b.file);
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ((*f)->link_type(), LinkType::ethernet);
  auto filt = LinkFilter::compile("udp port 53", (*f)->link_type());
  ASSERT_TRUE(filt) << filt.error().message;

  std::vector<std::uint32_t> kept_ts;  // a packet's timestamp is its position in the file
  std::size_t total = 0;
  PacketBatch batch;
  while ((*f)->next(batch, std::chrono::milliseconds(0)).value() == PollStatus::packets) {
    total += batch.size();
    ASSERT_TRUE(filt->apply(batch));
    for (const PacketView& p : batch) kept_ts.push_back(static_cast<std::uint32_t>(p.ts_ns / 1000));
  }
  ASSERT_EQ(total, b.dns.size());
  std::vector<std::uint32_t> want;
  for (std::size_t i = 0; i < b.dns.size(); ++i)
    if (b.dns[i]) want.push_back(static_cast<std::uint32_t>(i + 1));
  EXPECT_EQ(kept_ts, want);
  EXPECT_EQ(filt->programs(), 3u);

  // tshark reads every interface with its own dissector: it agrees.
  TempDir dir;
  const std::string path = dir.file("three.pcapng");
  {
    std::FILE* out = std::fopen(path.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    ASSERT_EQ(std::fwrite(b.file.data(), 1, b.file.size(), out), b.file.size());
    std::fclose(out);
  }
  const std::string n = shell("tshark -r " + path + " -Y 'udp.port == 53' 2>/dev/null | wc -l").out;
  EXPECT_EQ(std::stoul(n), want.size());
}

TEST(LinkFilter, TheEngineFiltersEveryInterfaceRight) {
  const Built b = three_link_file();
  TempDir dir;
  const std::string path = dir.file("three.pcapng");
  {
    std::FILE* out = std::fopen(path.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    ASSERT_EQ(std::fwrite(b.file.data(), 1, b.file.size(), out), b.file.size());
    std::fclose(out);
  }
  EngineConfig c = file_config(path);
  c.filter = "udp port 53";
  const RunReport r = run_engine(c, {});
  EXPECT_TRUE(r.errors.empty()) << r.errors.front();
  EXPECT_EQ(r.captured, b.dns.size());
  EXPECT_EQ(r.processed, count(b.dns));
  EXPECT_EQ(r.filtered_out, b.dns.size() - count(b.dns));
}

// An Ethernet-only test on a file that also has a raw-IP interface: the run ends at that
// interface's first packet with one line naming the link type; the packets before it went through.
TEST(LinkFilter, AnExpressionThatDoesNotFitALaterLinkTypeIsAnErrorNamingIt) {
  const Built b = three_link_file();
  auto f = open_capture_buffer("three.pcapng", b.file);
  ASSERT_TRUE(f);
  auto filt = LinkFilter::compile("ether host 02:00:00:00:00:01", (*f)->link_type());
  ASSERT_TRUE(filt) << filt.error().message;
  PacketBatch batch;
  ASSERT_EQ((*f)->next(batch, std::chrono::milliseconds(0)).value(), PollStatus::packets);
  auto r = filt->apply(batch);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("link type RAW, 101"), std::string::npos) << m;
  EXPECT_NE(m.find("ether host 02:00:00:00:00:01"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  ASSERT_EQ(batch.size(), 1u);  // the Ethernet packet before the raw one matched
  EXPECT_EQ(batch[0].link, LinkType::ethernet);

  TempDir dir;
  const std::string path = dir.file("three.pcapng");
  {
    std::FILE* out = std::fopen(path.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    ASSERT_EQ(std::fwrite(b.file.data(), 1, b.file.size(), out), b.file.size());
    std::fclose(out);
  }
  EngineConfig c = file_config(path);
  c.filter = "ether host 02:00:00:00:00:01";
  const RunReport rep = run_engine(c, {});
  ASSERT_EQ(rep.errors.size(), 1u);
  EXPECT_NE(rep.errors[0].find("link type RAW, 101"), std::string::npos) << rep.errors[0];
  EXPECT_EQ(rep.processed, 1u);
  EXPECT_TRUE(rep.ledger_balanced());
}

TEST(LinkFilter, ABadExpressionFailsAtCompile) {
  auto filt = LinkFilter::compile("udp prot 53", LinkType::ethernet);
  ASSERT_FALSE(filt);
  EXPECT_EQ(filt.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace riptide::test
