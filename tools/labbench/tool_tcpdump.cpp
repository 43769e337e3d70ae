#include "labbench/child_process.hpp"
#include "tools.hpp"

namespace riptide::labbench {
namespace {

class TcpdumpTool final : public CaptureTool {
 public:
  std::string name() const override { return "tcpdump"; }
  std::vector<std::string> command(const TrialEnv& env) const override {
    // -w /dev/null: the cheapest tcpdump (copy only, no printing), libpcap's defaults otherwise.
    return {"tcpdump", "-i", env.iface, "-n", "-w", "/dev/null", "udp"};
  }
  Result<void> after_exit(const TrialEnv& env, ToolFigures& fig) const override {
    const std::string err = read_text(env.dir + "/tool.err");
    const auto captured = number_before(err, "packets captured");
    if (!captured) return make_error(Errc::format, env.dir + "/tool.err: no 'packets captured' line from tcpdump");
    fig.received = *captured;
    fig.kernel_drops = number_before(err, "packets dropped by kernel");
    fig.raw = err;
    return {};
  }
  std::string how_counted() const override {
    return "received = 'packets captured' (written to -w /dev/null), kernel drops = 'packets dropped by kernel' "
           "(its exit summary on stderr); it is stopped 1.5 s after the traffic so that libpcap's 1 s block "
           "timeout has handed over the last packets";
  }
};

}  // namespace

std::unique_ptr<CaptureTool> make_tcpdump_tool() { return std::make_unique<TcpdumpTool>(); }

}  // namespace riptide::labbench
