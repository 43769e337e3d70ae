#pragma once
// The YAML config file of `riptide capture` and `riptide read` (--config, --print-config).
//
// The mapping is derived from the command line itself, so a flag added later needs no code
// here: an option's help group is its section path in the file (dots nest, "analyzers.reporter"
// is the map `reporter` inside `analyzers`) and its key is its long name without the dashes
// (a positional: its name; a short-only option: its letter). An option left in CLI11's default
// group has no section and sits at the top level; the config test refuses that, so every option
// is given a group named for its concern.
//
// Values are applied through CLI11 itself (the option's own conversion and checks), so a value
// the command line refuses is refused in the file, with the file name and line. The command
// line wins: a key whose option was given on the command line is not applied.
#include <CLI/CLI.hpp>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace riptide::app {

// Analyzers' own options (analyzer_options.hpp) in the file: under the section `analyzers`,
// a map NAME: {KEY: VALUE} (for a built-in whose flags already have a section there, the keys
// no flag claims) becomes the setting NAME.KEY=VALUE of --analyzer-opt, placed before the
// command line's so that the command line wins key by key. The engine checks them against
// the analyzers' declarations; analyzer_opt_origins() gives each file setting's "FILE:LINE"
// for that error.
inline constexpr const char* kAnalyzerOptFlag = "--analyzer-opt";
inline constexpr const char* kAnalyzersSection = "analyzers";
std::map<std::string, std::string>& analyzer_opt_origins();

// One configurable option and where it lives in the file.
struct ConfigEntry {
  std::vector<std::string> section;  // maps from the top, e.g. {"analyzers", "reporter"}; empty: top level
  std::string key;
  CLI::Option* option = nullptr;
};

// The configurable options of `app`, in the order they were added. Leaves out --help,
// --config, --print-config and anything marked configurable(false).
std::vector<ConfigEntry> config_entries(CLI::App& app);

// "a.b.key" for messages and tests.
std::string config_path(const ConfigEntry& e);

// Problems in the mapping itself: options with no section, two options on one path, a key that
// is also a section name. Empty when every option has exactly one place in the file.
std::vector<std::string> config_schema_problems(CLI::App& app);

// Reads YAML from `in` and applies it to the options of `app` that the command line left
// unset. Throws CLI::ConfigError with a one-line "NAME:LINE: path: reason" on the first unknown
// key, misplaced value or value the option refuses.
void apply_yaml_config(CLI::App& app, std::istream& in, const std::string& name);

// The effective settings as YAML that apply_yaml_config accepts: every option set (by the file
// or the command line) as a key, every other one as a comment with its current value.
std::string config_to_yaml(CLI::App& app, const std::string& title);

// CLI11's hook: set_config() hands the file to from_config, which applies it (see above).
class YamlConfig : public CLI::Config {
 public:
  explicit YamlConfig(CLI::App& app) : app_(&app) {}
  std::string to_config(const CLI::App*, bool, bool, std::string) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& in) const override;

 private:
  CLI::App* app_;
};

// Adds --config FILE and --print-config to `app` (call before parsing).
void add_config_options(CLI::App& app);

// After a successful parse: with --print-config, prints the settings on stdout and returns 0
// (the exit status); otherwise -1.
int print_config_if_asked(CLI::App& app, const char* cmd);

}  // namespace riptide::app
