#include "labbench/child_process.hpp"
#include "tools.hpp"

namespace riptide::labbench {
namespace {

class SoftflowdTool final : public CaptureTool {
 public:
  std::string name() const override { return "softflowd"; }
  std::vector<std::string> command(const TrialEnv& env) const override {
    // Exports to the discard port on loopback: the flow records go nowhere, as riptide's do here.
    return {"softflowd", "-d", "-i", env.iface, "-c", env.dir + "/softflowd.ctl", "-p", env.dir + "/softflowd.pid",
            "-n", "127.0.0.1:9", "udp"};
  }
  Result<void> before_stop(const TrialEnv& env, ToolFigures& fig) const override {
    const std::string out = env.dir + "/softflowctl.out";
    SpawnOptions so;
    so.argv = {"softflowctl", "-c", env.dir + "/softflowd.ctl", "statistics"};
    so.stdout_path = out;
    so.stderr_path = env.dir + "/softflowctl.err";
    auto c = ChildProcess::spawn(so);
    if (!c) return c.error();
    const auto st = c->wait_exit(std::chrono::seconds(5));
    if (!st || *st != 0) return make_error(Errc::io, "softflowctl statistics failed (see " + so.stderr_path + ")");
    fig.raw = read_text(out);
    return {};
  }
  Result<void> after_exit(const TrialEnv& env, ToolFigures& fig) const override {
    const auto recv = number_after(fig.raw, "Packets received by libpcap");
    const auto drop = number_after(fig.raw, "Packets dropped by libpcap");
    if (!recv) return make_error(Errc::format, env.dir + "/softflowctl.out: no 'Packets received by libpcap' line");
    fig.kernel_drops = drop.value_or(0);
    fig.received = *recv >= *fig.kernel_drops ? *recv - *fig.kernel_drops : 0;
    return {};
  }
  std::string how_counted() const override {
    return "received = 'Packets received by libpcap' minus 'Packets dropped by libpcap' from `softflowctl statistics` "
           "just before the stop (its 'Packets processed' lags by the ring block not yet handed over)";
  }
};

}  // namespace

std::unique_ptr<CaptureTool> make_softflowd_tool() { return std::make_unique<SoftflowdTool>(); }

}  // namespace riptide::labbench
