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

  // Maps a regular file; reads anything else (FIFO, character device) to its end.
  static Result<FileBytes> open(const std::string& path);
  // Reads a descriptor to its end; `name` only labels errors.
  static Result<FileBytes> read_all(int fd, const std::string& name);

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
