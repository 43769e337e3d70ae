#pragma once
// Builds small pcap/pcapng files byte by byte, in either byte order, for fault tests.
#include <cstdint>
#include <string>
#include <vector>

namespace riptide::test {

class Bytes {
 public:
  explicit Bytes(bool big_endian = false) : be_(big_endian) {}
  Bytes& u8(std::uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  Bytes& u16(std::uint16_t v) { return put(v, 2); }
  Bytes& u32(std::uint32_t v) { return put(v, 4); }
  Bytes& u64(std::uint64_t v) { return put(v, 8); }
  Bytes& raw(const std::vector<std::uint8_t>& v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  Bytes& pad4() {
    while (b_.size() % 4 != 0) b_.push_back(0);
    return *this;
  }
  std::vector<std::uint8_t>& vec() { return b_; }
  std::size_t size() const { return b_.size(); }
  bool big_endian() const { return be_; }

 private:
  Bytes& put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b_.push_back(static_cast<std::uint8_t>(v >> (8 * (be_ ? n - 1 - i : i))));
    return *this;
  }
  bool be_;
  std::vector<std::uint8_t> b_;
};

inline std::vector<std::uint8_t> payload(std::size_t n, std::uint8_t seed = 1) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i);
  return v;
}

// Classic pcap.
inline Bytes pcap_header(bool be, bool nano, std::uint32_t snaplen, std::uint32_t linkfield) {
  Bytes b(be);
  b.u32(nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(snaplen).u32(linkfield);
  return b;
}
inline void pcap_record(Bytes& b, std::uint32_t sec, std::uint32_t frac, const std::vector<std::uint8_t>& data,
                        std::uint32_t wirelen, std::uint32_t caplen_field) {
  b.u32(sec).u32(frac).u32(caplen_field).u32(wirelen).raw(data);
}

// pcapng: every block is type, total length, body, total length.
inline void ng_block(Bytes& b, std::uint32_t type, const std::vector<std::uint8_t>& body) {
  const auto len = static_cast<std::uint32_t>(12 + ((body.size() + 3) & ~std::size_t{3}));
  b.u32(type).u32(len).raw(body).pad4().u32(len);
}
inline void ng_section(Bytes& b) {
  Bytes body(b.big_endian());
  body.u32(0x1a2b3c4d).u16(1).u16(0).u64(~std::uint64_t{0});
  ng_block(b, 0x0a0d0d0a, body.vec());
}
// tsresol < 0: no option. tsoffset: seconds.
inline void ng_interface(Bytes& b, std::uint16_t link, std::uint32_t snaplen, int tsresol = -1,
                         std::int64_t tsoffset = 0) {
  Bytes body(b.big_endian());
  body.u16(link).u16(0).u32(snaplen);
  if (tsresol >= 0) body.u16(9).u16(1).u8(static_cast<std::uint8_t>(tsresol)).pad4();
  if (tsoffset != 0) body.u16(14).u16(8).u64(static_cast<std::uint64_t>(tsoffset));
  body.u16(0).u16(0);
  ng_block(b, 1, body.vec());
}
inline void ng_epb(Bytes& b, std::uint32_t ifid, std::uint64_t ts, const std::vector<std::uint8_t>& data,
                   std::uint32_t wirelen) {
  Bytes body(b.big_endian());
  body.u32(ifid).u32(static_cast<std::uint32_t>(ts >> 32)).u32(static_cast<std::uint32_t>(ts));
  body.u32(static_cast<std::uint32_t>(data.size())).u32(wirelen).raw(data).pad4();
  ng_block(b, 6, body.vec());
}
inline void ng_opb(Bytes& b, std::uint16_t ifid, std::uint64_t ts, const std::vector<std::uint8_t>& data,
                   std::uint32_t wirelen) {
  Bytes body(b.big_endian());
  body.u16(ifid).u16(0).u32(static_cast<std::uint32_t>(ts >> 32)).u32(static_cast<std::uint32_t>(ts));
  body.u32(static_cast<std::uint32_t>(data.size())).u32(wirelen).raw(data).pad4();
  ng_block(b, 2, body.vec());
}
inline void ng_spb(Bytes& b, std::uint32_t wirelen, const std::vector<std::uint8_t>& data) {
  Bytes body(b.big_endian());
  body.u32(wirelen).raw(data).pad4();
  ng_block(b, 3, body.vec());
}

}  // namespace riptide::test
