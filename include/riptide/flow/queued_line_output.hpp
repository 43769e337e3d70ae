#pragma once
// A LineOutput written by a thread of its own: whoever makes a record (an analyzer on a packet
// thread, a pool thread, the engine at the end of a run) hands the whole line to a bounded
// queue and goes on; the output thread writes what is queued, many lines per write(). A slow
// or full disk therefore costs records, never a stalled capture thread: a line that finds
// the queue full is dropped and counted in queue_full() (and in dropped()).
//
// Meant for records that come a few per second or fewer (heavy-hitter windows, the seq-check
// summary): push() takes a mutex and may allocate, once per record, never per packet. Flow
// records, which come per packet, have their lock-free rings (flow_output.hpp).
//
// Accounting, exact after close(): lines offered = written() + dropped(), where dropped()
// includes queue_full().
//
// Example:
//   auto o = QueuedLineOutput::open("windows.jsonl", "heavy-hitters");
//   (*o)->push(std::move(line));   // any thread; no newline in `line`
//   (*o)->close();                 // writes what is queued, ends the thread, closes the file
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "riptide/core/result.hpp"
#include "riptide/flow/line_output.hpp"

namespace riptide {

class QueuedLineOutput {
 public:
  static constexpr std::size_t kDefaultQueueLines = 256;

  // Opens the file as LineOutput::open does (errors before any capture) and starts the thread.
  static Result<std::unique_ptr<QueuedLineOutput>> open(const std::string& path, std::string what,
                                                        std::size_t max_queued_lines = kDefaultQueueLines,
                                                        const RotationPolicy& rotation = {});
  ~QueuedLineOutput();
  QueuedLineOutput(const QueuedLineOutput&) = delete;
  QueuedLineOutput& operator=(const QueuedLineOutput&) = delete;

  // Queues `line` (without its newline). False when the queue is full or the output closed:
  // the line is counted as dropped. Never waits for the disk.
  bool push(std::string line) noexcept;
  // Waits until every line queued before the call has been written (or counted as dropped).
  void flush();
  // Writes everything queued, stops the thread, closes the file. Idempotent.
  void close() noexcept;

  std::uint64_t written() const noexcept { return written_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const noexcept {
    return write_dropped_.load(std::memory_order_relaxed) + queue_full();
  }
  std::uint64_t queue_full() const noexcept { return queue_full_.load(std::memory_order_relaxed); }
  std::uint64_t queued_now() const;
  std::optional<Error> error() const;
  std::string target() const;  // the path (the current file when rotating), or "<stdout>"
  int fd() const;              // the file descriptor, -1 once closed

 private:
  QueuedLineOutput(std::unique_ptr<LineOutput> out, std::size_t max_lines);
  void run() noexcept;
  void write_batch(std::vector<std::string>& lines) noexcept;

  const std::size_t max_lines_;
  mutable std::mutex mu_;  // the queue and the state below
  std::condition_variable cv_, done_cv_;
  std::vector<std::string> queue_;
  std::uint64_t accepted_ = 0, handled_ = 0;  // lines queued, lines the thread is done with
  bool stop_ = false, closed_ = false;
  std::unique_ptr<LineOutput> out_;  // written by the thread only; read under status_mu_
  mutable std::mutex status_mu_;
  std::string buf_;  // the thread's write buffer
  std::atomic<std::uint64_t> written_{0}, write_dropped_{0}, queue_full_{0};
  std::thread thread_;
};

}  // namespace riptide
