#pragma once
// One registry of named figures. Each stage registers its counters and gauges once, with a
// help line and, for a drop point, the advice that goes with it; the status line, the stats
// JSON, the exit report and the Prometheus endpoint all read the same snapshot, so a new
// counter is added in one place and shows up everywhere.
//
// Figures that must agree with each other (a thread's captured and processed counts) are
// registered as one group and read together by one callback, which is where consistency is
// made (a seqlock, a read order); the registry itself only calls the groups in the order they
// were registered.
//
// Example:
//   MetricsRegistry reg;
//   std::atomic<std::uint64_t> drops{0};
//   reg.add({.name = "queue_drops", .help = "packets lost because the queue was full",
//            .labels = {{"worker", "0"}}, .advice = "add workers"},
//           [&]() -> MetricValue { return drops.load(std::memory_order_relaxed); });
//   MetricsSnapshot s = reg.snapshot();
//   std::uint64_t all = s.total("queue_drops").value_or(0);   // summed over workers
//   std::string text = prometheus_text(s);                     // riptide_queue_drops_total{worker="0"} 0
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace riptide {

enum class MetricType : std::uint8_t {
  counter,  // only grows over a run
  gauge,    // a level (queue depth, latency, a flag)
};

// What a non-zero value of the metric means for the ledger.
enum class DropKind : std::uint8_t {
  none,
  packets,  // packets were lost here: listed under "where packets were lost"
  work,     // frames or calculations an analyzer asked for were not done (not packets)
  output,   // records or packets accepted for an output were not written
  analyzer, // packets one analyzer did not see (it threw): the others saw them
};

using MetricLabels = std::vector<std::pair<std::string, std::string>>;
// nullopt: the value cannot be known now (shown as null / n/a, never as a made-up 0).
using MetricValue = std::optional<std::uint64_t>;

struct MetricDesc {
  std::string name;  // snake_case; the same name under several labels is summed by total()
  std::string help;  // one line: what is counted
  MetricType type = MetricType::counter;
  MetricLabels labels;
  std::string advice;  // for drop points: what the user can do about it
  DropKind drop = DropKind::none;
  // Prometheus wants base units (seconds, bytes): a figure kept in nanoseconds registers
  // with per_unit 1e9 and is exposed divided by it. Other views show the raw value.
  std::uint64_t per_unit = 1;
};

struct MetricSample {
  MetricDesc desc;
  MetricValue value;
};

class MetricsSnapshot {
 public:
  std::vector<MetricSample> samples;

  // Sum over every sample of that name (all labels). nullopt when there is none, or when any
  // of them is unknown.
  [[nodiscard]] MetricValue total(std::string_view name) const;
  // The sample of that name whose labels include `key=value`.
  [[nodiscard]] MetricValue get(std::string_view name, std::string_view key, std::string_view value) const;
  [[nodiscard]] bool has(std::string_view name) const;
};

class MetricsRegistry {
 public:
  // Fills values[i] for descs[i]; called under the registry's lock from whichever thread takes
  // the snapshot, so it must only read (atomics, or data guarded by its own lock).
  using GroupReader = std::function<void(std::span<MetricValue> values)>;
  using Reader = std::function<MetricValue()>;

  void add_group(std::vector<MetricDesc> descs, GroupReader read);
  void add(MetricDesc desc, Reader read);

  // Calls every group in registration order. Thread-safe.
  [[nodiscard]] MetricsSnapshot snapshot() const;

 private:
  struct Group {
    std::vector<MetricDesc> descs;
    GroupReader read;
  };
  mutable std::mutex mu_;
  std::vector<Group> groups_;
};

// Prometheus text exposition format 0.0.4: a HELP and a TYPE line per metric family,
// counters suffixed _total, unknown values left out.
std::string prometheus_text(const MetricsSnapshot& s, std::string_view prefix = "riptide_");

}  // namespace riptide
