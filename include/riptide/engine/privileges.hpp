#pragma once
// Giving up root after every socket and output is open (tcpdump's -Z): the process becomes
// an ordinary user that keeps only the capabilities a running capture still needs, so a
// bug in a decoder or an analyzer cannot be turned into root on the machine.
#include <sys/types.h>

#include <string>
#include <vector>

#include "riptide/core/result.hpp"

namespace riptide {

struct RunAsUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks the user up (name or numeric uid). Errors: not_found (unknown user), permission
// (not running as root: only root can become another user). Call before opening anything.
Result<RunAsUser> resolve_run_as(const std::string& user);

struct DropOptions {
  // CAP_NET_RAW is always kept: the engine opens a new AF_PACKET socket when the interface
  // comes back after it went away. CAP_NET_ADMIN only when a reopen needs it (SO_BUSY_POLL).
  bool keep_net_admin = false;
  // Files the engine (re)opens by name after the switch (--stats-json): created if absent
  // and given to the user, so that the final write does not fail for lack of permission.
  std::vector<std::string> hand_over;
};

// Switches every thread to the user's uid, gid and supplementary groups; the calling thread
// (and threads it creates later) keeps CAP_NET_RAW (+ CAP_NET_ADMIN) effective and permitted,
// nothing else, also in the bounding set; no_new_privs is set. Any failure is an Error and
// the caller must exit: running on as root after -Z was asked for would be a silent lie.
Result<void> drop_privileges(const RunAsUser& user, const DropOptions& opt);

}  // namespace riptide
