#pragma once
// The user-space filter for files: one compiled program per link type. A pcapng file's
// interfaces may each have their own link type (Ethernet, raw IP, Linux cooked...), and a
// program compiled for one reads the others' bytes at the wrong offsets, silently.
#include <cstddef>
#include <string>
#include <vector>

#include "riptide/core/packet.hpp"
#include "riptide/core/result.hpp"
#include "riptide/filter/bpf_filter.hpp"

namespace riptide {

class LinkFilter {
 public:
  // Compiles `expr` for `first` (the file's first interface) now, so that an expression that
  // does not compile fails at start with libpcap's message.
  static Result<LinkFilter> compile(const std::string& expr, LinkType first, std::uint32_t snaplen = 262144);

  // Keeps, in order, the packets of `batch` the expression matches, each tested with the
  // program for its own link type. A link type met for the first time is compiled here, once
  // (the only allocation; packets of the link type last seen cost one comparison more than a
  // plain BpfFilter). An expression that means nothing for a link type met later (`ether
  // host` on a raw-IP interface) is an error naming the link type, found when its first
  // packet arrives: a file streamed from a pipe announces an interface only where it starts
  // using it. The batch then keeps the matches before that packet. One thread at a time.
  Result<void> apply(PacketBatch& batch);

  const std::string& expression() const noexcept { return expr_; }
  // Link types compiled so far.
  std::size_t programs() const noexcept { return progs_.size(); }

 private:
  struct Program {
    LinkType link;
    BpfFilter bpf;
  };
  LinkFilter(std::string expr, std::uint32_t snaplen, Program first);
  Result<void> select(LinkType link);

  std::string expr_;
  std::uint32_t snaplen_;
  std::vector<Program> progs_;
  std::size_t cur_ = 0;  // the program of the link type last seen
};

}  // namespace riptide
