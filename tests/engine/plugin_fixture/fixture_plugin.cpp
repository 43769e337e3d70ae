// Test plugin: counts packets and decode outcomes by name. Arguments: a counter prefix;
// "refuse" makes the entry point refuse, "throw" makes it throw.
#include <stdexcept>
#include <string>

#include "riptide/analyze/plugin.hpp"
#include "riptide/decode/decoder.hpp"

namespace {

class Counter final : public riptide::Analyzer {
 public:
  explicit Counter(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string_view name() const noexcept override { return "fixture"; }
  void on_packet(const riptide::PacketMeta& m, const riptide::PacketView&) override {
    ++packets_;
    // to_string(DecodeError) lives in libriptide_decode.a: resolved from the executable.
    if (riptide::to_string(m.error) == riptide::to_string(riptide::DecodeError::none)) ++clean_;
  }
  void counters(std::vector<riptide::AnalyzerCounter>& out) const override {
    out.push_back({prefix_ + "packets", packets_});
    out.push_back({prefix_ + "clean", clean_});
  }

 private:
  std::string prefix_;
  std::uint64_t packets_ = 0, clean_ = 0;
};

class Factory final : public riptide::AnalyzerFactory {
 public:
  explicit Factory(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string_view name() const noexcept override { return "fixture"; }
  std::unique_ptr<riptide::Analyzer> create(std::size_t) override { return std::make_unique<Counter>(prefix_); }

 private:
  std::string prefix_;
};

}  // namespace

RIPTIDE_PLUGIN_ENTRY(args) {
  const std::string a = args;
  if (a == "refuse") return nullptr;
  if (a == "throw") throw std::invalid_argument("fixture: bad arguments 'throw'");
  return new Factory(a);
}
