#pragma once
// Test fixture support: a private network namespace with a veth pair, always removed.
//
//   host side:  veth "<prefix>h" in the test's own namespace (where riptide captures)
//   peer side:  veth "<prefix>p" moved into namespace "<prefix>ns" (where traffic is sent from)
//
// Nothing here ever routes traffic anywhere but across this pair. The destructor deletes
// the namespace and the link even when the test failed; a stale pair from a crashed run
// with the same prefix is removed before creation.
#include <cstdint>
#include <string>

namespace riptide::test {

bool have_net_admin();  // root or CAP_NET_ADMIN: namespace tests can run

class VethPair {
 public:
  // prefix: short unique tag, <= 8 chars (interface names are limited to 15).
  explicit VethPair(const std::string& prefix);
  ~VethPair();
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;

  bool ok() const { return ok_; }
  const std::string& host_if() const { return host_; }
  const std::string& peer_if() const { return peer_; }
  const std::string& netns() const { return ns_; }
  // Runs a shell command inside the peer namespace; returns its exit status.
  int exec_in_ns(const std::string& cmd) const;
  // Sets the host side down/up, or deletes and recreates the pair (same names).
  bool set_host_up(bool up) const;
  bool recreate();

 private:
  bool create();
  void destroy() noexcept;
  std::string host_, peer_, ns_;
  bool ok_ = false;
};

// Runs a shell command, returns its exit status (-1 when it could not run).
int sh(const std::string& cmd);

// An AF_PACKET socket for `ethertype` bound to `iface` inside namespace `netns`, or -1. setns()
// changes only the calling thread, so a short-lived thread opens it there; the socket stays
// bound to that namespace's interface afterwards. The caller owns (and closes) it.
int packet_socket_in_netns(const std::string& netns, const std::string& iface, std::uint16_t ethertype);

}  // namespace riptide::test
