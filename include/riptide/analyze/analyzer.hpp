#pragma once
// The analyzer API: what a user writes to get packets.
//
// An Analyzer instance belongs to one packet thread (a capture thread in the `workers`
// topology, a worker thread in `dispatch`) and sees every packet of the flows that thread
// owns, both directions. It is never called from two threads at once, so it needs no locks.
// A factory creates one instance per packet thread.
//
// Lifetime: on_start once, then on_packet for each packet (or on_packets for a whole batch,
// where the engine batches) and on_batch_end after each batch
// (the view's bytes are only valid during on_packet: copy what you keep), on_tick about every
// 100 ms of wall time even without traffic (while packets flow it may come up to one block
// timeout late, with the next batch; use a wall timer for exact times), and on_stop once
// after the last packet.
//
// Exceptions thrown by any of these are caught by the engine and counted; after
// AnalyzerLimits::max_errors of them the instance is disabled with one message on stderr.
// Capture and the other analyzers keep going. What an exception costs the analyzer:
//  - from on_packet (also when called by the default on_packets): that one packet; the rest
//    of the batch still reaches it. One error and one missed packet are counted.
//  - from an on_packets override: the engine cannot know how far it got, so every packet of
//    that call counts as missed (an upper bound), with one error.
//  - a disabled instance misses every later packet; those are counted as missed too. It is
//    switched off at the end of the call that reached the budget: a batch that throws for
//    every packet counts one error per packet.
// Missed packets are reported per analyzer (packets_missed), apart from capture's figures.
//
// **Example**: bytes per source address, one merged result per second, a frame with it
// (the whole program, with its build and tests, is examples/source_bytes; docs/ANALYZERS.md
// explains each choice).
//   using Counts = riptide::FixedMap<riptide::IpAddr, std::uint64_t, 16384, riptide::IpAddrHash>;
//   struct Bytes final : riptide::Analyzer {
//     void on_start(riptide::AnalyzerContext& ctx) override {
//       ctx_ = &ctx;
//       ctx.add_timer(1s, riptide::TimeBase::wall, [this](riptide::TimestampNs now) {
//         merge_->contribute(*ctx_, now / 1'000'000'000, std::exchange(counts_, Counts{}));
//       });  // merge_: a PeriodMerge shared by the factory's instances (period_merge.hpp)
//     }
//     void on_packet(const riptide::PacketMeta& m, const riptide::PacketView& p) override {
//       if (auto* b = counts_.upsert(m.src)) *b += p.wirelen;  // no allocation per packet
//     }
//     void on_stop() override { merge_->finish(*ctx_, std::move(counts_)); }
//     ...
//   };
//
// A factory's create() that throws or returns null is refused with an error naming the
// factory: the run does not begin (status 2). A finish() that throws is reported by name.
//
// Files a factory writes (OutputStatus): opened when the factory is made, so a path that
// cannot be opened fails before capture starts; every record is written whole or not at all,
// and each record not written is counted as dropped, reported, and makes the exit status 1.
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "riptide/analyze/analyzer_options.hpp"
#include "riptide/analyze/offload_task.hpp"
#include "riptide/analyze/udp_frame.hpp"
#include "riptide/core/packet.hpp"
#include "riptide/decode/metadata.hpp"
#include "riptide/flow/flow_record.hpp"

namespace riptide {

// One output a factory writes (a file, stdout): what reached it and what was lost. `written`
// and `dropped` count records (lines); `error` is the first failure, "" while all is well.
struct OutputStatus {
  std::string analyzer;  // the factory's name()
  std::string name;      // what the output holds, e.g. "flows", "windows", "summary"
  std::string target;    // the path, or "<stdout>"
  std::uint64_t written = 0;
  std::uint64_t dropped = 0;
  std::string error;
};

// A figure of one of a factory's outputs beyond written/dropped (a Kafka sink's deliveries, a
// queue's refusals), registered by name in the metrics registry with the labels analyzer and,
// when `output` is not empty, output. `drop` marks figures that count records lost (listed in
// the report with `advice`); `gauge` marks a level rather than a running total.
struct OutputCounter {
  std::string output;  // OutputStatus::name it belongs to, "" for the factory as a whole
  std::string name;
  std::string help;
  std::uint64_t value = 0;
  bool drop = false;
  bool gauge = false;
  std::string advice;
};

// Named counters an analyzer reports; they appear in the run report and the stats JSON.
struct AnalyzerCounter {
  std::string name;
  std::uint64_t value = 0;
};

// Thrown by the default on_packets after the whole batch was delivered, when on_packet threw
// for `count` of its packets; `first` is the first of those exceptions. The engine counts
// `count` errors and `count` missed packets.
class PacketErrors final : public std::exception {
 public:
  PacketErrors(std::uint64_t count, std::exception_ptr first) noexcept : count_(count), first_(std::move(first)) {}
  const char* what() const noexcept override { return "on_packet threw"; }
  std::uint64_t count() const noexcept { return count_; }
  const std::exception_ptr& first() const noexcept { return first_; }

