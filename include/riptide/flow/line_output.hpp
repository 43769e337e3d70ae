#pragma once
// An output of text records, one per line (EVE JSON, heavy-hitter windows, the seq-check
// summary), written straight to a file descriptor so that every record reaches the file
// whole or not at all: a reader never finds half a line, and every record that did not make
// it is counted.
//
// Each write_lines() call is one write() loop (EINTR and partial writes continued). When the
// device refuses the rest (disk full, closed pipe), the complete lines already out count as
// written; a file this object opened is truncated back to the end of the last complete line,
// so the cut-off line disappears. (A pipe or an inherited stdout cannot be taken back; there a
// partial write only happens when the reader has gone.) After the first failure every later
// record is counted as dropped without trying: one failure is one error, not one per line.
//
// Lives in the flow module because it is the lowest one that writes records; the analyzers
// (heavy hitters, seq-check) reuse it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "riptide/core/result.hpp"
#include "riptide/core/rotation.hpp"

namespace riptide {

class LineOutput {
 public:
  // Creates or truncates `path`; "-" is standard output (not closed, never truncated).
  // `what` names the writer in errors ("eve-json"). The file is open when this returns, so a
  // path that cannot be opened fails here, before any capture.
  // With a rotation policy `path` is a pattern (core/rotation.hpp) and the output moves to its
  // next file before a batch of lines that would take the file past the size, or once the
  // interval (wall clock) is over; a file always ends on a whole line. With an interval and a
  // ring but no size, the output ends after its last file: later records are counted in
  // dropped(). A rotating output is never standard output.
  static Result<std::unique_ptr<LineOutput>> open(const std::string& path, std::string what,
                                                  const RotationPolicy& rotation = {});
  // Async-signal-safe: every LineOutput that owns its file closes it and opens it again under
  // its name before its next write (SIGHUP, after logrotate moved the files away).
  static void request_reopen_all() noexcept;
  ~LineOutput();
  LineOutput(const LineOutput&) = delete;
  LineOutput& operator=(const LineOutput&) = delete;

  // `len` bytes holding exactly `lines` complete lines, each ending in '\n'. Returns how many
  // of them were written; the others are counted in dropped().
  std::uint64_t write_lines(const char* data, std::size_t len, std::uint64_t lines) noexcept;
  // Counts `lines` records as lost without writing them (the caller gave up on them).
  void drop(std::uint64_t lines) noexcept { dropped_ += lines; }
  // Closes a file this object opened; a failure (a delayed write error) becomes error().
  void close() noexcept;

  std::uint64_t written() const noexcept { return written_; }
  std::uint64_t dropped() const noexcept { return dropped_; }
  const std::optional<Error>& error() const noexcept { return error_; }
  const std::string& target() const noexcept { return target_; }  // the path, or "<stdout>"
  int fd() const noexcept { return fd_; }                          // -1 once closed

 private:
  LineOutput(int fd, std::string target, std::string what, bool owned, bool truncatable, std::uint64_t offset);
  void fail(int err) noexcept;
  // Before a write of `len` bytes: moves to the next file (rotation) or reopens (SIGHUP).
  // False when the output has no file to write to any more.
  bool prepare(std::size_t len) noexcept;
  bool switch_to(const std::string& name) noexcept;
  std::uint64_t write_chunk(const char* data, std::size_t len, std::uint64_t lines) noexcept;

  int fd_;
  std::string target_, what_;
  bool owned_, truncatable_;
  std::uint64_t offset_;  // end of the last complete line (truncatable files)
  std::uint64_t written_ = 0, dropped_ = 0;
  std::optional<Error> error_;
  std::unique_ptr<RotationSchedule> schedule_;  // rotating outputs only
  std::uint64_t lines_in_file_ = 0;
  std::uint64_t reopen_seen_ = 0;
  bool ended_ = false;
};

}  // namespace riptide
