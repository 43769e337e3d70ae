#pragma once
// The capture tools the bench measures, each behind one small adapter: how to start it on an
// interface, and how to read back how many of the generator's packets it received.
//
// riptide counts by sequence number (its seq_check analyzer: distinct (flow, seq) pairs of
// the generator's payload). Tools that cannot see sequence numbers are counted by their own
// figures, read as each tool prints them:
//   tcpdump      stderr at exit: "N packets captured" (written to -w), "N packets dropped by kernel"
//   netsniff-ng  stdout at exit: "N packets incoming" minus "N packets failed filter (out of space)"
//   softflowd    `softflowctl statistics` on its control socket, read before it is stopped:
//                "Packets received by libpcap" minus "Packets dropped by libpcap"
// All run with the filter `udp`, and the veth pair carries nothing else (IPv6 is off on it).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "riptide/core/result.hpp"

namespace riptide::labbench {

struct TrialEnv {
  std::string self_exe;  // absolute path of the riptide binary
  std::string iface;     // where the tool captures
  std::string dir;       // this trial's files (tool.out, tool.err, ...)
  int cpu = -1;          // the CPU the tool is pinned to
  std::string topology = "workers";  // riptide: workers | dispatch
  std::string analyzers;             // riptide: passed as --analyzer when the capture CLI has it
};

struct ToolFigures {
  std::uint64_t received = 0;  // generator packets the tool got
  std::optional<std::uint64_t> kernel_drops;  // the kernel ring was full
  std::optional<std::uint64_t> queue_drops;   // riptide dispatch: a worker queue was full
  std::optional<std::uint64_t> duplicates, reordered;
  std::optional<std::uint64_t> p50_ns, p99_ns, p999_ns;  // one-way latency
  std::string raw;  // the tool's own summary, for the trial log
};

class CaptureTool {
 public:
  virtual ~CaptureTool() = default;
  virtual std::string name() const = 0;
  // The command line (argv) capturing on env.iface; its stdout/stderr go to env.dir/tool.{out,err}.
  virtual std::vector<std::string> command(const TrialEnv& env) const = 0;
  // Called while the tool still runs, after the traffic: tools queried live (softflowd).
  virtual Result<void> before_stop(const TrialEnv& env, ToolFigures& fig) const {
    (void)env, (void)fig;
    return {};
  }
  // Called after the tool exited: reads its outputs.
  virtual Result<void> after_exit(const TrialEnv& env, ToolFigures& fig) const = 0;
  // One sentence for the report: how received and drops are counted.
  virtual std::string how_counted() const = 0;
};

// "riptide", "tcpdump", "netsniff-ng", "softflowd". not_found for anything else.
Result<std::unique_ptr<CaptureTool>> make_tool(const std::string& name);

// The first unsigned integer before `label` on any line of `text` ("123 packets captured").
std::optional<std::uint64_t> number_before(const std::string& text, const std::string& label);
// The unsigned integer after "label" on any line ("Packets processed: 44144").
std::optional<std::uint64_t> number_after(const std::string& text, const std::string& label);

}  // namespace riptide::labbench
