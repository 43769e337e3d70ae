#pragma once
// Helpers for engine tests: synthetic capture files, a run over a file, an analyzer factory
// built from a lambda, and a child process runner for CLI tests.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "riptide/engine/engine.hpp"
#include "riptide/file/pcap_writer.hpp"
#include "support/pktbuild.hpp"
#include "support/shell.hpp"

namespace riptide::test {

// Sanitized builds run the packet path several times slower: live tests that assert zero
// loss offer proportionally less traffic there (they still cover every code path).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr double kLiveRateScale = 0.1;
#else
inline constexpr double kLiveRateScale = 1.0;
#endif

// A unique temporary directory, removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "riptide-engine-XXXXXX").string();
    if (mkdtemp(t.data())) path_ = t;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `n` UDP packets, one every `gap_ns` from `t0`, cycling over `flows` source ports.
inline void write_udp_pcap(const std::string& path, std::size_t n, TimestampNs t0, TimestampNs gap_ns,
                           std::size_t flows = 4) {
  auto w = PcapWriter::open(path, LinkType::ethernet, 65535, true);
  ASSERT_TRUE(w) << w.error().message;
  for (std::size_t i = 0; i < n; ++i) {
    const auto f = PacketBuilder()
                       .eth()
                       .ipv4("10.0.0." + std::to_string(1 + i % flows), "10.0.1.1")
                       .udp(static_cast<std::uint16_t>(1000 + i % flows), 53)
                       .payload(20)
                       .build();
    PacketView v = view_of(f);
    v.ts_ns = t0 + static_cast<TimestampNs>(i) * gap_ns;
    ASSERT_TRUE((*w)->write(v));
  }
  ASSERT_TRUE((*w)->close());
}

// An AnalyzerFactory from a function creating the per-thread instance.
class LambdaFactory final : public AnalyzerFactory {
 public:
  using Make = std::function<std::unique_ptr<Analyzer>(std::size_t)>;
  LambdaFactory(std::string name, Make make) : name_(std::move(name)), make_(std::move(make)) {}
  std::string_view name() const noexcept override { return name_; }
  std::unique_ptr<Analyzer> create(std::size_t i) override { return make_(i); }

 private:
  std::string name_;
  Make make_;
};

inline EngineConfig file_config(const std::string& path, Topology topo = Topology::workers, std::size_t workers = 1) {
  EngineConfig c;
  c.backend = Backend::file;
  c.read_file = path;
  c.topology = topo;
  c.dispatch.workers = workers;
  c.quiet = true;
  return c;
}

inline RunReport run_engine(const EngineConfig& c, std::vector<std::unique_ptr<AnalyzerFactory>> fs) {
  auto e = Engine::create(c, std::move(fs));
  EXPECT_TRUE(e) << (e ? "" : e.error().message);
  if (!e) return {};
  auto r = (*e)->run();
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : RunReport{};
}

inline const AnalyzerReport* find_analyzer(const RunReport& r, const std::string& name) {
  for (const auto& a : r.analyzers)
    if (a.name == name) return &a;
  return nullptr;
}

inline std::uint64_t counter(const AnalyzerReport* a, const std::string& name) {
  if (!a) return ~0ull;
  for (const auto& c : a->counters)
    if (c.name == name) return c.value;
  return ~0ull;
}

// Runs an engine on a thread of its own, for live tests that send traffic meanwhile. However
// the test leaves its scope, the run is stopped and the thread joined.
class BackgroundRun {
 public:
  explicit BackgroundRun(Engine& e) : e_(e), th_([this] { rep_ = e_.run(); }) {}
  ~BackgroundRun() {
    e_.request_stop();
    join();
  }
  BackgroundRun(const BackgroundRun&) = delete;
  BackgroundRun& operator=(const BackgroundRun&) = delete;
  // Waits for the run to end (by --duration or stop()) and returns its result.
  const Result<RunReport>& join() {
    if (th_.joinable()) th_.join();
    return rep_;
  }
  const Result<RunReport>& stop_and_join() {
    e_.request_stop();
    return join();
  }

 private:
  Engine& e_;
  Result<RunReport> rep_ = make_error(Errc::internal, "not run");
  std::thread th_;  // last: starts once rep_ exists
};

// Runs a shell command, capturing its standard output and error together.
inline ShellResult run_cmd(const std::string& cmd) { return shell(cmd + " 2>&1"); }

inline std::string riptide_bin() { return std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide"; }

// Configures and builds tests/engine/plugin_fixture into `dir` (one target, or all of them),
// against riptide's headers only. Returns the build output on failure, "" on success.
inline std::string build_plugin_fixture(const std::string& dir, const std::string& target = {}) {
  const std::string src = std::string(RIPTIDE_SOURCE_DIR) + "/tests/engine/plugin_fixture";
  const auto cfg = run_cmd("cmake -S '" + src + "' -B '" + dir + "' -G Ninja -DCMAKE_BUILD_TYPE=Release" +
                           " -DRIPTIDE_INCLUDE_DIR='" + RIPTIDE_SOURCE_DIR + "/include'");
  if (cfg.status != 0) return "plugin fixture configure failed:\n" + cfg.out;
  const auto b = run_cmd("cmake --build '" + dir + "'" + (target.empty() ? std::string() : " --target " + target));
  return b.status == 0 ? std::string() : "plugin fixture build failed:\n" + b.out;
}

}  // namespace riptide::test
