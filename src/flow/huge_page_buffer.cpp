#include "flow/huge_page_buffer.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <new>
#include <utility>

namespace riptide::flow_detail {

namespace {
constexpr std::size_t kHugePage = 2u << 20;
}

HugePageBuffer::HugePageBuffer(std::size_t bytes) {
  // Over-map by one huge page so the start can be aligned to it; the kernel only backs
  // aligned 2 MiB ranges with huge pages.
  const std::size_t want = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  map_len_ = want + (bytes >= kHugePage ? kHugePage : 0);
  map_ = mmap(nullptr, map_len_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    throw std::bad_alloc();
  }
  auto p = reinterpret_cast<std::uintptr_t>(map_);
  if (bytes >= kHugePage) {
    p = (p + kHugePage - 1) & ~(kHugePage - 1);
    // The first huge page stays in 4 KiB pages: a table whose live flows fit there (about
    // 10,000 entries, or the first 512k buckets) costs only the pages it writes, not 2 MiB
    // per buffer the moment its first entry is written. Beyond it the TLB gain is what counts.
    if (want > kHugePage)  // advisory: 4 KiB pages still work
      (void)madvise(reinterpret_cast<void*>(p + kHugePage), want - kHugePage, MADV_HUGEPAGE);
  }
  aligned_ = reinterpret_cast<void*>(p);
}

HugePageBuffer::~HugePageBuffer() { release(); }

HugePageBuffer::HugePageBuffer(HugePageBuffer&& o) noexcept
    : map_(std::exchange(o.map_, nullptr)), map_len_(std::exchange(o.map_len_, 0)), aligned_(std::exchange(o.aligned_, nullptr)) {}

HugePageBuffer& HugePageBuffer::operator=(HugePageBuffer&& o) noexcept {
  if (this != &o) {
    release();
    map_ = std::exchange(o.map_, nullptr);
    map_len_ = std::exchange(o.map_len_, 0);
    aligned_ = std::exchange(o.aligned_, nullptr);
  }
  return *this;
}

void HugePageBuffer::release() noexcept {
  if (map_ != nullptr) munmap(map_, map_len_);
  map_ = nullptr;
  aligned_ = nullptr;
}

}  // namespace riptide::flow_detail
