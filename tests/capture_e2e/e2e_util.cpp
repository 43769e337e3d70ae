#include "capture_e2e/e2e_util.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace riptide::e2e {

using namespace std::chrono_literals;

std::string riptide_bin() { return std::string(RIPTIDE_BINARY_DIR) + "/apps/riptide"; }

TempDir::TempDir() {
  char tmpl[] = "/tmp/riptide-e2e-XXXXXX";
  const char* d = mkdtemp(tmpl);
  dir_ = d ? d : "/tmp";
  // The non-root test runs riptide as nobody, which must be able to reach the directory.
  if (d) ::chmod(d, 0755);
}

TempDir::~TempDir() {
  if (dir_ == "/tmp") return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Child::Child(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path)
    : out_path_(out_path), err_path_(err_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0) ::_exit(127);
    ::dup2(out, 1);
    ::dup2(err, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

bool Child::signal(int sig) const { return pid_ > 0 && ::kill(pid_, sig) == 0; }

std::optional<int> Child::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      if (WIFEXITED(st)) return WEXITSTATUS(st);
      if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
      return std::nullopt;
    }
    std::this_thread::sleep_for(10ms);
  }
}

std::string Child::out() const { return slurp(out_path_); }
std::string Child::err() const { return slurp(err_path_); }

bool Child::wait_for_err(const std::string& needle, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (err().find(needle) != std::string::npos) return true;
    if (pid_ <= 0) return false;
    // Ended (a zombie not yet reaped)? WNOWAIT leaves it for wait() to collect.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_)
      return err().find(needle) != std::string::npos;
    std::this_thread::sleep_for(10ms);
  }
  return err().find(needle) != std::string::npos;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

std::size_t line_count(const std::string& text) {
  std::size_t n = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) ++n;
  return n;
}

std::vector<std::string> capture_argv(const std::string& iface, const TempDir& dir,
                                      const std::vector<std::string>& extra) {
  std::vector<std::string> v{riptide_bin(), "capture", "-i", iface, "--stats-json", dir.path("stats.json"),
                             "--flows-json", dir.path("flows.json")};
  v.insert(v.end(), extra.begin(), extra.end());
  return v;
}

std::vector<std::string> gen_argv(const std::string& ns, const std::string& iface,
                                  const std::vector<std::string>& args) {
  std::vector<std::string> v{"ip", "netns", "exec", ns, riptide_bin(), "gen", "-i", iface, "--json"};
  v.insert(v.end(), args.begin(), args.end());
  return v;
}

std::optional<std::uint64_t> gen_sent(const std::string& gen_stdout) {
  std::istringstream in(gen_stdout);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("sent")) return j["sent"].get<std::uint64_t>();
  }
  return std::nullopt;
}

std::optional<std::uint64_t> run_gen(const std::string& ns, const std::string& iface,
                                     const std::vector<std::string>& args, std::string* why) {
  TempDir d;
  Child g(gen_argv(ns, iface, args), d.path("gen.out"), d.path("gen.err"));
  const auto rc = g.wait(120s);
  if (!rc || *rc != 0) {
    if (why) *why = "gen exit " + (rc ? std::to_string(*rc) : std::string("timeout")) + ": " + g.err();
    return std::nullopt;
  }
  auto sent = gen_sent(g.out());
  if (!sent && why) *why = "no 'sent' in gen output: " + g.out();
  return sent;
}

std::optional<nlohmann::json> final_stats(const std::string& path) {
  std::istringstream in(slurp(path));
  std::string line;
  std::optional<nlohmann::json> last;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) last = std::move(j);
  }
  return last;
}

FlowSummary read_flows(const std::string& path) {
  FlowSummary s;
  std::set<std::string> tuples;
  std::istringstream in(slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("flow")) {
      ++s.unparsable_lines;
      continue;
    }
    ++s.records;
    s.packets += j["flow"].value("pkts_toserver", std::uint64_t{0}) + j["flow"].value("pkts_toclient", std::uint64_t{0});
    tuples.insert(j.value("vlan", nlohmann::json::array()).dump() + " " + j.value("src_ip", std::string()) + ":" +
                  std::to_string(j.value("src_port", 0)) + " " + j.value("dest_ip", std::string()) + ":" +
                  std::to_string(j.value("dest_port", 0)) + " " + j.value("proto", std::string()));
    s.flows.push_back(std::move(j));
  }
  s.distinct_tuples = tuples.size();
  return s;
}

std::pair<std::uint64_t, std::uint64_t> untagged_and_tagged(const FlowSummary& f) {
  std::pair<std::uint64_t, std::uint64_t> n{0, 0};
  for (const auto& r : f.flows) {
    const auto pkts = r["flow"].value("pkts_toserver", std::uint64_t{0}) + r["flow"].value("pkts_toclient", std::uint64_t{0});
    (r.contains("vlan") ? n.second : n.first) += pkts;
  }
  return n;
}

Finished run_to_end(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  TempDir d;
  Child c(argv, d.path("out"), d.path("err"));
  Finished f;
  f.rc = c.wait(timeout);
  f.err = c.err();
  return f;
}

}  // namespace riptide::e2e
