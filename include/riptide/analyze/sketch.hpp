#pragma once
// Fixed-memory stream summaries for analyzers: Space-Saving (heavy hitters with per-key error
// bounds), Count-Min (frequency upper bounds for any key) and Shannon entropy of a histogram.
// Nothing here allocates after construction, throws or locks, so updates are fit for the
// packet path.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <unordered_map>
#include <vector>

#include "riptide/decode/metadata.hpp"
#include "riptide/decode/flow_key.hpp"

namespace riptide {

// 64-bit mix of a 64-bit value (one 128-bit multiply), good enough to index tables by its low bits.
inline std::uint64_t sketch_mix(std::uint64_t x) noexcept {
  return flow_detail::fold_mul(x ^ 0x452821e638d01377ull, 0x9e3779b97f4a7c15ull);
}

struct IpAddrHash {
  std::uint64_t operator()(const IpAddr& a) const noexcept {
    std::uint64_t lo, hi;
    std::memcpy(&lo, a.b.data(), 8);
    std::memcpy(&hi, a.b.data() + 8, 8);
    return sketch_mix(flow_detail::fold_mul(lo ^ 0x243f6a8885a308d3ull, hi ^ 0x13198a2e03707345ull));
  }
};

// Space-Saving (Metwally et al.): at most Capacity monitored keys with weighted counts.
//
// Guarantees, with N = total() the sum of all weights added since clear():
// - a monitored key's true weight w satisfies  count - error <= w <= count;
// - an unmonitored key's true weight is at most min_count();
// - every key with w > N / Capacity is monitored (so the true top keys are found when the
//   distribution is skewed enough), and the sum of all counts equals N.
//
// Cost of add(): one probe of an open-addressing table (linear probing, load <= 1/2) and a
// sift in a min-heap of counts. An existing key only grows, so it sifts towards the leaves,
// where heavy keys already sit: usually no move at all. A new key replacing the minimum costs
// O(log Capacity) moves in the worst case. Keys must be trivially copyable and comparable.
template <class Key, std::size_t Capacity, class Hash>
class SpaceSaving {
  static_assert(Capacity >= 1 && Capacity < (1u << 30), "capacity out of range");

 public:
  struct Entry {
    Key key{};
    std::uint64_t count = 0;
    std::uint64_t error = 0;  // upper bound of the overestimate included in count
  };

  using key_type = Key;
  using hasher = Hash;
  static constexpr std::size_t capacity() noexcept { return Capacity; }

  SpaceSaving() noexcept { clear(); }

  void clear() noexcept {
    n_ = 0;
    total_ = 0;
    slot_.fill(0);
  }

  void add(const Key& k, std::uint64_t w = 1) noexcept {
    total_ += w;
    const std::uint64_t h = hash_(k);
    std::size_t i = static_cast<std::size_t>(h) & kMask;
    while (slot_[i] != 0) {
      const std::uint32_t idx = slot_[i] - 1;
      if (home_[idx] == static_cast<std::uint32_t>(h) && e_[idx].key == k) {
        e_[idx].count += w;
        sift_down(pos_[idx]);
        return;
      }
      i = (i + 1) & kMask;
    }
    if (n_ < Capacity) {
      const std::uint32_t idx = n_++;
      e_[idx] = Entry{k, w, 0};
      home_[idx] = static_cast<std::uint32_t>(h);
      slot_[i] = idx + 1;
      heap_[idx] = idx;
      pos_[idx] = idx;
      sift_up(idx);
      return;
    }
    // Full: the key with the smallest count gives its counter to the newcomer, whose count
    // then includes the evicted count as possible overestimate.
    const std::uint32_t idx = heap_[0];
    erase_slot(idx);
    const std::uint64_t m = e_[idx].count;
    e_[idx] = Entry{k, m + w, m};
    home_[idx] = static_cast<std::uint32_t>(h);
    insert_slot(idx);
    sift_down(0);
  }

  // The monitored entry of `k`, or nullptr.
  const Entry* find(const Key& k) const noexcept {
    const std::uint64_t h = hash_(k);
    for (std::size_t i = static_cast<std::size_t>(h) & kMask; slot_[i] != 0; i = (i + 1) & kMask) {
      const std::uint32_t idx = slot_[i] - 1;
      if (home_[idx] == static_cast<std::uint32_t>(h) && e_[idx].key == k) return &e_[idx];
    }
    return nullptr;
  }

