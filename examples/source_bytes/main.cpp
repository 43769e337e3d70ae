// As a program of its own: source_bytes IFACE DST_IP PORT [SECONDS [THREADS]]
#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>

#include "riptide/engine/engine.hpp"
#include "source_bytes.hpp"

int main(int argc, char** argv) {
  std::uint8_t ip[4];
  if (argc < 4 || ::inet_pton(AF_INET, argv[2], ip) != 1) {
    std::fprintf(stderr, "usage: %s IFACE DST_IPV4 PORT [SECONDS [THREADS]]\n", argv[0]);
    return 2;
  }
  riptide::EngineConfig cfg;
  cfg.backend = riptide::Backend::afpacket;
  cfg.capture.iface = argv[1];
  cfg.duration_s = argc > 4 ? std::atof(argv[4]) : 10;
  cfg.capture_threads = argc > 5 ? static_cast<unsigned>(std::atoi(argv[5])) : 1;
  cfg.quiet = true;
  const riptide::UdpEndpoint dst{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, riptide::IpAddr::from_v4(ip),
                                 static_cast<std::uint16_t>(std::atoi(argv[3]))};
  std::vector<std::unique_ptr<riptide::AnalyzerFactory>> analyzers;
  analyzers.push_back(std::make_unique<source_bytes::Factory>(dst));
  auto engine = riptide::Engine::create(cfg, std::move(analyzers));
  if (!engine) {
    std::fprintf(stderr, "source_bytes: %s\n", engine.error().message.c_str());
    return 2;
  }
  auto report = (*engine)->run();
  if (!report) {
    std::fprintf(stderr, "source_bytes: %s\n", report.error().message.c_str());
    return 1;
  }
  std::fputs(riptide::format_report(*report).c_str(), stdout);
  return report->errors.empty() ? 0 : 1;
}
