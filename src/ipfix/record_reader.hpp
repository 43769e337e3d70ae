#pragma once
// One data record, laid out by a template, into a FlowRecord.
#include <cstddef>
#include <cstdint>

#include "riptide/flow/flow_record.hpp"
#include "riptide/ipfix/ipfix_ie.hpp"

namespace riptide::ipfix::detail {

// Applies one field's value (n bytes at p) to r; elements riptide does not know, and values of
// a size the element cannot have, are ignored as a collector ignores them.
void apply_field(const FieldSpec& f, const std::uint8_t* p, std::size_t n, FlowRecord& r) noexcept;

}  // namespace riptide::ipfix::detail
