#include "write_options.hpp"

#include <cstdio>

namespace riptide::app {

void add_flows_rotation_options(CLI::App& app, FlowsRotateCli& f) {
  app.add_option("--flows-rotate-mb", f.mb, "--flows-json: a new file before one would exceed this many millions of bytes")
      ->check(CLI::Range(0.000001, 1e9))
      ->group("outputs");
  app.add_option("--flows-rotate-s", f.seconds, "--flows-json: a new file every this many seconds (strftime in the name)")
      ->check(CLI::Range(1u, 31'536'000u))
      ->group("outputs");
  app.add_option("--flows-files", f.files, "--flows-json with --flows-rotate-mb: a ring of this many files")
      ->check(CLI::Range(1u, 1'000'000u))
      ->group("outputs");
}

bool finish_flows_rotation(const char* cmd, const FlowsRotateCli& f, const std::string& flows_json, RotationPolicy& out) {
  out.max_bytes = static_cast<std::uint64_t>(f.mb * 1e6);
  out.interval_s = f.seconds;
  out.files = f.files;
  std::string why;
  if ((out.active() || out.files) && flows_json.empty()) why = "--flows-rotate-mb, --flows-rotate-s and --flows-files need --flows-json FILE";
  else if (out.files != 0 && out.max_bytes == 0) why = "--flows-files needs --flows-rotate-mb (a ring of flow files moves on by size)";
  else why = check_rotation(flows_json, out);
  if (why.empty()) return true;
  std::fprintf(stderr, "riptide %s: %s (see 'riptide %s --help')\n", cmd, why.c_str(), cmd);
  return false;
}

void add_write_options(CLI::App& app, WriteCli& w, EngineConfig& e) {
  app.add_option("-w,--write", e.write_path,
                 "write the packets (after the filter) to this file, '-' for stdout: pcap, or pcapng when the name ends "
                 "in .pcapng (see --format); with -G the name goes through strftime")
      ->group("outputs");
  app.add_option("-s,--snapshot-length", w.snaplen,
                 "bytes kept per packet; 0 or above 262144: 262144 (the default; never sizes the ring)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 31))
      ->group("capture");
  app.add_option("--format", w.format, "-w file format: pcap or pcapng (default: pcapng for a name ending in .pcapng)")
      ->check(CLI::IsMember({"pcap", "pcapng"}))
      ->group("outputs");
  app.add_flag("-U,--packet-buffered", e.write_flush_each,
               "flush -w after every batch of packets (default: at least once a second)")
      ->group("outputs");
  app.add_option("--time-stamp-precision", w.precision, "pcap timestamps: micro (default, as tcpdump) or nano (pcapng: always nano)")
      ->check(CLI::IsMember({"micro", "nano"}))
      ->group("outputs");
  // Long names for tcpdump's short-only -C/-G/-W (its manual calls them file_size, rotate_seconds,
  // filecount): they are the keys of a --config file.
  app.add_option("-C,--file-size", w.rotate_mb, "start a new -w file before one would exceed this many millions of bytes (tcpdump's -C)")
      ->check(CLI::Range(0.000001, 1e9))
      ->group("outputs");
  app.add_option("-G,--rotate-seconds", w.rotate_s, "start a new -w file every this many seconds of packet time (tcpdump's -G)")
      ->check(CLI::Range(1u, 31'536'000u))
      ->group("outputs");
  app.add_option("-W,--file-count", w.files,
                 "with -C: a ring of this many files, overwritten in turn; with -G alone: stop after this many files")
      ->check(CLI::Range(1u, 1'000'000u))
      ->group("outputs");
  app.add_option("--write-queue", w.queue_mib,
                 "MiB of packets queued for -w per capture thread; live, a full queue drops (counted), a file read waits")
      ->check(CLI::Range(1u, 4096u))
      ->group("outputs");
}

bool finish_write_options(const char* cmd, const CLI::App& app, const WriteCli& w, EngineConfig& e) {
  auto fail = [cmd](const std::string& m) {
    std::fprintf(stderr, "riptide %s: %s (see 'riptide %s --help')\n", cmd, m.c_str(), cmd);
    return false;
  };
  if (w.snaplen >= 0) {
    if (w.snaplen == 0 || w.snaplen > kMaxSnaplen) {
      if (w.snaplen > kMaxSnaplen)
        std::fprintf(stderr, "riptide %s: snaplen %lld is above the maximum: %u used, as tcpdump does\n", cmd,
                     static_cast<long long>(w.snaplen), kMaxSnaplen);
      e.capture.snaplen = kMaxSnaplen;
    } else if (w.snaplen < 64) {
      return fail("-s: " + std::to_string(w.snaplen) + " is below 64 bytes, too short for the headers riptide decodes");
    } else {
      e.capture.snaplen = static_cast<std::uint32_t>(w.snaplen);
    }
  }
  e.write.format = w.format.empty() ? format_for_path(e.write_path) : w.format == "pcapng" ? CaptureFormat::pcapng : CaptureFormat::pcap;
  e.write.nanosecond = w.precision == "nano";
  e.write.snaplen = e.capture.snaplen;
  e.write.rotation.max_bytes = static_cast<std::uint64_t>(w.rotate_mb * 1e6);
  e.write.rotation.interval_s = w.rotate_s;
  e.write.rotation.files = w.files;
  e.write_queue_bytes = static_cast<std::size_t>(w.queue_mib) << 20;
  const bool any_write_flag = app.count("--format") || app.count("-U") || app.count("--time-stamp-precision") ||
                              app.count("-C") || app.count("-G") || app.count("-W") || app.count("--write-queue");
  if (e.write_path.empty()) {
    if (any_write_flag) return fail("--format, -U, --time-stamp-precision, -C, -G, -W and --write-queue need -w FILE");
    return true;
  }
  if (e.write.rotation.max_bytes != 0 && e.write.rotation.max_bytes < 4096) return fail("-C: below 4096 bytes, no file would hold a packet");
  if (auto why = check_rotation(e.write_path, e.write.rotation); !why.empty()) return fail(why);
  if (e.write.format == CaptureFormat::pcapng && app.count("--time-stamp-precision") && w.precision == "micro")
    return fail("--time-stamp-precision micro: pcapng files are written in nanoseconds");
  return true;
}

}  // namespace riptide::app
