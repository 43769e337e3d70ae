// The analyzer in a program of its own: packet_counter FILE.pcap [EVERY]
#include <cstdio>
#include <cstdlib>

#include "packet_counter.hpp"
#include "riptide/engine/engine.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE.pcap [EVERY]\n", argv[0]);
    return 2;
  }
  riptide::EngineConfig cfg;
  cfg.backend = riptide::Backend::file;
  cfg.read_file = argv[1];
  cfg.quiet = true;
  std::vector<std::unique_ptr<riptide::AnalyzerFactory>> analyzers;
  analyzers.push_back(std::make_unique<packet_counter::Factory>(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000));
  auto engine = riptide::Engine::create(cfg, std::move(analyzers));
  if (!engine) {
    std::fprintf(stderr, "packet_counter: %s\n", engine.error().message.c_str());
    return 2;
  }
  auto report = (*engine)->run();
  if (!report) {
    std::fprintf(stderr, "packet_counter: %s\n", report.error().message.c_str());
    return 1;
  }
  std::fputs(riptide::format_report(*report).c_str(), stdout);
  return report->errors.empty() ? 0 : 1;
}
