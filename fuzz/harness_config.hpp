#pragma once
// Config-file fuzz body: the input is a YAML file given to `riptide read --config` or
// `riptide capture --config` (byte 0's low bit picks), parsed and checked but never run.
// Beyond "no crash": the status must be 0, 2 or -1, and a file that loads must print
// (--print-config) a file that loads back and prints the same text.
// Uses two memfds (the config file, and stdout while --print-config writes), so it needs Linux.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "riptide/commands.hpp"  // apps/riptide/commands.hpp

namespace riptide::fuzz {

class ConfigHarness {
 public:
  ConfigHarness() : cfg_(memfd_create("riptide-config", 0)), out_(memfd_create("riptide-stdout", 0)) {}
  ~ConfigHarness() {
    if (cfg_ >= 0) close(cfg_);
    if (out_ >= 0) close(out_);
  }
  ConfigHarness(const ConfigHarness&) = delete;
  ConfigHarness& operator=(const ConfigHarness&) = delete;

  bool ready() const { return cfg_ >= 0 && out_ >= 0; }

  // false: the parser broke a promise (a status other than 0/2/-1, or no round trip).
  bool one(const std::uint8_t* data, std::size_t size) {
    if (!ready() || size == 0) return true;
    const bool capture = (data[0] & 1) != 0;
    std::string printed;
    const int rc = check(capture, std::string(reinterpret_cast<const char*>(data), size), false, printed);
    if (rc != -1 && rc != 0 && rc != 2) return false;
    if (rc != -1) return true;
    // It loads: what it prints must load again and print the same.
    std::string first, second;
    if (check(capture, std::string(reinterpret_cast<const char*>(data), size), true, first) != 0) return false;
    if (check(capture, first, true, second) != 0) return false;
    last_printed_ = first;
    return first == second;
  }

  const std::string& last_printed() const { return last_printed_; }

 private:
  static bool put(int fd, const std::string& text) {
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) return false;
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = write(fd, text.data() + done, text.size() - done);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  static std::string get(int fd) {
    std::string s;
    char buf[4096];
    if (lseek(fd, 0, SEEK_SET) != 0) return s;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<std::size_t>(n));
    return s;
  }

  int check(bool capture, const std::string& yaml, bool print, std::string& printed) {
    if (!put(cfg_, yaml) || !put(out_, "")) return -100;
    const std::string path = "/proc/self/fd/" + std::to_string(cfg_);
    // The required option on the command line, so that a file without it still gets parsed.
    std::vector<std::string> args = capture ? std::vector<std::string>{"capture", "-i", "lo"}
                                            : std::vector<std::string>{"read", "-r", "/nonexistent.pcap"};
    args.insert(args.end(), {"--config", path});
    if (print) args.push_back("--print-config");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    std::fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    if (saved < 0 || dup2(out_, STDOUT_FILENO) < 0) return -100;
    const int argc = static_cast<int>(args.size());
    const int rc = capture ? riptide::app::check_capture(argc, argv.data()) : riptide::app::check_read(argc, argv.data());
    std::fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    printed = get(out_);
    return rc;
  }

  int cfg_;
  int out_;
  std::string last_printed_;
};

}  // namespace riptide::fuzz
