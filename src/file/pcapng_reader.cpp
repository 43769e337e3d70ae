#include "file/pcapng_reader.hpp"

#include <algorithm>
#include <vector>

#include "riptide/core/byte_order.hpp"
#include "file/pcapng_timestamp.hpp"

namespace riptide::file_detail {
namespace {

constexpr std::uint32_t kByteOrderMagic = 0x1a2b3c4d;
constexpr std::uint32_t kInterfaceBlock = 1;
constexpr std::uint32_t kObsoletePacketBlock = 2;
constexpr std::uint32_t kSimplePacketBlock = 3;
constexpr std::uint32_t kEnhancedPacketBlock = 6;

// Smallest legal total length of each block type (header, fixed fields, trailer).
constexpr std::uint32_t kMinBlock = 12;
constexpr std::uint32_t kMinSection = 28;
constexpr std::uint32_t kMinInterface = 20;
constexpr std::uint32_t kMinSimple = 16;
constexpr std::uint32_t kMinPacket = 32;  // EPB and OPB

constexpr std::uint16_t kOptEnd = 0;
constexpr std::uint16_t kOptTsresol = 9;
constexpr std::uint16_t kOptTsoffset = 14;

struct Interface {
  LinkType link = LinkType::ethernet;
  std::uint32_t snaplen = 0;  // 0: unlimited
  TimestampScale clock;
};

std::string num(std::uint64_t v) { return std::to_string(v); }

class PcapngReader final : public ReaderBase {
 public:
  PcapngReader(std::string name, FileBytes bytes)
      : ReaderBase(std::move(name), std::move(bytes), FileFormat::pcapng) {}

  // Validates the first section header so that a broken file fails at open, and looks ahead
  // for the first interface so link_type()/snaplen() mean something before any packet.
  Result<void> init() {
    if (!section_header()) return *fault();
    off_ += block_len_;
    peek_first_interface();
    return {};
  }

 protected:
  void fill(PacketBatch& out) override {
    while (!out.full()) {
      const std::size_t left = size() - off_;
      if (left == 0) {
        at_end_ = true;
        return;
      }
      if (left < kMinBlock) {
        fail("block header cut (" + num(left) + " of 12 bytes)", off_);
        return;
      }
      const std::uint8_t* b = data_ + off_;
      const std::uint32_t type = load_swapped<std::uint32_t>(b, swap_);
      if (type == kPcapngSectionHeader) {
        if (!section_header()) return;
      } else {
        block_len_ = load_swapped<std::uint32_t>(b + 4, swap_);
        if (!check_block(type, left)) return;
        switch (type) {
          case kInterfaceBlock:
            if (!interface_block(b)) return;
            break;
          case kEnhancedPacketBlock:
            if (!packet_block(b, load_swapped<std::uint32_t>(b + 8, swap_), out)) return;
            break;
          case kObsoletePacketBlock:
            if (!packet_block(b, load_swapped<std::uint16_t>(b + 8, swap_), out)) return;
            break;
          case kSimplePacketBlock:
            if (!simple_block(b, out)) return;
            break;
          default:
            ++skipped_;
            break;
        }
      }
      off_ += block_len_;
    }
  }

 private:
  static std::uint32_t min_length(std::uint32_t type) noexcept {
    switch (type) {
      case kInterfaceBlock: return kMinInterface;
      case kSimplePacketBlock: return kMinSimple;
      case kEnhancedPacketBlock:
      case kObsoletePacketBlock: return kMinPacket;
      default: return kMinBlock;
    }
  }

  // The structural checks every block passes before its body is looked at.
  bool check_block(std::uint32_t type, std::size_t left) {
    if (block_len_ % 4 != 0) {
      fail("block length " + num(block_len_) + " not a multiple of 4", off_);
      return false;
    }
    if (block_len_ < min_length(type)) {
      fail("block length " + num(block_len_) + " below the minimum " + num(min_length(type)) + " for block type " +
               num(type),
           off_);
      return false;
    }
    if (block_len_ > left) {
      fail("block length " + num(block_len_) + " points past the end of the file (" + num(left) + " bytes left)", off_);
      return false;
    }
    const std::uint32_t trailer = load_swapped<std::uint32_t>(data_ + off_ + block_len_ - 4, swap_);
    if (trailer != block_len_) {
      fail("trailing block length " + num(trailer) + " does not match " + num(block_len_), off_);
      return false;
    }
    return true;
  }

  bool section_header() {
    const std::size_t left = size() - off_;
    if (left < kMinSection) {
      fail("section header cut (" + num(left) + " of 28 bytes)", off_);
      return false;
    }
    const std::uint8_t* b = data_ + off_;
    const std::uint32_t magic = load_swapped<std::uint32_t>(b + 8, false);
    if (magic == kByteOrderMagic) {
      swap_ = false;
    } else if (magic == byteswap<std::uint32_t>(kByteOrderMagic)) {
      swap_ = true;
    } else {
      fail("bad byte-order magic in section header", off_);
      return false;
    }
    block_len_ = load_swapped<std::uint32_t>(b + 4, swap_);
    if (!check_block(kPcapngSectionHeader, left)) return false;
    if (block_len_ < kMinSection) {
      fail("block length " + num(block_len_) + " below the minimum 28 for a section header", off_);
      return false;
    }
    const std::uint16_t major = load_swapped<std::uint16_t>(b + 12, swap_);
    if (major != 1) {
      fail("unsupported pcapng version " + num(major), off_);
      return false;
    }
    interfaces_.clear();  // interface ids are local to their section
    return true;
  }

