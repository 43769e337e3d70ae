#include "riptide/capture/afpacket_source.hpp"

namespace riptide {

Result<std::vector<std::unique_ptr<AfPacketSource>>> open_fanout_group(const AfPacketConfig& cfg, unsigned n) {
  if (!cfg.fanout) return make_error(Errc::invalid_argument, "fanout group on '" + cfg.iface + "' needs a fanout mode");
  if (n == 0 || n > 1024) {
    return make_error(Errc::invalid_argument, "fanout group on '" + cfg.iface + "' needs 1..1024 sockets, got " +
                                                  std::to_string(n));
  }
  // Every member gets the full ring plan, not 1/n of the rate: hash fanout puts a whole
  // flow on one member, so a single heavy flow can bring the full rate to one ring.
  std::vector<std::unique_ptr<AfPacketSource>> members;
  members.reserve(n);
  AfPacketConfig member = cfg;
  for (unsigned i = 0; i < n; ++i) {
    auto s = AfPacketSource::open(member);
    if (!s) return s.error();  // members already opened leave the group as they close
    // group_id 0: the first member got a kernel-chosen unique id; the others join that one.
    if (i == 0) {
      member.fanout->group_id = s.value()->fanout_group_id();
      member.fanout->group_id_fixed = true;
    }
    s.value()->set_member_index(i);
    members.push_back(std::move(s.value()));
  }
  return members;
}

}  // namespace riptide
