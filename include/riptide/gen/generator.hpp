#pragma once
// Generator: the send loop. Builds frames from per-flow templates into buffers allocated
// once, paces them by batch (or burst) and hands each batch to a FrameSink: a TxSocket for
// live traffic, a pcap file for --pcap-out. Nothing is allocated inside the loop.
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>

#include "riptide/core/result.hpp"
#include "riptide/gen/frame_builder.hpp"
#include "riptide/gen/pacer.hpp"
#include "riptide/gen/size_mix.hpp"

namespace riptide {
class TxSocket;
class PacketWriter;
}  // namespace riptide

namespace riptide::gen {

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // ts_ns[i] is frame i's timestamp (the one in its payload). Returns frames accepted.
  virtual std::size_t send(std::span<const std::span<const std::uint8_t>> frames,
                           std::span<const std::int64_t> ts_ns) noexcept = 0;
  virtual std::uint64_t failed() const noexcept = 0;
  virtual std::uint64_t retried() const noexcept { return 0; }
};

// Sends on a TxSocket (the sink does not own it).
class TxSocketSink final : public FrameSink {
 public:
  explicit TxSocketSink(TxSocket& s) noexcept : sock_(s) {}
  std::size_t send(std::span<const std::span<const std::uint8_t>> frames,
                   std::span<const std::int64_t> ts_ns) noexcept override;
  std::uint64_t failed() const noexcept override;
  std::uint64_t retried() const noexcept override;

 private:
  TxSocket& sock_;
};

// Writes to a pcap file; a write error stops accepting frames (failed counts them).
class PcapSink final : public FrameSink {
 public:
  explicit PcapSink(PacketWriter& w) noexcept : w_(w) {}
  std::size_t send(std::span<const std::span<const std::uint8_t>> frames,
                   std::span<const std::int64_t> ts_ns) noexcept override;
  std::uint64_t failed() const noexcept override { return failed_; }
  const Error* error() const noexcept { return has_error_ ? &error_ : nullptr; }

 private:
  PacketWriter& w_;
  std::uint64_t failed_ = 0;
  bool has_error_ = false;
  Error error_;
};

enum class FlowOrder : std::uint8_t { round_robin, random };

struct GenOptions {
  double rate_pps = 0;        // 0: as fast as the sink takes them
  std::uint64_t count = 0;    // 0: no limit
  double duration_s = 0;      // 0: no limit (clock time: virtual time for pcap output)
  std::uint32_t batch = 64;   // frames per sink call
  std::uint32_t burst = 0;    // frames per pacing step; 0: one batch
  FlowOrder order = FlowOrder::round_robin;
  std::uint64_t seed = 1;     // random flow order
  // Timestamps of a granule's frames spaced by 1/rate (files on a virtual clock) instead of
  // all carrying the granule's send time (live traffic).
  bool spread_timestamps = false;
};

struct GenReport {
  std::uint64_t attempted = 0;
  std::uint64_t sent = 0;
  std::uint64_t failed = 0;
  std::uint64_t retried = 0;
  std::uint64_t bytes = 0;     // bytes of the accepted frames, no FCS
  double elapsed_s = 0;
  double pps() const noexcept { return elapsed_s > 0 ? double(sent) / elapsed_s : 0; }
  double mbps() const noexcept { return elapsed_s > 0 ? double(bytes) * 8 / elapsed_s / 1e6 : 0; }
};

class Generator {
 public:
  // Fails when the size mix does not fit the builder's frames (too small or too large).
  static Result<Generator> create(const FrameBuilder& builder, const SizeMix& sizes, const GenOptions& opts);

  // Runs until count/duration or *stop. `clock` paces and timestamps.
  GenReport run(FrameSink& sink, PacerClock& clock, const std::atomic<bool>* stop = nullptr);

 private:
  Generator(const FrameBuilder& b, const SizeMix& s, const GenOptions& o);
  const FrameBuilder* builder_;
  SizeMix sizes_;
  GenOptions opts_;
};

}  // namespace riptide::gen
