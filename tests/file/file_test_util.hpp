#pragma once
// Helpers for the file tests: running reference tools, listing the corpus, draining a reader.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "riptide/file/capture_file.hpp"
#include "support/shell.hpp"

namespace riptide::test {

// Runs a shell command and returns its standard output (stderr is the caller's business).
inline std::string run_command(const std::string& cmd) { return shell(cmd).out; }

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::vector<std::string> corpus_files() {
  std::vector<std::string> files;
  // Missing captures make the tests that need them fail by name, not the binary crash.
  if (!std::filesystem::is_directory(RIPTIDE_PCAP_DIR)) return files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(RIPTIDE_PCAP_DIR)) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::string corpus(const std::string& rel) { return std::string(RIPTIDE_PCAP_DIR) + "/" + rel; }

struct Record {
  std::vector<std::uint8_t> bytes;
  std::uint32_t caplen = 0;
  std::uint32_t wirelen = 0;
  TimestampNs ts_ns = 0;
  std::uint32_t ifindex = 0;
  LinkType link = LinkType::ethernet;
  const std::uint8_t* data = nullptr;  // where the view pointed (not to be read: views die with the batch)
};

struct Drained {
  std::vector<Record> records;
  std::optional<Error> error;
};

// Pulls every packet; stops at end of input or at the first error (which is kept).
inline Drained drain(CaptureFile& f) {
  Drained d;
  PacketBatch b;
  for (int guard = 0; guard < 10000000; ++guard) {
    auto r = f.next(b, std::chrono::milliseconds(0));
    if (!r) {
      d.error = r.error();
      return d;
    }
    if (*r == PollStatus::end_of_input) return d;
    for (const PacketView& p : b) {
      Record rec;
      rec.bytes.assign(p.data, p.data + p.caplen);
      rec.caplen = p.caplen;
      rec.wirelen = p.wirelen;
      rec.ts_ns = p.ts_ns;
      rec.ifindex = p.ifindex;
      rec.link = p.link;
      rec.data = p.data;
      d.records.push_back(std::move(rec));
    }
  }
  ADD_FAILURE() << "reader never ended";
  return d;
}

inline std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::vector<std::uint8_t>& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// tshark's view of a file: one line per packet with caplen, wire length and epoch time.
struct TsharkRow {
  std::uint32_t caplen = 0;
  std::uint32_t wirelen = 0;
  TimestampNs ts_ns = 0;
};

// "1422527998.578402281" -> nanoseconds, parsed as text so no precision is lost. Times past
// year 2262 do not fit 64-bit nanoseconds: riptide saturates them, and so does this.
inline TimestampNs parse_epoch(const std::string& s) {
  const auto dot = s.find('.');
  const std::string whole = s.substr(0, dot);
  if (whole.size() > 10 || std::stoull(whole) > 9223372035ULL) return std::numeric_limits<TimestampNs>::max();
  TimestampNs sec = std::stoll(whole);
  std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  frac.resize(9, '0');
  return sec * 1000000000 + std::stoll(frac);
}

inline std::vector<TsharkRow> tshark_rows(const std::string& path) {
  std::vector<TsharkRow> rows;
  std::istringstream in(run_command("tshark -r " + shell_quote(path) +
                                    " -T fields -e frame.cap_len -e frame.len -e frame.time_epoch 2>/dev/null"));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    TsharkRow r;
    std::string ts;
    ls >> r.caplen >> r.wirelen >> ts;
    r.ts_ns = parse_epoch(ts);
    rows.push_back(r);
  }
  return rows;
}

// A temporary directory removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "riptide-file-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace riptide::test