 private:
  std::uint64_t count_;
  std::exception_ptr first_;
};

enum class TimeBase : std::uint8_t {
  wall,    // CLOCK_REALTIME: fires even when no packet arrives
  packet,  // packet timestamps: deterministic on files, follows the traffic live
};

// What the engine offers an analyzer. Valid from on_start to on_stop.
class AnalyzerContext {
 public:
  virtual ~AnalyzerContext() = default;
  // Index of the packet thread running this instance (0..threads-1).
  virtual std::size_t thread_index() const noexcept = 0;
  virtual std::size_t thread_count() const noexcept = 0;
  // True on live capture: packet time follows the wall clock, so on_tick may end idle state.
  // False on files, whose packet time can be years away from the wall clock.
  virtual bool live() const noexcept = 0;
  // Queues a frame for transmission out of the capture interface. Copies it. False when no
  // transmit path is configured or its queue is full (counted as a transmit drop).
  virtual bool send(std::span<const std::uint8_t> frame) = 0;
  // The largest frame send() takes where no interface says otherwise (files, tests).
  static constexpr std::size_t kMaxSendFrame = 2048;
  // The largest frame send() takes in this run: the transmit interface's MTU plus its link
  // header and one VLAN tag (1518 at MTU 1500, 9018 at 9000). A longer frame is refused and
  // counted (tx_oversize), never truncated. 0: no transmit path.
  virtual std::size_t max_send_frame() const noexcept { return kMaxSendFrame; }
  // The capture interface: name, index, MAC, addresses, MTU (empty on files).
  virtual const InterfaceInfo& interface() const noexcept {
    static const InterfaceInfo none;
    return none;
  }
  // `payload` in one UDP datagram from the capture interface (its MAC, its address of
  // dst.ip's family, src_port) to dst, through send(). False as send(), and also (counted as
  // a refused send) when the interface has no address of that family or the frame would not
  // fit in max_send_frame().
  bool send_udp(const UdpEndpoint& dst, std::uint16_t src_port, std::span<const std::uint8_t> payload);
  // Submits a long calculation to the bounded compute pool. Never blocks: false (and the
  // task is destroyed, counted as offload_refused) when the pool's queue is full.
  // The guarantees are in offload_task.hpp: complete() runs on this thread before on_stop.
  virtual bool offload(std::unique_ptr<OffloadTask> task) = 0;
  // The same with callables: work() -> R runs on the pool, then done(R) on this analyzer's
  // thread, woken as soon as work returns (see offload_task.hpp). Capture a snapshot by
  // value in work, never `this`; done may capture `this`.
  //   ctx.offload([counts = counts_] { return expensive(counts); },
  //               [this](Result r) { last_ = r; });
  template <class Work, class Done>
  bool offload(Work work, Done done) {
    return offload(make_offload_task(std::move(work), std::move(done)));
  }
  // Calls fn(now) every `period` of the given time base, on this analyzer's thread, until
  // on_stop. Register in on_start. Returns false for a zero period.
  virtual bool add_timer(std::chrono::nanoseconds period, TimeBase base, std::function<void(TimestampNs now)> fn) = 0;
  // Flow records instead of a second flow table: after this call (in on_start) the analyzer's
  // on_flows() receives every record the flow meter of this thread finishes: the flows this
  // thread owns, both directions, the same records the flow outputs (--flows-json, IPFIX,
  // Kafka) get. Long flows come back every --flow-active-s (reason active_timeout), so a
  // subscriber sees them periodically, not only at their end. Records arrive on this
  // analyzer's own thread, batched, at the end of the flow meter's call (after a batch, a
  // tick, and before on_stop for the flows still open at the end); never from another thread,
  // no allocation per record, nothing dropped (when more than 1,024 records end in one call
  // they are delivered inside it). Without a flow meter (--no-flows) none arrive, which the
  // engine says once at start. False when the context cannot deliver records at all.
  virtual bool subscribe_flows() { return false; }
  // For the analyzer that meters flows (the built-in flow meter): hands finished records to
  // the subscribers of this thread. Copies them; publishing from inside on_flows is ignored.
  virtual void publish_flows(std::span<const FlowRecord> records) { (void)records; }
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  virtual std::string_view name() const noexcept = 0;
  virtual void on_start(AnalyzerContext& ctx) { (void)ctx; }
  virtual void on_packet(const PacketMeta& meta, const PacketView& pkt) = 0;
  // A whole batch at once: metas[i] was decoded from pkts[i]; same contract as calling
  // on_packet for each in order (which is what the default does). Override it when seeing the
  // batch pays, e.g. to overlap the memory loads of several packets (the flow meter does).
  // The default skips only the packets whose on_packet threw (a try block costs nothing until
  // something throws); an override that throws loses the whole call (see the top of the file).
  virtual void on_packets(std::span<const PacketMeta> metas, std::span<const PacketView> pkts) {
    const std::size_t n = metas.size() < pkts.size() ? metas.size() : pkts.size();
    std::uint64_t failed = 0;
    std::exception_ptr first;
    for (std::size_t i = 0; i < n; ++i) {
      try {
        on_packet(metas[i], pkts[i]);
      } catch (...) {
        if (failed++ == 0) first = std::current_exception();
      }
    }
    if (failed != 0) throw PacketErrors(failed, std::move(first));
  }
  // now = the newest packet timestamp of the batch (packet time).
  virtual void on_batch_end(TimestampNs now) { (void)now; }
  // now = wall clock (CLOCK_REALTIME ns).
  virtual void on_tick(TimestampNs now) { (void)now; }
  virtual void on_stop() {}
  // Finished flows, after AnalyzerContext::subscribe_flows(). The span is valid during the
  // call only: copy what you keep. An exception costs the records of that call (counted as
  // flow_records_missed), as on_packets.
  virtual void on_flows(std::span<const FlowRecord> records) { (void)records; }
  // Appends this instance's counters; summed over instances by name in reports.
  virtual void counters(std::vector<AnalyzerCounter>& out) const { (void)out; }
};

class AnalyzerFactory {
 public:
  virtual ~AnalyzerFactory() = default;
  virtual std::string_view name() const noexcept = 0;
  // One instance per packet thread; called before threads start.
  virtual std::unique_ptr<Analyzer> create(std::size_t thread_index) = 0;
  // The options this analyzer takes: `--analyzer-opt NAME.KEY=VALUE` (NAME = name()) or the
  // config file's analyzers.NAME.KEY (analyzer_options.hpp for types and syntax).
  virtual std::vector<OptionSpec> options() const { return {}; }
  // Called once before the first create(), when options() is not empty, with every declared
  // key's value (the user's, else the default). An error stops the run before capture, with
  // its message on the one error line (status 2).
  virtual Result<void> configure(const OptionValues& values) {
    (void)values;
    return {};
  }
  // Called once after every instance stopped: flush shared outputs here. Throw (or record
  // the failure in outputs()) when a flush fails: an error here is reported, never dropped.
  virtual void finish() {}
  // Appends one entry per output this factory writes; called after finish() (and may be
  // called during the run for a live view). Records not written must be counted as dropped.
  virtual void outputs(std::vector<OutputStatus>& out) const { (void)out; }
  // Appends the outputs' own figures; called from any thread during the run (metrics
  // snapshots) and after finish(). The set of names must not change once the run started.
  virtual void output_counters(std::vector<OutputCounter>& out) const { (void)out; }

  // How late the analyzers this factory makes may see a packet when traffic is light. A
  // capture ring hands its packets over a block at a time, when the block is full or after
  // the block timeout; unless the user sets --block-timeout, the engine uses the smallest
  // value over the analyzers running. Each hand-over wakes a capture thread, which then pays
  // for refilling its caches (about 85 us of CPU per wake-up on a 2-vCPU VM, measured: half
  // the capture cost at 100k packets/s with a 10 ms timeout). An analyzer that acts on
  // second-scale timeouts or windows should return more than the default, one that answers
  // packets or measures latency should keep it.
  static constexpr std::chrono::milliseconds kDefaultMaxPacketDelay{10};
  virtual std::chrono::milliseconds max_packet_delay() const noexcept { return kDefaultMaxPacketDelay; }
};

struct AnalyzerLimits {
  std::uint32_t max_errors = 100;  // exceptions before an instance is disabled
};

}  // namespace riptide
