#pragma once
// The whole contents of a capture file, either mapped (regular files) or held in memory
// (pipes, standard input, fuzzer inputs). Readers hand out views into these bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "riptide/core/result.hpp"

namespace riptide::file_detail {

// Opens `path` read-only; a directory, a missing file or a refused permission is an error
// naming the path. The caller owns the descriptor.
Result<int> open_for_reading(const std::string& path);

class FileBytes {
 public:
  FileBytes() = default;
  explicit FileBytes(std::vector<std::uint8_t> owned) noexcept : owned_(std::move(owned)) {}
  FileBytes(FileBytes&& o) noexcept;
  FileBytes& operator=(FileBytes&& o) noexcept;
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  ~FileBytes();

  // Maps the whole of the regular, non-empty file open on `fd` (the descriptor may be closed
  // afterwards: the mapping stays); `name` labels errors. Other inputs are read through a
  // ByteStream and handed over with take_rest().
  static Result<FileBytes> map(int fd, const std::string& name);

  std::span<const std::uint8_t> bytes() const noexcept {
    if (map_ != nullptr) return {static_cast<const std::uint8_t*>(map_), map_len_};
    return {owned_.data(), owned_.size()};
  }

 private:
  void release() noexcept;
  void* map_ = nullptr;
  std::size_t map_len_ = 0;
  std::vector<std::uint8_t> owned_;
};

}  // namespace riptide::file_detail
