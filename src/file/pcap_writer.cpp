// Classic pcap: a 24-byte header naming one link type, then 16-byte record headers in host
// byte order (the magic tells readers which order), microseconds or nanoseconds.
#include "riptide/file/pcap_writer.hpp"

#include <cstring>

#include "file/file_writer_base.hpp"
#include "riptide/core/byte_order.hpp"

namespace riptide::file_detail {
namespace {

constexpr std::size_t kFileHeader = 24;
constexpr std::size_t kRecordHeader = 16;

void put32(std::uint8_t* p, std::uint32_t v) noexcept { store_native(p, v); }
void put16(std::uint8_t* p, std::uint16_t v) noexcept { store_native(p, v); }

class PcapFormat final : public FileWriterBase {
 public:
  explicit PcapFormat(const PacketWriterOptions& o) : FileWriterBase(o) {}
  ~PcapFormat() override { (void)close(); }

  std::size_t record_size(const PacketView& pkt) const noexcept override {
    return kRecordHeader + (pkt.caplen < opt_.snaplen ? pkt.caplen : opt_.snaplen);
  }

 private:
  void begin_file(RecordFile& f) override {
    std::uint8_t* h = f.begin_record(kFileHeader);
    if (!h) return;
    put32(h, opt_.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4);
    put16(h + 4, 2);
    put16(h + 6, 4);
    put32(h + 8, 0);   // thiszone
    put32(h + 12, 0);  // sigfigs
    put32(h + 16, opt_.snaplen);
    put32(h + 20, static_cast<std::uint16_t>(opt_.link));
    f.end_record(kFileHeader, false);
  }

  bool accepts(const PacketView& pkt) const noexcept override { return pkt.link == opt_.link; }

  bool put_packet(RecordFile& f, const PacketView& pkt, std::uint32_t caplen) override {
    const std::size_t rec = kRecordHeader + caplen;
    std::uint8_t* h = f.begin_record(rec);
    if (!h) return false;
    // Floor division so that pre-1970 timestamps keep a fraction in [0, 1 s).
    std::int64_t sec = pkt.ts_ns / 1000000000;
    std::int64_t frac = pkt.ts_ns % 1000000000;
    if (frac < 0) {
      frac += 1000000000;
      --sec;
    }
    put32(h, static_cast<std::uint32_t>(sec));
    put32(h + 4, static_cast<std::uint32_t>(opt_.nanosecond ? frac : frac / 1000));
    put32(h + 8, caplen);
    put32(h + 12, pkt.wirelen);
    if (caplen != 0) std::memcpy(h + kRecordHeader, pkt.data, caplen);
    f.end_record(rec, true);
    return true;
  }
};

}  // namespace

std::unique_ptr<FileWriterBase> make_pcap_format(const PacketWriterOptions& o) { return std::make_unique<PcapFormat>(o); }

}  // namespace riptide::file_detail

namespace riptide {

Result<std::unique_ptr<PacketWriter>> PcapWriter::open(const std::string& path, LinkType link, std::uint32_t snaplen,
                                                       bool nanosecond) {
  PacketWriterOptions o;
  o.format = CaptureFormat::pcap;
  o.link = link;
  o.snaplen = snaplen;
  o.nanosecond = nanosecond;
  return open_packet_writer(path, o);
}

}  // namespace riptide
