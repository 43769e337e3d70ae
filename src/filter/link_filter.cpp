#include "riptide/filter/link_filter.hpp"

namespace riptide {

LinkFilter::LinkFilter(std::string expr, std::uint32_t snaplen, Program first)
    : expr_(std::move(expr)), snaplen_(snaplen) {
  progs_.push_back(std::move(first));
}

Result<LinkFilter> LinkFilter::compile(const std::string& expr, LinkType first, std::uint32_t snaplen) {
  auto bpf = BpfFilter::compile(expr, first, snaplen);
  if (!bpf) return bpf.error();
  return LinkFilter(expr, snaplen, Program{first, std::move(bpf.value())});
}

Result<void> LinkFilter::select(LinkType link) {
  for (std::size_t i = 0; i < progs_.size(); ++i) {
    if (progs_[i].link == link) {
      cur_ = i;
      return {};
    }
  }
  auto bpf = BpfFilter::compile(expr_, link, snaplen_);
  if (!bpf) {
    return make_error(Errc::invalid_argument, bpf.error().message + " (link type " + link_type_name(link) + ", " +
                                                  std::to_string(static_cast<unsigned>(link)) +
                                                  ", of a later interface in the file)");
  }
  progs_.push_back(Program{link, std::move(bpf.value())});
  cur_ = progs_.size() - 1;
  return {};
}

Result<void> LinkFilter::apply(PacketBatch& batch) {
  std::size_t keep = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const PacketView& p = batch[i];
    if (p.link != progs_[cur_].link) {
      if (auto r = select(p.link); !r) {
        batch.truncate(keep);
        return r.error();
      }
    }
    if (progs_[cur_].bpf.matches(p)) batch[keep++] = p;
  }
  batch.truncate(keep);
  return {};
}

}  // namespace riptide
