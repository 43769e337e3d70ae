#pragma once
// One capture thread's queue to the packet output thread: a preallocated byte ring of copied
// packets (single producer, single consumer). The producer copies a batch and publishes it
// with one release store; a packet that does not fit is counted, never waited for (unless
// the ring was made for a file, where waiting loses nothing). No allocation, lock or system
// call per packet.
//
// A record is a 24-byte header and the bytes, padded to 8. Positions only grow; a record
// never wraps: when it does not fit before the end, a marker (caplen ~0) sends the reader
// back to the start.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "riptide/core/packet.hpp"

namespace riptide::file_detail {

// The StoreLoad fence of a sleep/wake handshake. TSan does not model fences: a seq_cst
// read-modify-write on a private word stands in there.
inline void full_fence() noexcept {
#if defined(__SANITIZE_THREAD__)
  static std::atomic<std::uint32_t> dummy{0};
  dummy.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

struct RingRecord {
  std::uint32_t caplen;  // ~0: wrap marker
  std::uint32_t wirelen;
  std::int64_t ts_ns;
  std::uint32_t ifindex;
  std::uint16_t link;
  std::uint16_t dir;
};
static_assert(sizeof(RingRecord) == 24);

constexpr std::uint32_t kWrapMarker = ~0u;

inline std::size_t ring_record_bytes(std::uint32_t caplen) noexcept {
  return (sizeof(RingRecord) + caplen + 7) & ~std::size_t{7};
}

class PacketRing {
 public:
  explicit PacketRing(std::size_t bytes) : cap_((bytes + 7) & ~std::size_t{7}), buf_(new std::uint8_t[cap_]) {}

  std::size_t capacity() const noexcept { return cap_; }
  // A record this large is always refused: waiting for room would never end.
  bool ever_fits(std::uint32_t caplen) const noexcept { return ring_record_bytes(caplen) <= cap_ / 2; }

  // Producer. Copies one packet (cut to `snaplen`); false when it does not fit now.
  bool put(const PacketView& p, std::uint32_t snaplen) noexcept {
    const std::uint32_t caplen = p.caplen < snaplen ? p.caplen : snaplen;
    const std::size_t need = ring_record_bytes(caplen);
    if (need > cap_ / 2) return false;  // see ever_fits()
    std::size_t idx = static_cast<std::size_t>(p_tail_ % cap_);
    const std::size_t room_to_end = cap_ - idx;
    const std::size_t total = need + (room_to_end < need ? room_to_end : 0);
    if (p_tail_ + total - p_head_ > cap_) {
      p_head_ = head_.load(std::memory_order_acquire);
      if (p_tail_ + total - p_head_ > cap_) return false;
    }
    if (room_to_end < need) {
      std::memcpy(buf_.get() + idx, &kWrapMarker, sizeof kWrapMarker);
      p_tail_ += room_to_end;
      idx = 0;
    }
    RingRecord h{caplen, p.wirelen, p.ts_ns, p.ifindex, static_cast<std::uint16_t>(p.link),
                 static_cast<std::uint16_t>(p.dir)};
    std::memcpy(buf_.get() + idx, &h, sizeof h);
    if (caplen != 0) std::memcpy(buf_.get() + idx + sizeof h, p.data, caplen);
    p_tail_ += need;
    return true;
  }
  // Producer: makes every put() so far visible to the consumer.
  void publish() noexcept { tail_.store(p_tail_, std::memory_order_release); }
  // Producer: bytes in use as last seen (for deciding to wake the consumer early).
  std::uint64_t used_estimate() const noexcept { return p_tail_ - p_head_; }

  // Consumer. The packet at the read position (its bytes stay valid until release()), or
  // false when the ring is empty up to the last publish.
  bool peek(PacketView& v) noexcept {
    for (;;) {
      if (c_pos_ == c_tail_) {
        c_tail_ = tail_.load(std::memory_order_acquire);
        if (c_pos_ == c_tail_) return false;
      }
      const std::size_t idx = static_cast<std::size_t>(c_pos_ % cap_);
      RingRecord h;
      std::memcpy(&h.caplen, buf_.get() + idx, sizeof h.caplen);
      if (h.caplen == kWrapMarker) {
        c_pos_ += cap_ - idx;
        continue;
      }
      std::memcpy(&h, buf_.get() + idx, sizeof h);
      v.data = buf_.get() + idx + sizeof h;
      v.caplen = h.caplen;
      v.wirelen = h.wirelen;
      v.ts_ns = h.ts_ns;
      v.ifindex = h.ifindex;
      v.link = static_cast<LinkType>(h.link);
      v.dir = static_cast<Direction>(h.dir);
      v.vlan_tci = v.vlan_tpid = 0;
      return true;
    }
  }
  // Consumer: moves past the packet peek() returned.
  void pop(const PacketView& v) noexcept { c_pos_ += ring_record_bytes(v.caplen); }
  // Consumer: hands the space of every popped packet back to the producer.
  void release() noexcept { head_.store(c_pos_, std::memory_order_release); }
  std::uint64_t consumer_used() const noexcept { return tail_.load(std::memory_order_acquire) - c_pos_; }

 private:
  const std::size_t cap_;
  std::unique_ptr<std::uint8_t[]> buf_;
  alignas(64) std::atomic<std::uint64_t> tail_{0};
  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::uint64_t p_tail_ = 0, p_head_ = 0;  // producer's own
  alignas(64) std::uint64_t c_pos_ = 0, c_tail_ = 0;   // consumer's own
};

}  // namespace riptide::file_detail
