#pragma once
// Zeroed memory for big lookup tables, backed by transparent huge pages where the kernel
// allows (THP "madvise" mode is Debian's default). Random lookups over tens of megabytes of
// 4 KiB pages miss the TLB on almost every packet; 2 MiB pages remove most of those walks.
#include <cstddef>

namespace riptide::flow_detail {

class HugePageBuffer {
 public:
  HugePageBuffer() = default;
  explicit HugePageBuffer(std::size_t bytes);  // throws std::bad_alloc when mmap fails
  ~HugePageBuffer();
  HugePageBuffer(HugePageBuffer&& o) noexcept;
  HugePageBuffer& operator=(HugePageBuffer&& o) noexcept;
  HugePageBuffer(const HugePageBuffer&) = delete;
  HugePageBuffer& operator=(const HugePageBuffer&) = delete;

  void* data() const noexcept { return aligned_; }

 private:
  void release() noexcept;
  void* map_ = nullptr;
  std::size_t map_len_ = 0;
  void* aligned_ = nullptr;
};

}  // namespace riptide::flow_detail
