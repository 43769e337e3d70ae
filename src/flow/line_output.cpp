#include "riptide/flow/line_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "riptide/core/clock.hpp"
#include "riptide/core/fd.hpp"

namespace riptide {

namespace {
// Bumped by request_reopen_all() (a signal handler); each output compares before writing.
std::atomic<std::uint64_t> g_reopen_generation{0};
}  // namespace

void LineOutput::request_reopen_all() noexcept { g_reopen_generation.fetch_add(1, std::memory_order_relaxed); }

Result<std::unique_ptr<LineOutput>> LineOutput::open(const std::string& path, std::string what,
                                                     const RotationPolicy& rotation) {
  if (rotation.active()) {
    if (auto why = check_rotation(path, rotation); !why.empty()) return make_error(Errc::invalid_argument, what + ": " + why);
    auto sched = std::make_unique<RotationSchedule>(path, rotation);
    const std::string first = sched->start(realtime_ns());
    auto out = open(first, std::move(what));
    if (!out) return out.error();
    (*out)->schedule_ = std::move(sched);
    return out;
  }
  if (path == "-") return std::unique_ptr<LineOutput>(new LineOutput(STDOUT_FILENO, "<stdout>", std::move(what), false, false, 0));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    return make_error(err == EACCES || err == EPERM ? Errc::permission : Errc::io,
                      what + ": cannot open " + path + ": " + std::strerror(err));
  }
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  return std::unique_ptr<LineOutput>(new LineOutput(fd, path, std::move(what), true, regular, 0));
}

LineOutput::LineOutput(int fd, std::string target, std::string what, bool owned, bool truncatable,
                       std::uint64_t offset)
    : fd_(fd), target_(std::move(target)), what_(std::move(what)), owned_(owned), truncatable_(truncatable),
      offset_(offset), reopen_seen_(g_reopen_generation.load(std::memory_order_relaxed)) {}

LineOutput::~LineOutput() { close(); }

void LineOutput::close() noexcept {
  if (fd_ < 0) return;
  const int fd = fd_;
  fd_ = -1;
  if (owned_ && ::close(fd) != 0 && errno != EINTR && !error_) fail(errno);
}

bool LineOutput::switch_to(const std::string& name) noexcept {
  close();
  if (error_) return false;
  const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    try {
      target_ = name;
    } catch (...) {
    }
    fail(err);
    return false;
  }
  fd_ = fd;
  offset_ = 0;
  lines_in_file_ = 0;
  try {
    target_ = name;
  } catch (...) {
  }
  return true;
}

bool LineOutput::prepare(std::size_t len) noexcept {
  if (ended_) return false;
  const std::uint64_t gen = g_reopen_generation.load(std::memory_order_relaxed);
  if (gen != reopen_seen_) {
    reopen_seen_ = gen;
    if (owned_ && fd_ >= 0 && !switch_to(std::string(target_))) return false;
  }
  if (!schedule_) return true;
  const TimestampNs now = realtime_ns();
  switch (schedule_->decide(offset_, len, lines_in_file_, now)) {
    case RotationSchedule::Step::same: return true;
    case RotationSchedule::Step::end:
      ended_ = true;
      close();
      return false;
    case RotationSchedule::Step::next: break;
  }
  try {
    return switch_to(schedule_->next(now));
  } catch (...) {
    fail(ENOMEM);
    return false;
  }
}

std::uint64_t LineOutput::write_lines(const char* data, std::size_t len, std::uint64_t lines) noexcept {
  const std::uint64_t max = schedule_ ? schedule_->policy().max_bytes : 0;
  if (max == 0) return write_chunk(data, len, lines);
  // Rotating by size: the batch is cut at line ends so that each file stays within the size
  // (a single longer line gets a file of its own).
  std::uint64_t done = 0, seen = 0;
  std::size_t pos = 0;
  while (pos < len) {
    const std::size_t room = offset_ < max ? static_cast<std::size_t>(max - offset_) : 0;
    std::size_t end = pos, n = 0;
    for (std::size_t i = pos; i < len && (i - pos < room || n == 0); ++i) {
      if (data[i] != '\n') continue;
      if (i + 1 - pos > room && (n != 0 || lines_in_file_ != 0)) break;
      end = i + 1;
      ++n;
    }
    if (n == 0) {  // the next line does not fit in what is left: a new file takes it
      end = static_cast<std::size_t>(std::find(data + pos, data + len, '\n') - data) + 1;
      n = 1;
    }
    end = std::min(end, len);
    done += write_chunk(data + pos, end - pos, n);
    seen += n;
    pos = end;
    if (error_ || ended_) break;
  }
  if (seen < lines) dropped_ += lines - seen;
  return done;
}

std::uint64_t LineOutput::write_chunk(const char* data, std::size_t len, std::uint64_t lines) noexcept {
  if (!error_ && fd_ >= 0 && !prepare(len)) {
    dropped_ += lines;
    return 0;
  }
  if (error_ || fd_ < 0) {
    dropped_ += lines;
    return 0;
  }
  std::size_t done = 0;
  while (done < len) {
    const ssize_t w = retry_eintr([&] { return ::write(fd_, data + done, len - done); });
    if (w > 0) {
      done += static_cast<std::size_t>(w);
      continue;
    }
    const int err = w < 0 ? errno : EIO;
    // Keep the complete lines that went out; take back the cut-off one where we can.
    std::size_t keep = done;
    while (keep > 0 && data[keep - 1] != '\n') --keep;
    const auto whole = static_cast<std::uint64_t>(std::count(data, data + keep, '\n'));
    const auto end = static_cast<off_t>(offset_ + keep);
    if (keep < done && truncatable_ && ::ftruncate(fd_, end) == 0) ::lseek(fd_, end, SEEK_SET);
    offset_ += keep;
    written_ += whole;
    dropped_ += lines - std::min(whole, lines);
    fail(err);
    return whole;
  }
  offset_ += len;
  written_ += lines;
  lines_in_file_ += lines;
  return lines;
}

void LineOutput::fail(int err) noexcept {
  try {
    error_ = make_error(Errc::io, what_ + ": write to " + target_ + " failed: " + std::strerror(err != 0 ? err : EIO) +
                                      "; further records are counted, not written");
    std::fprintf(stderr, "riptide: %s\n", error_->message.c_str());
  } catch (...) {
    error_ = Error{Errc::io, ""};
  }
}

}  // namespace riptide