  bool interface_block(const std::uint8_t* b) {
    Interface ifc;
    ifc.link = static_cast<LinkType>(load_swapped<std::uint16_t>(b + 8, swap_));
    ifc.snaplen = load_swapped<std::uint32_t>(b + 12, swap_);
    std::uint8_t tsresol = 6;
    std::int64_t tsoffset = 0;
    std::size_t o = 16;
    const std::size_t end = block_len_ - 4;
    while (o + 4 <= end) {
      const std::uint16_t code = load_swapped<std::uint16_t>(b + o, swap_);
      const std::uint16_t len = load_swapped<std::uint16_t>(b + o + 2, swap_);
      if (code == kOptEnd) break;
      if (len > end - o - 4) {
        fail("interface option " + num(code) + " runs past its block", off_ + o);
        return false;
      }
      if (code == kOptTsresol && len == 1) tsresol = b[o + 4];
      if (code == kOptTsoffset && len == 8) tsoffset = static_cast<std::int64_t>(load_swapped<std::uint64_t>(b + o + 4, swap_));
      o += 4 + ((static_cast<std::size_t>(len) + 3) & ~std::size_t{3});
    }
    ifc.clock = TimestampScale::from_tsresol(tsresol, tsoffset);
    interfaces_.push_back(ifc);
    return true;
  }

  // EPB and OPB share their layout after the interface id (32 bits in EPB, 16 in OPB).
  bool packet_block(const std::uint8_t* b, std::uint32_t ifid, PacketBatch& out) {
    if (ifid >= interfaces_.size()) {
      fail("packet block references undefined interface " + num(ifid), off_);
      return false;
    }
    const Interface& ifc = interfaces_[ifid];
    const std::uint32_t caplen = load_swapped<std::uint32_t>(b + 20, swap_);
    if (!check_caplen(caplen, block_len_ - kMinPacket, ifc.snaplen)) return false;
    const std::uint64_t units = (static_cast<std::uint64_t>(load_swapped<std::uint32_t>(b + 12, swap_)) << 32) | load_swapped<std::uint32_t>(b + 16, swap_);
    PacketView v;
    v.data = b + 28;
    v.caplen = caplen;
    v.wirelen = load_swapped<std::uint32_t>(b + 24, swap_);
    v.ts_ns = ifc.clock.to_ns(units);
    v.ifindex = ifid;
    v.link = ifc.link;
    out.push(v);
    return true;
  }

  // An SPB has no caplen: the data is what fits, bounded by the wire length and interface 0's snaplen.
  bool simple_block(const std::uint8_t* b, PacketBatch& out) {
    if (interfaces_.empty()) {
      fail("simple packet block without interface 0", off_);
      return false;
    }
    const Interface& ifc = interfaces_[0];
    const std::uint32_t wirelen = load_swapped<std::uint32_t>(b + 8, swap_);
    std::uint32_t caplen = std::min(wirelen, block_len_ - kMinSimple);
    if (ifc.snaplen != 0) caplen = std::min(caplen, ifc.snaplen);
    if (caplen > kMaxRecordBytes) {
      fail("record length " + num(caplen) + " exceeds the limit of " + num(kMaxRecordBytes), off_);
      return false;
    }
    PacketView v;
    v.data = b + 12;
    v.caplen = caplen;
    v.wirelen = wirelen;
    v.link = ifc.link;
    out.push(v);
    return true;
  }

  bool check_caplen(std::uint32_t caplen, std::uint32_t space, std::uint32_t snaplen) {
    if (caplen > kMaxRecordBytes) {
      fail("record length " + num(caplen) + " exceeds the limit of " + num(kMaxRecordBytes), off_);
      return false;
    }
    if (caplen > space) {
      fail("captured length " + num(caplen) + " exceeds the block's " + num(space) + " data bytes", off_);
      return false;
    }
    if (snaplen != 0 && caplen > snaplen) ++oversized_;
    return true;
  }

  void peek_first_interface() {
    std::size_t o = off_;
    while (size() - o >= kMinBlock) {
      const std::uint32_t type = load_swapped<std::uint32_t>(data_ + o, swap_);
      const std::uint32_t len = load_swapped<std::uint32_t>(data_ + o + 4, swap_);
      if (type == kPcapngSectionHeader || len < kMinBlock || len % 4 != 0 || len > size() - o) return;
      if (type == kInterfaceBlock && len >= kMinInterface) {
        first_link_ = static_cast<LinkType>(load_swapped<std::uint16_t>(data_ + o + 8, swap_));
        first_snaplen_ = load_swapped<std::uint32_t>(data_ + o + 12, swap_);
        return;
      }
      o += len;
    }
  }

  bool swap_ = false;
  std::uint32_t block_len_ = 0;
  std::vector<Interface> interfaces_;
};

}  // namespace

Result<std::unique_ptr<CaptureFile>> open_pcapng(std::string name, FileBytes bytes) {
  auto r = std::make_unique<PcapngReader>(std::move(name), std::move(bytes));
  if (auto ok = r->init(); !ok) return ok.error();
  return std::unique_ptr<CaptureFile>(std::move(r));
}

}  // namespace riptide::file_detail
