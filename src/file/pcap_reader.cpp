#include "file/pcap_reader.hpp"

#include "riptide/core/byte_order.hpp"

namespace riptide::file_detail {
namespace {

constexpr std::size_t kFileHeader = 24;
constexpr std::size_t kRecordHeader = 16;
// The link-type field carries an FCS length in its top bits (bits 26-31); the type is below.
constexpr std::uint32_t kLinkTypeMask = 0x03ffffff;
// A batch starts with at least this much in the window when the input has it: more than a
// full batch of ordinary records, so that a batch rarely stops short at the window's end.
constexpr std::size_t kLowWater = 128 * 1024;

class PcapReader final : public ReaderBase {
 public:
  PcapReader(std::string name, ByteStream in) : ReaderBase(std::move(name), FileFormat::pcap), in_(std::move(in)) {}

  Result<void> init() {
    if (auto r = in_.fill_to(kFileHeader); !r) return r.error();
    if (in_.avail() < kFileHeader) {
      return make_error(Errc::format, path() + ": truncated file header (" + std::to_string(in_.avail()) +
                                          " of 24 bytes) at offset 0");
    }
    const std::uint8_t* h = in_.data();
    const std::uint32_t magic = load_native<std::uint32_t>(h);
    swap_ = magic != kPcapMagicMicro && magic != kPcapMagicNano;
    const std::uint32_t native = load_swapped<std::uint32_t>(h, swap_);
    frac_to_ns_ = native == kPcapMagicNano ? 1 : 1000;
    first_snaplen_ = load_swapped<std::uint32_t>(h + 16, swap_);
    const std::uint32_t link = load_swapped<std::uint32_t>(h + 20, swap_) & kLinkTypeMask;
    if (link > 0xffff) {
      return make_error(Errc::format, path() + ": link type " + std::to_string(link) + " out of range at offset 20");
    }
    first_link_ = static_cast<LinkType>(link);
    in_.consume(kFileHeader);
    off_ = in_.offset();
    return {};
  }

 protected:
  void fill(PacketBatch& out) override {
    // Views handed out point into the window, so it may only move while `out` is empty. A
    // pipe is not topped up here: the records already there go out without waiting for more.
    if (in_.avail() < kLowWater && !in_.may_wait() && !refill(in_.avail() + 1)) return;
    while (!out.full()) {
      std::size_t left = in_.avail();
      if (left < kRecordHeader) {
        if (!in_.eof()) {
          if (!out.empty() || !refill(kRecordHeader)) break;
          continue;
        }
        if (left == 0) {
          at_end_ = true;
        } else {
          fail("record header cut (" + std::to_string(left) + " of 16 bytes)", in_.offset());
        }
        break;
      }
      const std::uint8_t* h = in_.data();
      const std::uint32_t caplen = load_swapped<std::uint32_t>(h + 8, swap_);
      if (caplen > kMaxRecordBytes) {
        fail("record length " + std::to_string(caplen) + " exceeds the limit of " + std::to_string(kMaxRecordBytes),
             in_.offset());
        break;
      }
      if (caplen > left - kRecordHeader) {
        if (!in_.eof()) {
          if (!out.empty() || !refill(kRecordHeader + caplen)) break;
          continue;
        }
        fail("record data cut (" + std::to_string(left - kRecordHeader) + " of " + std::to_string(caplen) + " bytes)",
             in_.offset());
        break;
      }
      if (first_snaplen_ != 0 && caplen > first_snaplen_) ++oversized_;
      PacketView v;
      v.data = h + kRecordHeader;
      v.caplen = caplen;
      v.wirelen = load_swapped<std::uint32_t>(h + 12, swap_);
      v.ts_ns = static_cast<TimestampNs>(load_swapped<std::uint32_t>(h, swap_)) * 1000000000 +
                static_cast<TimestampNs>(load_swapped<std::uint32_t>(h + 4, swap_)) * frac_to_ns_;
      v.link = first_link_;
      out.push(v);
      in_.consume(kRecordHeader + caplen);
    }
    off_ = in_.offset();
  }

 private:
  bool refill(std::size_t want) {
    if (auto r = in_.fill_to(want); !r) {
      fail_with(r.error());
      return false;
    }
    return true;
  }

  ByteStream in_;
  bool swap_ = false;
  TimestampNs frac_to_ns_ = 1000;
};

}  // namespace

Result<std::unique_ptr<CaptureFile>> open_pcap(std::string name, ByteStream in) {
  auto r = std::make_unique<PcapReader>(std::move(name), std::move(in));
  if (auto ok = r->init(); !ok) return ok.error();
  return std::unique_ptr<CaptureFile>(std::move(r));
}

}  // namespace riptide::file_detail
