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

// Blocks riptide reads are held whole in the window, which grows to fit one up to this
// size (a packet's data is limited to kMaxRecordBytes; the rest is options). Blocks it skips
// are read through in kStep steps whatever their size.
constexpr std::uint32_t kMaxBlockBytes = 16u << 20;
constexpr std::size_t kStep = 64 * 1024;
// A batch starts with at least this much in the window when the input has it (as in pcap).
constexpr std::size_t kLowWater = 128 * 1024;

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
  PcapngReader(std::string name, ByteStream in) : ReaderBase(std::move(name), FileFormat::pcapng), in_(std::move(in)) {}

  // Validates the first section header so that a broken file fails at open, and looks ahead
  // for the first interface so link_type()/snaplen() mean something before any packet.
  Result<void> init() {
    if (section_header(true) != Step::ok) return fault() ? *fault() : make_error(Errc::internal, path() + ": no section");
    in_.consume(block_len_);
    off_ = in_.offset();
    peek_first_interface();
    return {};
  }

 protected:
  void fill(PacketBatch& out) override {
    // Views handed out point into the window, so it may only move while `out` is empty. A
    // pipe is not topped up here: the blocks already there go out without waiting for more.
    if (in_.avail() < kLowWater && !in_.may_wait() && !refill(in_.avail() + 1)) return;
    while (!out.full()) {
      Step s = need(kMinBlock, out.empty());
      if (s == Step::short_input) {
        if (in_.avail() == 0) {
          at_end_ = true;
        } else {
          fail("block header cut (" + num(in_.avail()) + " of 12 bytes)", in_.offset());
        }
        break;
      }
      if (s != Step::ok) break;
      const std::uint32_t type = load_swapped<std::uint32_t>(in_.data(), swap_);
      if (type == kPcapngSectionHeader) {
        s = section_header(out.empty());
      } else {
        block_len_ = load_swapped<std::uint32_t>(in_.data() + 4, swap_);
        s = whole_block(type, out.empty());
        if (s == Step::ok && !block_body(type, in_.data(), out)) s = Step::failed;
      }
      if (s == Step::skipped) continue;  // already read through
      if (s != Step::ok) break;
      in_.consume(block_len_);
    }
    off_ = in_.offset();
  }

 private:
  // What getting bytes into the window came to. `later`: they are not all there yet and the
  // window cannot move because the batch holds views into it, so the batch goes out first.
  enum class Step { ok, later, short_input, failed, skipped };

  Step need(std::size_t n, bool may_move) {
    while (in_.avail() < n) {
      if (in_.eof()) return Step::short_input;
      if (!may_move) return Step::later;
      if (!refill(n)) return Step::failed;
    }
    return Step::ok;
  }

  bool refill(std::size_t want) {
    if (auto r = in_.fill_to(want); !r) {
      fail_with(r.error());
      return false;
    }
    return true;
  }

  bool block_body(std::uint32_t type, const std::uint8_t* b, PacketBatch& out) {
    switch (type) {
      case kInterfaceBlock: return interface_block(b);
      case kEnhancedPacketBlock: return packet_block(b, load_swapped<std::uint32_t>(b + 8, swap_), out);
      case kObsoletePacketBlock: return packet_block(b, load_swapped<std::uint16_t>(b + 8, swap_), out);
      case kSimplePacketBlock: return simple_block(b, out);
      default: ++skipped_; return true;
    }
  }

  static bool read_whole(std::uint32_t type) noexcept {
    return type == kPcapngSectionHeader || type == kInterfaceBlock || type == kEnhancedPacketBlock ||
           type == kObsoletePacketBlock || type == kSimplePacketBlock;
  }

  // Brings the block at data() (length in block_len_) whole into the window and checks its
  // framing. A block riptide does not read and that is larger than the window is read
  // through instead (Step::skipped), so memory stays bounded whatever the file holds; so is
  // one it reads that exceeds kMaxBlockBytes, which is then a fault.
  Step whole_block(std::uint32_t type, bool may_move) {
    if (!check_length(type)) return Step::failed;
    if (block_len_ > kMaxBlockBytes || (!read_whole(type) && block_len_ > ByteStream::kDefaultWindow)) {
      if (!may_move) return Step::later;
      const std::uint64_t start = in_.offset();
      if (!read_through()) return Step::failed;
      if (read_whole(type)) {
        fail("block length " + num(block_len_) + " exceeds the limit of " + num(kMaxBlockBytes) + " for block type " +
                 num(type),
             start);
        return Step::failed;
      }
      ++skipped_;
      return Step::skipped;
    }
    const Step s = need(block_len_, may_move);
    if (s == Step::short_input) {
      fail(past_end(in_.avail()), in_.offset());
      return Step::failed;
    }
    if (s != Step::ok) return s;
    const std::uint32_t trailer = load_swapped<std::uint32_t>(in_.data() + block_len_ - 4, swap_);
    if (trailer != block_len_) {
      fail("trailing block length " + num(trailer) + " does not match " + num(block_len_), in_.offset());
      return Step::failed;
    }
    return Step::ok;
  }

  std::string past_end(std::uint64_t left) const {
    return "block length " + num(block_len_) + " points past the end of the file (" + num(left) + " bytes left)";
  }

  // Consumes the block at data() in window-sized steps and checks its trailer. The window
  // moves: the caller's batch is empty.
  bool read_through() {
    const std::uint64_t start = in_.offset();
    std::uint64_t body = block_len_ - 4;
    for (;;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(body, in_.avail()));
      in_.consume(n);
      body -= n;
      if (body == 0 && in_.avail() >= 4) break;
      if (in_.eof()) {
        fail(past_end(in_.offset() + in_.avail() - start), start);
        return false;
      }
      if (!refill(static_cast<std::size_t>(std::min<std::uint64_t>(body + 4, kStep)))) return false;
    }
    const std::uint32_t trailer = load_swapped<std::uint32_t>(in_.data(), swap_);
    if (trailer != block_len_) {
      fail("trailing block length " + num(trailer) + " does not match " + num(block_len_), start);
      return false;
    }
    in_.consume(4);
    return true;
  }

  static std::uint32_t min_length(std::uint32_t type) noexcept {
    switch (type) {
      case kInterfaceBlock: return kMinInterface;
      case kSimplePacketBlock: return kMinSimple;
      case kEnhancedPacketBlock:
      case kObsoletePacketBlock: return kMinPacket;
      default: return kMinBlock;
    }
  }

  // The length checks every block passes before anything else is read of it.
  bool check_length(std::uint32_t type) {
    if (block_len_ % 4 != 0) {
      fail("block length " + num(block_len_) + " not a multiple of 4", in_.offset());
      return false;
    }
    if (block_len_ < min_length(type)) {
      fail("block length " + num(block_len_) + " below the minimum " + num(min_length(type)) + " for block type " +
               num(type),
           in_.offset());
      return false;
    }
    return true;
  }

  // The section header at data(): its byte-order magic decides how the rest is read.
  Step section_header(bool may_move) {
    const Step s = need(kMinSection, may_move);
    if (s == Step::short_input) {
      fail("section header cut (" + num(in_.avail()) + " of 28 bytes)", in_.offset());
      return Step::failed;
    }
    if (s != Step::ok) return s;
    const std::uint32_t magic = load_swapped<std::uint32_t>(in_.data() + 8, false);
    if (magic == kByteOrderMagic) {
      swap_ = false;
    } else if (magic == byteswap<std::uint32_t>(kByteOrderMagic)) {
      swap_ = true;
    } else {
      fail("bad byte-order magic in section header", in_.offset());
      return Step::failed;
    }
    block_len_ = load_swapped<std::uint32_t>(in_.data() + 4, swap_);
    if (const Step w = whole_block(kPcapngSectionHeader, may_move); w != Step::ok) return w;
    if (block_len_ < kMinSection) {
      fail("block length " + num(block_len_) + " below the minimum 28 for a section header", in_.offset());
      return Step::failed;
    }
    const std::uint16_t major = load_swapped<std::uint16_t>(in_.data() + 12, swap_);
    if (major != 1) {
      fail("unsupported pcapng version " + num(major), in_.offset());
      return Step::failed;
    }
    interfaces_.clear();  // interface ids are local to their section
    return Step::ok;
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
        fail("interface option " + num(code) + " runs past its block", in_.offset() + o);
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
      fail("packet block references undefined interface " + num(ifid), in_.offset());
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
      fail("simple packet block without interface 0", in_.offset());
      return false;
    }
    const Interface& ifc = interfaces_[0];
    const std::uint32_t wirelen = load_swapped<std::uint32_t>(b + 8, swap_);
    std::uint32_t caplen = std::min(wirelen, block_len_ - kMinSimple);
    if (ifc.snaplen != 0) caplen = std::min(caplen, ifc.snaplen);
    if (caplen > kMaxRecordBytes) {
      fail("record length " + num(caplen) + " exceeds the limit of " + num(kMaxRecordBytes), in_.offset());
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
      fail("record length " + num(caplen) + " exceeds the limit of " + num(kMaxRecordBytes), in_.offset());
      return false;
    }
    if (caplen > space) {
      fail("captured length " + num(caplen) + " exceeds the block's " + num(space) + " data bytes", in_.offset());
      return false;
    }
    if (snaplen != 0 && caplen > snaplen) ++oversized_;
    return true;
  }

  // Looks ahead, within one window, for the first interface block (normally right after
  // the section header). Faults are left for fill() to find in order.
  void peek_first_interface() {
    constexpr std::size_t kLimit = ByteStream::kDefaultWindow;
    std::size_t o = 0;
    for (;;) {
      if (o + kMinInterface > kLimit || !in_.fill_to(o + kMinBlock) || in_.avail() < o + kMinBlock) return;
      const std::uint32_t type = load_swapped<std::uint32_t>(in_.data() + o, swap_);
      const std::uint32_t len = load_swapped<std::uint32_t>(in_.data() + o + 4, swap_);
      if (type == kPcapngSectionHeader || len < kMinBlock || len % 4 != 0) return;
      if (type == kInterfaceBlock) {
        if (len < kMinInterface || !in_.fill_to(o + 16) || in_.avail() < o + 16) return;
        first_link_ = static_cast<LinkType>(load_swapped<std::uint16_t>(in_.data() + o + 8, swap_));
        first_snaplen_ = load_swapped<std::uint32_t>(in_.data() + o + 12, swap_);
        return;
      }
      if (len > kLimit - o) return;
      o += len;
    }
  }

  ByteStream in_;
  bool swap_ = false;
  std::uint32_t block_len_ = 0;
  std::vector<Interface> interfaces_;
};

}  // namespace

Result<std::unique_ptr<CaptureFile>> open_pcapng(std::string name, ByteStream in) {
  auto r = std::make_unique<PcapngReader>(std::move(name), std::move(in));
  if (auto ok = r->init(); !ok) return ok.error();
  return std::unique_ptr<CaptureFile>(std::move(r));
}

}  // namespace riptide::file_detail
