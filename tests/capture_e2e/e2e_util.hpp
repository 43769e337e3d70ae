#pragma once
// Helpers for the end-to-end tests: run the real `riptide` binary as a child process
// (capture on the host side of a VethPair, gen inside its namespace), wait for it with a
// deadline, and read back what it wrote (stderr report, --stats-json, --flows-json).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace riptide::e2e {

// Path of the riptide binary of this build.
std::string riptide_bin();

// A private scratch directory, removed (with its contents) by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

// A child process with stdout and stderr sent to files. The destructor kills it (SIGKILL)
// if it is still running, so a failed assertion never leaves a capture behind.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  bool signal(int sig) const;
  // Exit status (0..255), or 128+signal when killed by one; nullopt when it did not end
  // before `timeout` (it is then killed and reaped).
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string out() const;
  std::string err() const;
  // Waits until stderr contains `needle`; false on timeout or if the process ended first.
  bool wait_for_err(const std::string& needle, std::chrono::milliseconds timeout) const;

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
};

// A command run to its end (killed after `timeout`): its exit status (nullopt on timeout)
// and what it wrote on stderr.
struct Finished {
  std::optional<int> rc;
  std::string err;
};
Finished run_to_end(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(20));

std::string slurp(const std::string& path);
std::size_t count_of(const std::string& text, const std::string& needle);
std::size_t line_count(const std::string& text);

// `riptide capture -i IFACE ...extra` with --stats-json/--flows-json in `dir`.
std::vector<std::string> capture_argv(const std::string& iface, const TempDir& dir,
                                      const std::vector<std::string>& extra);

// Runs `riptide gen -i IFACE --json ...args` inside namespace `ns`, waits for it and
// returns its "sent" count; nullopt (with the reason in *why) on failure.
std::optional<std::uint64_t> run_gen(const std::string& ns, const std::string& iface,
                                     const std::vector<std::string>& args, std::string* why = nullptr);
std::vector<std::string> gen_argv(const std::string& ns, const std::string& iface,
                                  const std::vector<std::string>& args);
std::optional<std::uint64_t> gen_sent(const std::string& gen_stdout);

// The last JSON object of a --stats-json file (the final one).
std::optional<nlohmann::json> final_stats(const std::string& path);

struct FlowSummary {
  std::size_t records = 0;
  std::size_t distinct_tuples = 0;   // records with different (vlan, 5-tuple)
  std::uint64_t packets = 0;         // pkts_toserver + pkts_toclient over all records
  std::size_t unparsable_lines = 0;
  std::vector<nlohmann::json> flows; // every record, for specific checks
};
FlowSummary read_flows(const std::string& path);

// Packets in untagged and in VLAN-tagged flows: the fault tests tag what they send after the
// fault, so the flow records tell the two batches apart.
std::pair<std::uint64_t, std::uint64_t> untagged_and_tagged(const FlowSummary& f);

}  // namespace riptide::e2e
