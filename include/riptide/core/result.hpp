#pragma once
// Result<T>: a value or an Error, for every fallible call in riptide.
// std::expected would do, but clang-14 (our fuzzing compiler) cannot use libstdc++'s <expected>.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace riptide {

enum class Errc : std::uint8_t {
  invalid_argument,  // a flag or value the user gave is wrong
  not_found,         // interface, file, analyzer that does not exist
  permission,        // missing CAP_NET_RAW / file permissions
  io,                // read/write failure
  format,            // malformed file contents
  unsupported,       // valid but not handled (link type, kernel feature)
  interface_down,    // capture interface went away; the caller may reopen
  exhausted,         // a bounded resource is full
  internal,
};

struct Error {
  Errc code = Errc::internal;
  std::string message;  // one line, names the object (file, offset, interface) at fault
};

inline Error make_error(Errc c, std::string msg) { return Error{c, std::move(msg)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}          // NOLINT: implicit by design
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}      // NOLINT
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(std::move(e)), ok_(false) {}  // NOLINT
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_{};
  bool ok_ = true;
};

}  // namespace riptide
