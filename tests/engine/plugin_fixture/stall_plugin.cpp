// Test plugin for the stop path and factory faults. Arguments: "stuck" blocks forever in
// on_packet from the 100th packet on (an analyzer that never returns); "slow:US" sleeps US
// microseconds per packet (a run that lasts long enough to signal it); "create-throws",
// "create-null" and "finish-throws" make the factory fail there.
#include <stdexcept>
#include <chrono>
#include <string>
#include <thread>

#include "riptide/analyze/plugin.hpp"

namespace {

class Stall final : public riptide::Analyzer {
 public:
  Stall(bool stuck, long us) : stuck_(stuck), us_(us) {}
  std::string_view name() const noexcept override { return "stall"; }
  void on_packet(const riptide::PacketMeta&, const riptide::PacketView&) override {
    if (stuck_ && ++seen_ >= 100)
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    if (us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(us_));
  }

 private:
  bool stuck_;
  long us_;
  long seen_ = 0;
};

class Factory final : public riptide::AnalyzerFactory {
 public:
  Factory(bool stuck, long us, std::string fault = {}) : stuck_(stuck), us_(us), fault_(std::move(fault)) {}
  std::string_view name() const noexcept override { return "stall"; }
  std::unique_ptr<riptide::Analyzer> create(std::size_t) override {
    if (fault_ == "create-throws") throw std::runtime_error("no licence for this analyzer");
    if (fault_ == "create-null") return nullptr;
    return std::make_unique<Stall>(stuck_, us_);
  }
  void finish() override {
    if (fault_ == "finish-throws") throw std::runtime_error("could not flush the results");
  }

 private:
  bool stuck_;
  long us_;
  std::string fault_;
};

}  // namespace

RIPTIDE_PLUGIN_ENTRY(args) {
  const std::string a = args;
  if (a == "stuck") return new Factory(true, 0);
  if (a == "create-throws" || a == "create-null" || a == "finish-throws") return new Factory(false, 0, a);
  if (a.rfind("slow:", 0) == 0) return new Factory(false, std::stol(a.substr(5)));
  return nullptr;
}
