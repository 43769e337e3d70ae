#pragma once
// When an output moves to its next file and what that file is called, as tcpdump's -C/-G/-W
// have it, for any output that rotates (the -w packet writer, the flow JSON lines).
//
// Names (tcpdump's rules): with a time interval the pattern goes through strftime (local
// time) first. Then, when files are counted by size (-C), the file's number is appended (none
// on the first without -W), zero-padded to as many digits as W-1 has: `-C 1 -W 3 -w x` writes x0 x1 x2 x0 ...;
// `-C 1 -w x` writes x, x1, x2, ...; `-G 60 -w x-%H%M` writes one file per minute, with no
// number.
//
// When: a size limit moves on before a record that would take the file past it (a file
// holding a single larger record is allowed), so closed files never exceed it; an interval
// moves on at the first record at or after its end. Time is the record's own (packet time
// for -w), so a file read gives the same files every time; live it is the wall clock.
// With an interval and a ring of N files (and no size limit) the output ends after its Nth
// file, as tcpdump does; with both a size and an interval, the ring only sets the digits.
//
// **Example**
//   riptide::RotationSchedule s("out-%H%M%S.pcap", {.max_bytes = 0, .interval_s = 60, .files = 0});
//   std::string first = s.start(now_ns);                       // "out-120000.pcap"
//   if (s.decide(file_bytes, record_bytes, ts) == riptide::RotationSchedule::Step::next)
//     std::string next = s.next(ts);
#include <cstdint>
#include <string>

#include "riptide/core/clock.hpp"

namespace riptide {

struct RotationPolicy {
  std::uint64_t max_bytes = 0;   // -C, in bytes (tcpdump counts millions of bytes); 0: no limit
  std::uint32_t interval_s = 0;  // -G; 0: no interval
  std::uint32_t files = 0;       // -W; 0: no ring, no limit
  bool active() const noexcept { return max_bytes != 0 || interval_s != 0; }
};

class RotationSchedule {
 public:
  enum class Step : std::uint8_t { same, next, end };

  RotationSchedule(std::string pattern, RotationPolicy p) : pattern_(std::move(pattern)), policy_(p) {}

  // The first file's name, its interval starting at `t`.
  std::string start(TimestampNs t);
  // Before a record of `record_bytes` at time `t` goes into a file holding `file_bytes` (of
  // which `records` are records, not headers): stay, move on, or stop writing (-G with -W).
  Step decide(std::uint64_t file_bytes, std::uint64_t record_bytes, std::uint64_t records, TimestampNs t) const noexcept;
  // After decide() said next: the next file's name.
  std::string next(TimestampNs t);

  const RotationPolicy& policy() const noexcept { return policy_; }
  unsigned files_started() const noexcept { return started_; }
  // The name a file of number `count` gets at time `t` (for tests and documentation).
  std::string name(TimestampNs t, unsigned count) const;

 private:
  std::string pattern_;
  RotationPolicy policy_;
  TimestampNs interval_start_ = 0;
  unsigned count_ = 0;    // the number in the name
  unsigned started_ = 0;  // files begun so far
};

// Checks a rotation request for the CLI: the one-line error, or "" when it is fine.
std::string check_rotation(const std::string& pattern, const RotationPolicy& p);

}  // namespace riptide
