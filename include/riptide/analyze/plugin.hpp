#pragma once
// Analyzer plugins: shared objects the riptide command loads with `--plugin path.so[:args]`.
//
// A plugin is a shared object (CMake: add_library(name MODULE ...)) that exports one C symbol:
//
//   extern "C" riptide::AnalyzerFactory* riptide_plugin_create(const char* args);
//
// `args` is the text after the first ':' of the --plugin value ("" when there is none); the
// plugin parses it as it likes. Return a factory allocated with `new` (riptide takes ownership
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
#include <cstdint>
#include <memory>
#include <string>

#include "riptide/analyze/analyzer.hpp"
#include "riptide/core/result.hpp"

namespace riptide {

// Raised whenever a class a plugin derives from or calls changes its layout or its virtual
// functions. 3: AnalyzerFactory::outputs, PacketErrors from the default on_packets;
// 2: AnalyzerFactory::max_packet_delay (1: the plugins before the version existed).
inline constexpr std::uint32_t kPluginAbiVersion = 3;
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
