#pragma once
// The -w options (tcpdump's habits for files), shared by read and capture: -w, -s, --format,
// -U, --time-stamp-precision, -C/-G/-W, --write-queue.
#include <CLI/CLI.hpp>
#include <string>

#include "riptide/engine/engine_config.hpp"

namespace riptide::app {

struct WriteCli {
  std::string format;            // "" (by the file name), pcap, pcapng
  std::string precision = "micro";
  double rotate_mb = 0;          // -C, millions of bytes
  std::uint32_t rotate_s = 0;    // -G
  std::uint32_t files = 0;       // -W
  std::uint32_t queue_mib = 8;   // --write-queue
  std::int64_t snaplen = -1;     // -s as given (-1: not given)
};

// The flow JSON's rotation, with -C/-G/-W's meaning: --flows-rotate-mb, --flows-rotate-s,
// --flows-files (a ring of files needs --flows-rotate-mb).
struct FlowsRotateCli {
  double mb = 0;
  std::uint32_t seconds = 0;
  std::uint32_t files = 0;
};
void add_flows_rotation_options(CLI::App& app, FlowsRotateCli& f);
bool finish_flows_rotation(const char* cmd, const FlowsRotateCli& f, const std::string& flows_json, RotationPolicy& out);

void add_write_options(CLI::App& app, WriteCli& w, EngineConfig& e);
// Fills e.write* and e.capture.snaplen; prints one error line and returns false when the
// combination is wrong. A snaplen above the maximum is clamped with a note, as tcpdump does.
bool finish_write_options(const char* cmd, const CLI::App& app, const WriteCli& w, EngineConfig& e);

}  // namespace riptide::app
