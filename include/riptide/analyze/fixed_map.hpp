#pragma once
// FixedMap: per-key state for the packet path with no allocation per packet.
//
// An open-addressing hash table (linear probing) of at most Capacity keys, allocated once at
// construction. A new key when the table is full is refused (upsert returns null) and counted
// in refused(): the caller decides what a refusal means (count it as a drop). There is no
// per-key erase; clear() empties the table in O(keys held), so per-period state
// (bytes per source this second) is cleared at each period boundary for free.
//
// The table has 2 * Capacity slots, so it is at most half full and a probe is short. Keys are
// compared with ==, hashed with Hash (for IpAddr use IpAddrHash from sketch.hpp).
//
// **Example**
//   riptide::FixedMap<riptide::IpAddr, std::uint64_t, 65536, riptide::IpAddrHash> bytes;
//   if (auto* v = bytes.upsert(meta.src)) *v += pkt.wirelen; else ++dropped;   // on_packet
//   bytes.for_each([](const riptide::IpAddr& k, std::uint64_t v) { ... });   // at the period
//   bytes.clear();
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>

namespace riptide {

template <class Key, class Value, std::size_t Capacity, class Hash = std::hash<Key>>
class FixedMap {
  static_assert(Capacity > 0, "a FixedMap holds at least one key");
  static_assert(Capacity <= (std::size_t{1} << 30), "a FixedMap holds at most 2^30 keys");
  static_assert(std::is_trivially_copyable_v<Key>, "keys are copied into the table: trivially copyable only");
  static_assert(std::is_default_constructible_v<Value>, "a new key's value starts as Value{}");
  static_assert(std::is_nothrow_move_assignable_v<Value>, "clear() resets values without throwing");

 public:
  static constexpr std::size_t kSlots = std::bit_ceil(2 * Capacity);

  FixedMap() : slots_(new Slot[kSlots]), used_(new std::uint32_t[Capacity]) {}
  FixedMap(FixedMap&&) noexcept = default;
  FixedMap& operator=(FixedMap&&) noexcept = default;
  // A copy allocates: meant for handing a snapshot off the packet path, not for it.
  FixedMap(const FixedMap& o) : FixedMap() { o.for_each([&](const Key& k, const Value& v) { *upsert(k) = v; }); }
  FixedMap& operator=(const FixedMap& o) {
    if (this != &o) {
      FixedMap t(o);
      *this = std::move(t);
    }
    return *this;
  }

  static constexpr std::size_t capacity() noexcept { return Capacity; }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }
  // New keys refused because the map was full, since construction.
  [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }

  // The value of `k`, inserted as Value{} when absent; null when absent and the map is full.
  [[nodiscard]] Value* upsert(const Key& k) noexcept(std::is_nothrow_default_constructible_v<Value>) {
    std::size_t i = Hash{}(k) & (kSlots - 1);
    for (;;) {
      Slot& s = slots_[i];
      if (!s.full) {
        if (n_ == Capacity) {
          ++refused_;
          return nullptr;
        }
        s.full = true;
        s.key = k;
        s.value = Value{};
        used_[n_++] = static_cast<std::uint32_t>(i);
        return &s.value;
      }
      if (s.key == k) return &s.value;
      i = (i + 1) & (kSlots - 1);
    }
  }

  [[nodiscard]] const Value* find(const Key& k) const noexcept {
    std::size_t i = Hash{}(k) & (kSlots - 1);
    for (;;) {
      const Slot& s = slots_[i];
      if (!s.full) return nullptr;
      if (s.key == k) return &s.value;
      i = (i + 1) & (kSlots - 1);
    }
  }

  // fn(key, value) for every key, in insertion order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (std::size_t j = 0; j < n_; ++j) {
      const Slot& s = slots_[used_[j]];
      fn(s.key, s.value);
    }
  }

  // Empties the map in O(size()); the refused count stays.
  void clear() noexcept {
    for (std::size_t j = 0; j < n_; ++j) {
      Slot& s = slots_[used_[j]];
      s.full = false;
      s.value = Value{};
    }
    n_ = 0;
  }

 private:
  struct Slot {
    Key key{};
    bool full = false;
    Value value{};
  };
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<std::uint32_t[]> used_;  // slot index of each key, in insertion order
  std::size_t n_ = 0;
  std::uint64_t refused_ = 0;
};

}  // namespace riptide
