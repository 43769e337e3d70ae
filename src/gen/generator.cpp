#include "riptide/gen/generator.hpp"

#include <algorithm>
#include <vector>

#include "riptide/file/pcap_writer.hpp"
#include "riptide/transmit/tx_socket.hpp"

namespace riptide::gen {

std::size_t TxSocketSink::send(std::span<const std::span<const std::uint8_t>> frames,
                               std::span<const std::int64_t>) noexcept {
  return sock_.send_batch(frames);
}
std::uint64_t TxSocketSink::failed() const noexcept { return sock_.stats().failed; }
std::uint64_t TxSocketSink::retried() const noexcept { return sock_.stats().retried; }

std::size_t PcapSink::send(std::span<const std::span<const std::uint8_t>> frames,
                           std::span<const std::int64_t> ts_ns) noexcept {
  if (has_error_) {
    failed_ += frames.size();
    return 0;
  }
  for (std::size_t i = 0; i < frames.size(); ++i) {
    PacketView v;
    v.data = frames[i].data();
    v.caplen = v.wirelen = std::uint32_t(frames[i].size());
    v.ts_ns = ts_ns[i];
    v.link = LinkType::ethernet;
    auto r = w_.write(v);
    if (!r) {
      has_error_ = true;
      error_ = r.error();
      failed_ += frames.size() - i;
      return i;
    }
  }
  return frames.size();
}

Result<Generator> Generator::create(const FrameBuilder& b, const SizeMix& s, const GenOptions& o) {
  if (s.min() < b.min_frame())
    return make_error(Errc::invalid_argument, "frame size " + std::to_string(s.min()) + " is below the " +
                                                  std::to_string(b.min_frame()) +
                                                  "-byte minimum for these headers and the payload header");
  if (s.max() > FrameBuilder::kMaxFrame)
    return make_error(Errc::invalid_argument, "frame size " + std::to_string(s.max()) + " is above " +
                                                  std::to_string(FrameBuilder::kMaxFrame));
  if (o.batch == 0 || o.batch > 1024) return make_error(Errc::invalid_argument, "batch must be 1..1024");
  if (o.rate_pps < 0) return make_error(Errc::invalid_argument, "rate must be positive");
  return Generator(b, s, o);
}

Generator::Generator(const FrameBuilder& b, const SizeMix& s, const GenOptions& o)
    : builder_(&b), sizes_(s), opts_(o) {}

GenReport Generator::run(FrameSink& sink, PacerClock& clock, const std::atomic<bool>* stop) {
  const std::uint32_t batch = opts_.batch;
  const std::uint32_t granule = opts_.burst ? opts_.burst : batch;
  const std::uint32_t slot = sizes_.max();
  // Zero-filled once: frames only ever overwrite their headers, so padding stays zero.
  std::vector<std::uint8_t> buf(std::size_t(batch) * slot, 0);
  std::vector<std::span<const std::uint8_t>> frames(batch);
  std::vector<std::int64_t> ts(batch);
  std::vector<std::uint64_t> seq(builder_->flows(), 0);
  std::uint64_t rng = opts_.seed;
  std::uint32_t rr = 0;
  const std::uint32_t nflows = builder_->flows();

  PacerConfig pc;
  pc.rate_pps = opts_.rate_pps;
  Pacer pacer(pc, clock);
  GenReport rep;
  const std::uint64_t fail0 = sink.failed(), retry0 = sink.retried();
  pacer.start();
  const std::int64_t t0 = pacer.start_ns();
  const std::int64_t dur_ns = opts_.duration_s > 0 ? std::int64_t(opts_.duration_s * 1e9) : 0;
  const double ns_per_frame = opts_.spread_timestamps && opts_.rate_pps > 0 ? 1e9 / opts_.rate_pps : 0;

  for (;;) {
    if (stop && stop->load(std::memory_order_relaxed)) break;
    if (dur_ns && clock.now_ns() - t0 >= dur_ns) break;
    std::uint64_t want = granule;
    if (opts_.count) {
      if (rep.attempted >= opts_.count) break;
      want = std::min<std::uint64_t>(want, opts_.count - rep.attempted);
    }
    pacer.acquire(std::uint32_t(want));
    const std::int64_t wall = clock.wall_ns();
    std::uint64_t in_granule = 0;
    while (in_granule < want) {
      const std::uint32_t n = std::uint32_t(std::min<std::uint64_t>(batch, want - in_granule));
      for (std::uint32_t i = 0; i < n; ++i) {
        std::uint32_t flow;
        if (opts_.order == FlowOrder::random) {
          flow = std::uint32_t(splitmix64(rng) % nflows);
        } else {
          flow = rr;
          rr = rr + 1 == nflows ? 0 : rr + 1;
        }
        const std::uint32_t size = sizes_.next();
        // acquire() returned when the granule's last token came due: earlier frames of the
        // granule were due one frame interval apart before it.
        ts[i] = wall - std::int64_t(double(want - 1 - (in_granule + i)) * ns_per_frame);
        std::span<std::uint8_t> out(buf.data() + std::size_t(i) * slot, slot);
        builder_->write(flow, seq[flow]++, ts[i], size, out);
        frames[i] = {out.data(), size};
      }
      const std::size_t ok = sink.send({frames.data(), n}, {ts.data(), n});
      rep.attempted += n;
      rep.sent += ok;
      // A partial acceptance (device error) is rare: the bytes are counted as if the first
      // `ok` frames went.
      for (std::size_t i = 0; i < ok; ++i) rep.bytes += frames[i].size();
      in_granule += n;
    }
  }
  rep.elapsed_s = double(clock.now_ns() - t0) / 1e9;
  rep.failed = sink.failed() - fail0;
  rep.retried = sink.retried() - retry0;
  return rep;
}

}  // namespace riptide::gen
