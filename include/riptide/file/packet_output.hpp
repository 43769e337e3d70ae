#pragma once
// The packet output (-w): capture threads hand copies of their packets to one output thread
// that writes the file(s), so a slow disk or reader never stalls capture.
//
// Each capture thread has its own bounded queue (a preallocated byte ring). push() copies a
// batch into it with no allocation, lock or system call per packet; when the queue is full
// the packets that do not fit are counted as this output's drops (queue_drops) and capture
// goes on, unless the output was made for a file read (wait_when_full), where waiting loses
// nothing. The output thread merges the queues by timestamp, so one file's packets are in
// time order across capture threads: a packet is written once every other queue has shown a
// packet (or an idle() mark) at least as late; a queue that stays silent holds the others back
// at most `max_hold`, and a queue past half full is never held.
//
// Files are flushed after every batch the output thread takes with flush_every_batch (-U),
// otherwise at least every flush_interval. request_reopen() (SIGHUP) closes the current file
// and opens it again under its name. At the end, every packet offered is exactly one of:
// written, queue_drops, not_written (write failure, pcap link-type mismatch) or
// beyond_last_file (-G with -W ended the output).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "riptide/core/packet.hpp"
#include "riptide/core/result.hpp"
#include "riptide/file/packet_writer.hpp"

namespace riptide {

struct PacketOutputConfig {
  std::string path;  // "-": standard output
  PacketWriterOptions writer;
  std::size_t producers = 1;
  std::size_t queue_bytes = 8u << 20;  // per producer
  bool flush_every_batch = false;      // -U
  std::chrono::milliseconds flush_interval{1000};
  bool wait_when_full = false;         // a file read: wait for room instead of dropping
  std::chrono::milliseconds max_hold{1000};
  std::optional<TimestampNs> start_ns;  // see open_packet_writer
};

struct PacketOutputStats {
  std::uint64_t offered = 0;        // packets handed to push()
  std::uint64_t queue_drops = 0;    // did not fit in a full queue
  std::uint64_t written = 0;
  std::uint64_t link_mismatch = 0;  // pcap: another link type than the file's
  std::uint64_t failed = 0;         // lost to a write failure
  std::uint64_t beyond_last_file = 0;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t out_of_order = 0;   // written before an earlier packet of another queue
};

class PacketOutput {
 public:
  // Opens the first file (a path that cannot be created fails here, before capture).
  static Result<std::unique_ptr<PacketOutput>> open(const PacketOutputConfig& cfg);
  ~PacketOutput();
  PacketOutput(const PacketOutput&) = delete;
  PacketOutput& operator=(const PacketOutput&) = delete;

  // Starts the output thread. `on_ended` is called from it once -G with -W closed its last
  // file (the run may stop then).
  Result<void> start(std::function<void()> on_ended = {});

  // Capture thread `producer` only: copies the packets; returns how many were queued.
  std::size_t push(std::size_t producer, std::span<const PacketView> pkts) noexcept;
  // Capture thread `producer` only, when idle: it will not push a packet older than `ts`.
  void idle(std::size_t producer, TimestampNs ts) noexcept;
  // Capture thread `producer` only: it pushes nothing more.
  void producer_done(std::size_t producer) noexcept;

  void request_reopen() noexcept;  // async-signal-safe
  // Waits (at most `limit`) for the queues to drain once every producer is done, closes the
  // file and ends the thread. Returns false when the limit passed first (the thread is left
  // running; it closes the file when it gets there).
  bool finish(std::chrono::milliseconds limit);

  PacketOutputStats stats() const noexcept;
  // The first write or open failure ("" none).
  std::string error() const;
  const std::string& path() const noexcept;

  struct Impl;

 private:
  explicit PacketOutput(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace riptide