  std::size_t size() const noexcept { return n_; }
  std::uint64_t total() const noexcept { return total_; }
  // Smallest monitored count once every counter is in use, 0 before (counts are then exact).
  std::uint64_t min_count() const noexcept { return n_ < Capacity ? 0 : e_[heap_[0]].count; }
  // Monitored entries, in no particular order.
  std::span<const Entry> entries() const noexcept { return {e_.data(), n_}; }

  // Writes the out.size() largest entries into `out`, largest count first (ties: smaller error
  // first). Returns how many were written. O(size * out.size()), no allocation: meant for small
  // out, or off the packet path.
  std::size_t top(std::span<Entry> out) const noexcept {
    std::size_t have = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      const Entry& e = e_[i];
      if (have == out.size() && !better(e, out[have - 1])) continue;
      std::size_t j = have < out.size() ? have++ : have - 1;
      while (j > 0 && better(e, out[j - 1])) {
        out[j] = out[j - 1];
        --j;
      }
      out[j] = e;
    }
    return have;
  }

 private:
  static constexpr std::size_t table_size() noexcept {
    std::size_t s = 1;
    while (s < 2 * Capacity) s <<= 1;
    return s;
  }
  static constexpr std::size_t kTable = table_size();
  static constexpr std::size_t kMask = kTable - 1;

  static bool better(const Entry& a, const Entry& b) noexcept {
    return a.count != b.count ? a.count > b.count : a.error < b.error;
  }
  std::uint64_t count_at(std::uint32_t heap_pos) const noexcept { return e_[heap_[heap_pos]].count; }
  void place(std::uint32_t heap_pos, std::uint32_t idx) noexcept {
    heap_[heap_pos] = idx;
    pos_[idx] = heap_pos;
  }
  void sift_up(std::uint32_t p) noexcept {
    const std::uint32_t idx = heap_[p];
    const std::uint64_t c = e_[idx].count;
    while (p > 0) {
      const std::uint32_t parent = (p - 1) / 2;
      if (count_at(parent) <= c) break;
      place(p, heap_[parent]);
      p = parent;
    }
    place(p, idx);
  }
  void sift_down(std::uint32_t p) noexcept {
    const std::uint32_t idx = heap_[p];
    const std::uint64_t c = e_[idx].count;
    for (;;) {
      std::uint32_t child = 2 * p + 1;
      if (child >= n_) break;
      if (child + 1 < n_ && count_at(child + 1) < count_at(child)) ++child;
      if (count_at(child) >= c) break;
      place(p, heap_[child]);
      p = child;
    }
    place(p, idx);
  }
  void insert_slot(std::uint32_t idx) noexcept {
    std::size_t i = home_[idx] & kMask;
    while (slot_[i] != 0) i = (i + 1) & kMask;
    slot_[i] = idx + 1;
  }
  // Linear-probing deletion by backward shift: no tombstones, so probe chains stay short.
  void erase_slot(std::uint32_t idx) noexcept {
    std::size_t i = home_[idx] & kMask;
    while (slot_[i] != idx + 1) i = (i + 1) & kMask;
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & kMask;
      if (slot_[j] == 0) break;
      const std::size_t home = home_[slot_[j] - 1] & kMask;
      // The entry at j may move to the hole at i only if its home is not in (i, j] cyclically.
      const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (!stays) {
        slot_[i] = slot_[j];
        i = j;
      }
    }
    slot_[i] = 0;
  }

  [[no_unique_address]] Hash hash_{};
  std::uint32_t n_ = 0;
  std::uint64_t total_ = 0;
  std::array<Entry, Capacity> e_{};
  std::array<std::uint32_t, Capacity> home_{};  // low 32 bits of each entry's hash
  std::array<std::uint32_t, Capacity> heap_{};  // min-heap of entry indices by count
  std::array<std::uint32_t, Capacity> pos_{};   // entry index -> heap position
  std::array<std::uint32_t, kTable> slot_{};    // entry index + 1; 0 = empty
};

