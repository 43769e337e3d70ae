// pcapng: a section header, then one interface description block per (interface, link type)
// pair the first time a packet of it comes, then enhanced packet blocks. Timestamps in
// nanoseconds (if_tsresol 9), host byte order (the section header's magic says which).
#include <cstring>
#include <vector>

#include "file/file_writer_base.hpp"
#include "riptide/core/byte_order.hpp"

namespace riptide::file_detail {
namespace {

constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr std::uint32_t kInterfaceBlock = 1;
constexpr std::uint32_t kEnhancedPacket = 6;
constexpr std::size_t kShbBytes = 28;
constexpr std::size_t kIdbBytes = 32;  // 20 of block + if_tsresol (8) + end of options (4)
constexpr std::size_t kEpbOverhead = 32;

void put32(std::uint8_t* p, std::uint32_t v) noexcept { store_native(p, v); }
void put16(std::uint8_t* p, std::uint16_t v) noexcept { store_native(p, v); }
std::size_t pad4(std::size_t n) noexcept { return (n + 3) & ~std::size_t{3}; }

class PcapngFormat final : public FileWriterBase {
 public:
  explicit PcapngFormat(const PacketWriterOptions& o) : FileWriterBase(o) { ifaces_.reserve(8); }
  ~PcapngFormat() override { (void)close(); }

  std::size_t record_size(const PacketView& pkt) const noexcept override {
    const std::size_t cap = pkt.caplen < opt_.snaplen ? pkt.caplen : opt_.snaplen;
    return kEpbOverhead + pad4(cap) + (find(pkt) < 0 ? kIdbBytes : 0);
  }

 private:
  struct Iface {
    std::uint32_t ifindex;
    LinkType link;
  };

  long find(const PacketView& pkt) const noexcept {
    for (std::size_t i = 0; i < ifaces_.size(); ++i)
      if (ifaces_[i].ifindex == pkt.ifindex && ifaces_[i].link == pkt.link) return static_cast<long>(i);
    return -1;
  }

  void begin_file(RecordFile& f) override {
    ifaces_.clear();  // interface ids are per section, and each file is one section
    std::uint8_t* b = f.begin_record(kShbBytes);
    if (!b) return;
    put32(b, kSectionHeader);
    put32(b + 4, kShbBytes);
    put32(b + 8, 0x1A2B3C4D);
    put16(b + 12, 1);
    put16(b + 14, 0);
    put32(b + 16, 0xffffffffu);  // section length unknown (-1)
    put32(b + 20, 0xffffffffu);
    put32(b + 24, kShbBytes);
    f.end_record(kShbBytes, false);
  }

  bool accepts(const PacketView&) const noexcept override { return true; }

  bool put_interface(RecordFile& f, const PacketView& pkt) {
    std::uint8_t* b = f.begin_record(kIdbBytes);
    if (!b) return false;
    put32(b, kInterfaceBlock);
    put32(b + 4, kIdbBytes);
    put16(b + 8, static_cast<std::uint16_t>(pkt.link));
    put16(b + 10, 0);
    put32(b + 12, opt_.snaplen);
    put16(b + 16, 9);  // if_tsresol
    put16(b + 18, 1);
    b[20] = 9;  // 10^-9 s
    b[21] = b[22] = b[23] = 0;
    put16(b + 24, 0);  // opt_endofopt
    put16(b + 26, 0);
    put32(b + 28, kIdbBytes);
    f.end_record(kIdbBytes, false);
    ifaces_.push_back({pkt.ifindex, pkt.link});
    return true;
  }

  bool put_packet(RecordFile& f, const PacketView& pkt, std::uint32_t caplen) override {
    long id = find(pkt);
    if (id < 0) {
      if (!put_interface(f, pkt)) return false;
      id = static_cast<long>(ifaces_.size() - 1);
    }
    const std::size_t len = kEpbOverhead + pad4(caplen);
    std::uint8_t* b = f.begin_record(len);
    if (!b) return false;
    const auto ts = static_cast<std::uint64_t>(pkt.ts_ns);
    put32(b, kEnhancedPacket);
    put32(b + 4, static_cast<std::uint32_t>(len));
    put32(b + 8, static_cast<std::uint32_t>(id));
    put32(b + 12, static_cast<std::uint32_t>(ts >> 32));
    put32(b + 16, static_cast<std::uint32_t>(ts));
    put32(b + 20, caplen);
    put32(b + 24, pkt.wirelen);
    if (caplen != 0) std::memcpy(b + 28, pkt.data, caplen);
    std::memset(b + 28 + caplen, 0, pad4(caplen) - caplen);
    put32(b + len - 4, static_cast<std::uint32_t>(len));
    f.end_record(len, true);
    return true;
  }

  std::vector<Iface> ifaces_;
};

}  // namespace

std::unique_ptr<FileWriterBase> make_pcapng_format(const PacketWriterOptions& o) {
  return std::make_unique<PcapngFormat>(o);
}

}  // namespace riptide::file_detail
