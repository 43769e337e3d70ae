// As a plugin: riptide capture -i IFACE --plugin ./libsource_bytes.so:DST_IP:PORT[:CPU_MS]
// or with its settings as options, which riptide checks before capture:
//   riptide capture -i IFACE --plugin ./libsource_bytes.so
//     --analyzer-opt source_bytes.dst=192.0.2.9 --analyzer-opt source_bytes.port=47200
#include <arpa/inet.h>

#include <stdexcept>
#include <string>

#include "riptide/analyze/plugin.hpp"
#include "source_bytes.hpp"

namespace {

// The example's factory, made once its settings are known: the plugin's arguments are the
// options' defaults, --analyzer-opt source_bytes.KEY=VALUE (or the config file) overrides them.
struct Configurable final : riptide::AnalyzerFactory {
  std::string dst, port = "47200", cpu = "300ms";  // defaults, in the options' own syntax
  std::unique_ptr<source_bytes::Factory> factory;

  std::string_view name() const noexcept override { return "source_bytes"; }
  std::vector<riptide::OptionSpec> options() const override {
    using T = riptide::OptionType;
    return {{"dst", T::address, dst, "IPv4 address the summaries go to"},
            {"port", T::uint, port, "their UDP port"},
            {"cpu", T::duration, cpu, "CPU time the calculation burns each period"}};
  }
  riptide::Result<void> configure(const riptide::OptionValues& v) override {
    if (!v.has("dst") || !v.get_address("dst").is_v4() || v.get_uint("port") > 65535)
      return riptide::make_error(riptide::Errc::invalid_argument,
                                 "needs an IPv4 dst and a port 0..65535 (--plugin ...:DST_IP:PORT or --analyzer-opt source_bytes.dst=IP)");
    const riptide::UdpEndpoint to{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, v.get_address("dst"), static_cast<std::uint16_t>(v.get_uint("port"))};
    factory = std::make_unique<source_bytes::Factory>(to, std::chrono::duration_cast<std::chrono::milliseconds>(v.get_duration("cpu")));
    return {};
  }
  std::unique_ptr<riptide::Analyzer> create(std::size_t i) override { return factory ? factory->create(i) : nullptr; }
};

}  // namespace

RIPTIDE_PLUGIN_ENTRY(args) {
  auto f = std::make_unique<Configurable>();
  const std::string a(args);
  if (a.empty()) return f.release();  // everything from options
  const auto c1 = a.find(':');
  if (c1 == std::string::npos) throw std::invalid_argument("source_bytes: expected DST_IP:PORT[:CPU_MS]");
  const auto c2 = a.find(':', c1 + 1);
  std::uint8_t ip[4];
  if (::inet_pton(AF_INET, a.substr(0, c1).c_str(), ip) != 1)
    throw std::invalid_argument("source_bytes: '" + a.substr(0, c1) + "' is not an IPv4 address");
  f->dst = a.substr(0, c1);
  f->port = std::to_string(std::stoul(a.substr(c1 + 1, c2 - c1 - 1)));
  f->cpu = (c2 == std::string::npos ? std::string("300") : std::to_string(std::stoul(a.substr(c2 + 1)))) + "ms";
  return f.release();
}