// Count-Min sketch (Cormode & Muthukrishnan) over pre-hashed 64-bit keys.
//
// estimate(k) never underestimates the true weight of k. With width w (rounded up to a power
// of two) and depth d, estimate(k) <= true + (e / w) * total() with probability at least
// 1 - exp(-d). Memory is w * d counters, allocated once by the constructor.
class CountMin {
 public:
  static constexpr std::uint32_t kMaxWidth = 1u << 24;
  static constexpr std::uint32_t kMaxDepth = 16;

  // width is clamped to [1, kMaxWidth] and rounded up to a power of two; depth to [1, kMaxDepth].
  CountMin(std::uint32_t width, std::uint32_t depth);

  void add(std::uint64_t key_hash, std::uint64_t w = 1) noexcept {
    total_ += w;
    const std::uint64_t h1 = key_hash, h2 = sketch_mix(key_hash) | 1;
    std::uint64_t* row = cells_.data();
    for (std::uint32_t r = 0; r < depth_; ++r, row += width_) row[(h1 + r * h2) & mask_] += w;
  }
  std::uint64_t estimate(std::uint64_t key_hash) const noexcept {
    const std::uint64_t h1 = key_hash, h2 = sketch_mix(key_hash) | 1;
    const std::uint64_t* row = cells_.data();
    std::uint64_t best = ~std::uint64_t{0};
    for (std::uint32_t r = 0; r < depth_; ++r, row += width_) {
      const std::uint64_t v = row[(h1 + r * h2) & mask_];
      if (v < best) best = v;
    }
    return best;
  }
  void clear() noexcept;
  // Adds the counters of `o`, a sketch of another stream (another thread's): the result is
  // the sketch of both streams, with the same guarantee. False, and nothing changed, when
  // the two differ in width or depth.
  bool merge(const CountMin& o) noexcept;

  std::uint32_t width() const noexcept { return width_; }
  std::uint32_t depth() const noexcept { return depth_; }
  std::uint64_t total() const noexcept { return total_; }

 private:
  std::uint32_t width_, depth_;
  std::uint64_t mask_;
  std::uint64_t total_ = 0;
  std::vector<std::uint64_t> cells_;  // depth rows of width counters
};

// The top of the union of several Space-Saving summaries (one per thread, say), written into
// `out` largest count first; returns how many. A key that one summary does not monitor may
// still have had up to that summary's min_count() there: that much is added to its count and
// to its error bound, so `count - error <= true weight <= count` holds for the union too.
// While no summary is full (min_count() 0) the counts are exact sums. Ties are broken by the
// key's bytes, so the order does not depend on how the stream was split. Null parts are
// skipped. Allocates: meant for the end of a period, off the packet path.
template <class SS>
std::size_t merged_top(std::span<const SS* const> parts, std::span<typename SS::Entry> out) {
  using Entry = typename SS::Entry;
  struct Acc {
    std::uint64_t count = 0, error = 0, covered = 0;
  };
  std::unordered_map<typename SS::key_type, Acc, typename SS::hasher> acc;
  std::uint64_t missing = 0;  // sum of every part's floor
  for (const SS* p : parts) {
    if (p == nullptr) continue;
    const std::uint64_t floor = p->min_count();
    missing += floor;
    for (const Entry& e : p->entries()) {
      Acc& a = acc[e.key];
      a.count += e.count;
      a.error += e.error;
      a.covered += floor;
    }
  }
  std::vector<Entry> all;
  all.reserve(acc.size());
  for (const auto& [k, a] : acc) all.push_back(Entry{k, a.count + missing - a.covered, a.error + missing - a.covered});
  const std::size_t n = std::min(out.size(), all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), [](const Entry& x, const Entry& y) {
    if (x.count != y.count) return x.count > y.count;
    if (x.error != y.error) return x.error < y.error;
    return std::memcmp(&x.key, &y.key, sizeof x.key) < 0;
  });
  std::copy_n(all.begin(), n, out.begin());
  return n;
}

// Shannon entropy in bits of the distribution given by `counts` (zeros ignored); 0 when empty.
double shannon_entropy_bits(std::span<const std::uint64_t> counts) noexcept;

}  // namespace riptide
