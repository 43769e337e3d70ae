#include "file/pcap_reader.hpp"

#include <algorithm>

#include "file/byte_order.hpp"

namespace riptide::file_detail {
namespace {

constexpr std::size_t kFileHeader = 24;
constexpr std::size_t kRecordHeader = 16;
// The link-type field carries an FCS length in its top bits (bits 26-31); the type is below.
constexpr std::uint32_t kLinkTypeMask = 0x03ffffff;

class PcapReader final : public ReaderBase {
 public:
  PcapReader(std::string name, FileBytes bytes) : ReaderBase(std::move(name), std::move(bytes), FileFormat::pcap) {}

  Result<void> init() {
    if (size() < kFileHeader) {
      return make_error(Errc::format, path() + ": truncated file header (" + std::to_string(size()) +
                                          " of 24 bytes) at offset 0");
    }
    const std::uint32_t magic = u32(data_, false);
    swap_ = magic != kPcapMagicMicro && magic != kPcapMagicNano;
    const std::uint32_t native = u32(data_, swap_);
    frac_to_ns_ = native == kPcapMagicNano ? 1 : 1000;
    first_snaplen_ = u32(data_ + 16, swap_);
    const std::uint32_t link = u32(data_ + 20, swap_) & kLinkTypeMask;
    if (link > 0xffff) {
      return make_error(Errc::format, path() + ": link type " + std::to_string(link) + " out of range at offset 20");
    }
    first_link_ = static_cast<LinkType>(link);
    off_ = kFileHeader;
    return {};
  }

 protected:
  void fill(PacketBatch& out) override {
    const std::size_t n = size();
    while (!out.full()) {
      const std::size_t left = n - off_;
      if (left == 0) {
        at_end_ = true;
        return;
      }
      if (left < kRecordHeader) {
        fail("record header cut (" + std::to_string(left) + " of 16 bytes)", off_);
        return;
      }
      const std::uint8_t* h = data_ + off_;
      // The records are read once, in order, from the page cache. Record starts do not
      // fall on a regular stride and the hardware prefetcher stops at page boundaries, so
      // every line up to kPrefetchAhead bytes ahead is requested, each once.
      for (const std::size_t want = std::min(off_ + kPrefetchAhead, n); pf_ < want; pf_ += 64)
        __builtin_prefetch(data_ + pf_);
      const std::uint32_t caplen = u32(h + 8, swap_);
      if (caplen > kMaxRecordBytes) {
        fail("record length " + std::to_string(caplen) + " exceeds the limit of " + std::to_string(kMaxRecordBytes),
             off_);
        return;
      }
      if (caplen > left - kRecordHeader) {
        fail("record data cut (" + std::to_string(left - kRecordHeader) + " of " + std::to_string(caplen) + " bytes)",
             off_);
        return;
      }
      if (first_snaplen_ != 0 && caplen > first_snaplen_) ++oversized_;
      PacketView v;
      v.data = h + kRecordHeader;
      v.caplen = caplen;
      v.wirelen = u32(h + 12, swap_);
      v.ts_ns = static_cast<TimestampNs>(u32(h, swap_)) * 1000000000 +
                static_cast<TimestampNs>(u32(h + 4, swap_)) * frac_to_ns_;
      v.link = first_link_;
      out.push(v);
      off_ += kRecordHeader + caplen;
    }
  }

 private:
  static constexpr std::size_t kPrefetchAhead = 8192;
  std::size_t pf_ = 0;  // lines before this offset have been prefetched
  bool swap_ = false;
  TimestampNs frac_to_ns_ = 1000;
};

}  // namespace

Result<std::unique_ptr<CaptureFile>> open_pcap(std::string name, FileBytes bytes) {
  auto r = std::make_unique<PcapReader>(std::move(name), std::move(bytes));
  if (auto ok = r->init(); !ok) return ok.error();
  return std::unique_ptr<CaptureFile>(std::move(r));
}

}  // namespace riptide::file_detail
