#pragma once
// Analyzer plugins: shared objects the riptide command loads with `--plugin path.so[:args]`.
//
// A plugin is a shared object (CMake: add_library(name MODULE ...)) that exports one C symbol:
//
//   extern "C" riptide::AnalyzerFactory* riptide_plugin_create(const char* args);
//
// `args` is the text after the first ':' of the --plugin value ("" when there is none); the
// plugin parses it as it likes. Named, typed settings are better declared as options
// (AnalyzerFactory::options(), given as --analyzer-opt NAME.KEY=VALUE or in the config file):
// the engine parses and checks them before capture starts. Return a factory allocated with `new` (riptide takes ownership
// and deletes it), or nullptr to refuse the arguments: riptide then exits with status 2. To
// explain why, a plugin may throw std::exception from riptide_plugin_create: riptide catches
// it and prints its what() on the one error line.
//
// Build a plugin against the same riptide (same compiler, same headers, same build options):
// the interface is C++ classes, not a stable ABI. Use RIPTIDE_PLUGIN_ENTRY below to define the
// entry point: it also exports riptide_plugin_abi(), the kPluginAbiVersion the plugin was
// built with, and riptide refuses (one line, status 2) a plugin built for another version or
// without one, instead of calling into classes whose layout changed.
//
// The riptide executable exports its symbols (ENABLE_EXPORTS), so riptide functions a plugin
// calls resolve to the executable's copy; a plugin that also links riptide::riptide gets its
// own copies of whatever the executable lacks.
//
// The library stays loaded until the process exits: analyzers and their factories run its
// code until the very end of the run.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/result.hpp"

namespace riptide {

// Raised whenever a class a plugin derives from or calls changes its layout or its virtual
// functions. 6: Analyzer::on_flows, AnalyzerContext::subscribe_flows and publish_flows;
//   AnalyzerFactory::options/configure (--analyzer-opt), AnalyzerContext::max_send_frame;
// 5: PacketMeta carries the tunnel around the innermost packet (128 bytes);
// 4: AnalyzerContext::interface; 3: AnalyzerFactory::outputs, PacketErrors from the default on_packets;
// 2: AnalyzerFactory::max_packet_delay (1: the plugins before the version existed).
inline constexpr std::uint32_t kPluginAbiVersion = 6;

// The structures every plugin reads on each packet, pinned to this version: a change to
// their layout fails the build here until kPluginAbiVersion is raised and the figures below
// updated together, so a plugin built against the old layout is refused instead of misreading.
namespace plugin_abi_detail {
template <std::uint32_t V>
struct Layout;
template <>
struct Layout<6> {
  static constexpr std::size_t meta_size = 128, meta_align = 4, view_size = 40, view_align = 8;
  static constexpr std::size_t meta_src = 42, meta_dst = 58, meta_sport = 74, meta_l4_payload_len = 80;
  static constexpr std::size_t meta_flags = 8, meta_l3_off = 12, meta_ip_version = 26;
  static constexpr std::size_t view_caplen = 8, view_wirelen = 12, view_ts = 16, view_ifindex = 24, view_link = 32;
};
using L = Layout<kPluginAbiVersion>;
static_assert(sizeof(PacketMeta) == L::meta_size && alignof(PacketMeta) == L::meta_align,
              "PacketMeta changed: raise kPluginAbiVersion and pin the new layout");
static_assert(offsetof(PacketMeta, flags) == L::meta_flags && offsetof(PacketMeta, l3_off) == L::meta_l3_off &&
                  offsetof(PacketMeta, ip_version) == L::meta_ip_version && offsetof(PacketMeta, src) == L::meta_src &&
                  offsetof(PacketMeta, dst) == L::meta_dst && offsetof(PacketMeta, sport) == L::meta_sport &&
                  offsetof(PacketMeta, l4_payload_len) == L::meta_l4_payload_len,
              "PacketMeta fields moved: raise kPluginAbiVersion and pin the new layout");
static_assert(sizeof(PacketView) == L::view_size && alignof(PacketView) == L::view_align,
              "PacketView changed: raise kPluginAbiVersion and pin the new layout");
static_assert(offsetof(PacketView, data) == 0 && offsetof(PacketView, caplen) == L::view_caplen &&
                  offsetof(PacketView, wirelen) == L::view_wirelen && offsetof(PacketView, ts_ns) == L::view_ts &&
                  offsetof(PacketView, ifindex) == L::view_ifindex && offsetof(PacketView, link) == L::view_link,
              "PacketView fields moved: raise kPluginAbiVersion and pin the new layout");
}  // namespace plugin_abi_detail
inline constexpr const char* kPluginAbiSymbol = "riptide_plugin_abi";
inline constexpr const char* kPluginEntrySymbol = "riptide_plugin_create";
using PluginAbiFn = std::uint32_t (*)();
using PluginCreateFn = AnalyzerFactory* (*)(const char* args);

// Loads `spec` = "path.so" or "path.so:args" and calls its entry point. One-line errors
// naming the file: cannot be loaded (not found, not a shared object, undefined symbol),
// entry point missing, entry point refused the arguments or threw.
Result<std::unique_ptr<AnalyzerFactory>> load_plugin(const std::string& spec);

}  // namespace riptide

// Defines the entry point: RIPTIDE_PLUGIN_ENTRY(args) { return new MyFactory(args); }
#define RIPTIDE_PLUGIN_ENTRY(args_name)                                                                  \
  extern "C" __attribute__((visibility("default"))) std::uint32_t riptide_plugin_abi() {                  \
    return riptide::kPluginAbiVersion;                                                                    \
  }                                                                                                       \
  extern "C" __attribute__((visibility("default"))) riptide::AnalyzerFactory* riptide_plugin_create(const char* args_name)
