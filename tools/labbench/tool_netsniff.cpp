#include "labbench/child_process.hpp"
#include "tools.hpp"

namespace riptide::labbench {
namespace {

class NetsniffTool final : public CaptureTool {
 public:
  std::string name() const override { return "netsniff-ng"; }
  std::vector<std::string> command(const TrialEnv& env) const override {
    // -S: a 64 MiB ring, about riptide's default; netsniff-ng's own default grabs gigabytes.
    return {"netsniff-ng", "--in", env.iface, "--out", "/dev/null", "--silent", "-S", "64MiB", "udp"};
  }
  Result<void> after_exit(const TrialEnv& env, ToolFigures& fig) const override {
    const std::string out = read_text(env.dir + "/tool.out");
    const auto incoming = number_before(out, "packets incoming");
    const auto failed = number_before(out, "packets failed filter");
    if (!incoming) return make_error(Errc::format, env.dir + "/tool.out: no 'packets incoming' line from netsniff-ng");
    fig.kernel_drops = failed.value_or(0);
    fig.received = *incoming >= *fig.kernel_drops ? *incoming - *fig.kernel_drops : 0;
    fig.raw = out;
    return {};
  }
  std::string how_counted() const override {
    return "received = 'packets incoming' minus 'packets failed filter (out of space)', the latter being its "
           "kernel drops (its exit summary on stdout); run with a 64 MiB ring (-S 64MiB)";
  }
};

}  // namespace

std::unique_ptr<CaptureTool> make_netsniff_tool() { return std::make_unique<NetsniffTool>(); }

}  // namespace riptide::labbench
