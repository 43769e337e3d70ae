#include "riptide/engine/privileges.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "riptide/core/fd.hpp"

namespace riptide {
namespace {

Error sys_fail(const std::string& what, int e) {
  return make_error(e == EPERM ? Errc::permission : Errc::internal,
                    "cannot switch user: " + what + " failed: " + std::strerror(e));
}

// libcap would add a dependency for two system calls; the v3 ABI is stable.
int capget_raw(__user_cap_header_struct* h, __user_cap_data_struct* d) {
  return static_cast<int>(::syscall(SYS_capget, h, d));
}
int capset_raw(__user_cap_header_struct* h, const __user_cap_data_struct* d) {
  return static_cast<int>(::syscall(SYS_capset, h, d));
}

int last_cap() {
  std::ifstream f("/proc/sys/kernel/cap_last_cap");
  int v = -1;
  if (f >> v && v > 0) return v;
  return CAP_LAST_CAP;
}

}  // namespace

Result<RunAsUser> resolve_run_as(const std::string& user) {
  if (user.empty()) return make_error(Errc::invalid_argument, "-Z needs a user name");
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc = ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (found == nullptr) {
    unsigned long id = 0;
    const auto [end, ec] = std::from_chars(user.data(), user.data() + user.size(), id);
    if (ec == std::errc() && end == user.data() + user.size())
      rc = ::getpwuid_r(static_cast<uid_t>(id), &pw, buf.data(), buf.size(), &found);
  }
  if (found == nullptr)
    return make_error(Errc::not_found, "-Z: no such user '" + user + "'" +
                                           (rc != 0 ? std::string(" (") + std::strerror(rc) + ")" : std::string()));
  if (::geteuid() != 0)
    return make_error(Errc::permission, "-Z " + user + ": only root can switch to another user (running as uid " +
                                            std::to_string(::geteuid()) +
                                            "); to capture as an ordinary user, grant the binary cap_net_raw instead");
  return RunAsUser{found->pw_name, found->pw_uid, found->pw_gid};
}

Result<void> drop_privileges(const RunAsUser& user, const DropOptions& opt) {
  for (const auto& path : opt.hand_over) {
    if (path.empty() || path == "-") continue;
    const UniqueFd fd{retry_eintr([&] { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644); })};
    if (!fd) return make_error(Errc::io, "cannot switch user: cannot create '" + path + "': " + std::strerror(errno));
    struct stat st {};
    const bool regular = ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode);
    const int e = regular && ::fchown(fd.get(), user.uid, user.gid) != 0 ? errno : 0;
    if (e) return make_error(Errc::io, "cannot switch user: cannot give '" + path + "' to " + user.name + ": " + std::strerror(e));
  }

  std::uint64_t keep = 1ull << CAP_NET_RAW;
  if (opt.keep_net_admin) keep |= 1ull << CAP_NET_ADMIN;

  // The bounding set needs CAP_SETPCAP, which goes away with the uid: trim it first.
  for (int c = 0; c <= last_cap(); ++c) {
    if (keep & (1ull << c)) continue;
    if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) return sys_fail("PR_CAPBSET_DROP", errno);
  }
  // Without KEEPCAPS, leaving uid 0 empties the permitted set and reopening the interface fails.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return sys_fail("PR_SET_KEEPCAPS", errno);
  // glibc applies these to every thread of the process, not only this one.
  if (::initgroups(user.name.c_str(), user.gid) != 0) return sys_fail("initgroups", errno);
  if (::setresgid(user.gid, user.gid, user.gid) != 0) return sys_fail("setresgid", errno);
  if (::setresuid(user.uid, user.uid, user.uid) != 0) return sys_fail("setresuid", errno);
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return sys_fail("PR_SET_KEEPCAPS", errno);

  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; ++i) {
    const auto word = static_cast<std::uint32_t>(keep >> (32 * i));
    data[i].effective = word;
    data[i].permitted = word;
    data[i].inheritable = 0;
  }
  if (capset_raw(&hdr, data) != 0) return sys_fail("capset", errno);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return sys_fail("PR_SET_NO_NEW_PRIVS", errno);

  // Verify rather than trust: a uid that could be switched back would defeat the point.
  uid_t r = 0, eu = 0, s = 0;
  if (::getresuid(&r, &eu, &s) != 0 || r != user.uid || eu != user.uid || s != user.uid)
    return make_error(Errc::internal, "cannot switch user: uid is not " + std::to_string(user.uid) + " after setresuid");
  if (user.uid != 0 && ::setuid(0) == 0) return make_error(Errc::internal, "cannot switch user: uid 0 is still reachable");
  __user_cap_data_struct now[_LINUX_CAPABILITY_U32S_3]{};
  if (capget_raw(&hdr, now) != 0) return sys_fail("capget", errno);
  const std::uint64_t eff = now[0].effective | (static_cast<std::uint64_t>(now[1].effective) << 32);
  if (eff != keep) return make_error(Errc::internal, "cannot switch user: capabilities are not what was asked");
  return {};
}

}  // namespace riptide
