#include "file/record_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace riptide::file_detail {
namespace {
constexpr std::size_t kBufferBytes = 1 << 20;
}  // namespace

Result<std::unique_ptr<RecordFile>> RecordFile::open(const std::string& path) {
  if (path == "-") return std::unique_ptr<RecordFile>(new RecordFile("<stdout>", STDOUT_FILENO, false, false));
  const int fd = retry_eintr([&] { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644); });
  if (fd < 0) {
    const int e = errno;
    const Errc c = e == EACCES || e == EPERM ? Errc::permission : e == ENOENT ? Errc::not_found : Errc::io;
    return make_error(c, path + ": cannot create: " + std::strerror(e));
  }
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  return std::unique_ptr<RecordFile>(new RecordFile(path, fd, true, regular));
}

RecordFile::RecordFile(std::string name, int fd, bool owns, bool regular)
    : name_(std::move(name)), fd_(fd), owned_(owns ? fd : -1), regular_(regular), buf_(kBufferBytes) {
  ends_.reserve(kBufferBytes / 64);
}

std::uint8_t* RecordFile::begin_record(std::size_t n) {
  if (failed() || closed_ || n > buf_.size()) return nullptr;
  if (used_ + n > buf_.size()) {
    if (auto r = flush(); !r) return nullptr;
  }
  return buf_.data() + used_;
}

void RecordFile::end_record(std::size_t n, bool packet) {
  used_ += n;
  ends_.push_back(static_cast<std::uint32_t>(used_ << 1 | (packet ? 1u : 0u)));
  if (packet) ++packets_;
}

Result<void> RecordFile::flush() {
  if (failed() || closed_ || used_ == 0) return {};
  std::size_t done = 0;
  if (auto r = write_all(fd_, {buf_.data(), used_}, &done); !r) return fail_after(done, r.error().message);
  file_bytes_ += used_;
  used_ = 0;
  ends_.clear();
  return {};
}

Result<void> RecordFile::close() {
  if (closed_) return {};
  Result<void> r = flush();
  closed_ = true;
  if (auto c = owned_.close(); !c && r.ok() && !failed()) {
    error_ = make_error(Errc::io, name_ + ": close failed: " + c.error().message);
    r = *error_;
  }
  fd_ = -1;
  return r;
}

// `done` bytes of the buffer reached the file: keep the records wholly inside them.
Result<void> RecordFile::fail_after(std::size_t done, const std::string& why) {
  std::size_t keep = 0;
  std::uint64_t lost = 0;
  for (const std::uint32_t e : ends_) {
    const std::size_t end = e >> 1;
    if (end <= done) {
      keep = end;
    } else if ((e & 1u) != 0) {
      ++lost;
    }
  }
  packets_ -= lost;
  lost_packets_ += lost;
  const std::uint64_t size = file_bytes_ + keep;
  file_bytes_ = size;
  used_ = 0;
  ends_.clear();
  std::string msg = name_ + ": write failed: " + why + "; ";
  if (regular_) {
    if (::ftruncate(fd_, static_cast<off_t>(size)) == 0) {
      msg += "file cut back to " + std::to_string(size) + " bytes, " + std::to_string(packets_) + " complete records";
    } else {
      msg += "could not cut the file back to " + std::to_string(size) + " bytes: " + std::strerror(errno);
    }
  } else {
    msg += std::to_string(packets_) + " complete records written";
  }
  error_ = make_error(Errc::io, std::move(msg));
  return *error_;
}

}  // namespace riptide::file_detail
