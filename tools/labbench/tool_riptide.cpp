#include <nlohmann/json.hpp>
#include <sstream>

#include "labbench/child_process.hpp"
#include "tools.hpp"

namespace riptide::labbench {
namespace {

class RiptideTool final : public CaptureTool {
 public:
  std::string name() const override { return "riptide"; }

  std::vector<std::string> command(const TrialEnv& env) const override {
    const std::string cpu = std::to_string(env.cpu);
    std::vector<std::string> a{env.self_exe, "capture", "-i", env.iface, "-q",
                               "--stats-json", env.dir + "/stats.json", "--seq-check", env.dir + "/seq.json"};
    if (env.topology == "dispatch") {
      // One core for the tool, as for the others: the capture thread and its worker share it.
      a.insert(a.end(), {"--topology", "dispatch", "--workers", "1", "--cpus", cpu + "," + cpu});
    } else {
      a.insert(a.end(), {"--cpus", cpu});
    }
    if (!env.analyzers.empty()) a.insert(a.end(), {"--analyzer", env.analyzers});
    a.push_back("udp");
    return a;
  }

  Result<void> after_exit(const TrialEnv& env, ToolFigures& fig) const override {
    const std::string stats = read_text(env.dir + "/stats.json");
    const std::string seq = read_text(env.dir + "/seq.json");
    if (stats.empty()) return make_error(Errc::io, "riptide wrote no " + env.dir + "/stats.json");
    if (seq.empty()) return make_error(Errc::io, "riptide wrote no " + env.dir + "/seq.json");
    // --stats-json appends one object per line; the last one is the final report.
    std::string last, line;
    std::istringstream in(stats);
    while (std::getline(in, line))
      if (!line.empty()) last = line;
    const auto s = nlohmann::json::parse(last, nullptr, false);
    const auto q = nlohmann::json::parse(seq, nullptr, false);
    if (s.is_discarded() || !s.is_object()) return make_error(Errc::format, env.dir + "/stats.json: not JSON");
    if (q.is_discarded() || !q.is_object()) return make_error(Errc::format, env.dir + "/seq.json: not JSON");
    fig.received = q.value("unique", std::uint64_t(0));
    fig.duplicates = q.value("duplicates", std::uint64_t(0));
    fig.reordered = q.value("reordered", std::uint64_t(0));
    fig.kernel_drops = s.value("kernel_drops", std::uint64_t(0));
    fig.queue_drops = s.value("worker_queue_drops", std::uint64_t(0));
    if (q.contains("wire_to_kernel_ns") && q["wire_to_kernel_ns"].value("count", std::uint64_t(0)) > 0) {
      const auto& l = q["wire_to_kernel_ns"];
      fig.p50_ns = l.value("p50", std::uint64_t(0));
      fig.p99_ns = l.value("p99", std::uint64_t(0));
      fig.p999_ns = l.value("p999", std::uint64_t(0));
    }
    fig.raw = seq;
    return {};
  }

  std::string how_counted() const override {
    return "received = distinct (flow, sequence) pairs of the generator's payload seen by the seq_check analyzer; "
           "kernel drops = PACKET_STATISTICS tp_drops, queue drops = dispatch worker queue full (--stats-json)";
  }
};

}  // namespace

std::unique_ptr<CaptureTool> make_riptide_tool() { return std::make_unique<RiptideTool>(); }

}  // namespace riptide::labbench
