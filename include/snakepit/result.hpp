#pragma once

/// `result<T>`: the answer of every fallible public call, either a value or
/// the `failure` that prevented it (error code, message and, when Python
/// raised, its exception type and traceback).
///
///   auto reply = client.execute("default", "add", R"({"a":1,"b":2})");
///   if (reply)
///     use(reply->result_json);
///   else
///     std::cerr << describe(reply.error()) << '\n';

#include <caf/meta/type_name.hpp>

#include <cassert>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include <snakepit/failure.hpp>

namespace snakepit {

/// Thrown by `result<T>::value()` on a result that holds a failure; carries
/// that failure. The only exception of the public API, and only there.
class bad_result_access : public std::exception {
public:
  /// Wraps the failure the result held.
  explicit bad_result_access(failure f)
    : failure_(std::move(f)), what_(describe(failure_)) {
  }

  /// The failure the result held.
  const failure& error() const noexcept {
    return failure_;
  }

  /// `describe(error())`.
  const char* what() const noexcept override {
    return what_.c_str();
  }

private:
  failure failure_;
  std::string what_;
};

/// Either a `T` or a `failure`, never both, never neither. Converts
/// implicitly from both, so a function returns `value` or
/// `make_failure(...)` alike.
///
/// Access: `ok()` (or `explicit operator bool`) says which one it holds.
/// `*r` and `r->` require `ok()`, and `error()` requires `!ok()`: like
/// `std::optional`'s `operator*`, breaking that is undefined behaviour
/// (checked by an assertion in debug builds). `value()` checks and throws
/// `bad_result_access` carrying the failure. `code()` is always safe.
template <class T>
class result {
public:
  static_assert(!std::is_same_v<std::decay_t<T>, failure>,
                "a result<failure> could not tell success from failure");

  /// The value type.
  using value_type = T;

  /// A value-initialized `T` (needed to receive a result in a message).
  result() : state_(std::in_place_index<0>) {
  }

  /// A success holding `value`.
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {
  }

  /// A failure; `f.code` should not be `error_code::none`.
  result(failure f) : state_(std::in_place_index<1>, std::move(f)) {
  }

  /// True when the result holds a value.
  bool ok() const noexcept {
    return state_.index() == 0;
  }

  /// Same as `ok()`.
  explicit operator bool() const noexcept {
    return ok();
  }

  /// `error_code::none` on success, else the failure's code.
  error_code code() const noexcept {
    return ok() ? error_code::none : std::get<1>(state_).code;
  }

  /// The value; throws `bad_result_access` with the failure if there is
  /// none.
  T& value() & {
    check();
    return std::get<0>(state_);
  }

  /// The value; throws `bad_result_access` with the failure if there is
  /// none.
  const T& value() const& {
    check();
    return std::get<0>(state_);
  }

  /// The value, moved out; throws `bad_result_access` if there is none.
  T&& value() && {
    check();
    return std::get<0>(std::move(state_));
  }

  /// The value. Precondition: `ok()`.
  T& operator*() & noexcept {
    assert(ok());
    return *std::get_if<0>(&state_);
  }

  /// The value. Precondition: `ok()`.
  const T& operator*() const& noexcept {
    assert(ok());
    return *std::get_if<0>(&state_);
  }

  /// The value, moved out. Precondition: `ok()`.
  T&& operator*() && noexcept {
    assert(ok());
    return std::move(*std::get_if<0>(&state_));
  }

  /// Member access to the value. Precondition: `ok()`.
  T* operator->() noexcept {
    assert(ok());
    return std::get_if<0>(&state_);
  }

  /// Member access to the value. Precondition: `ok()`.
  const T* operator->() const noexcept {
    assert(ok());
    return std::get_if<0>(&state_);
  }

  /// The failure. Precondition: `!ok()`.
  const failure& error() const& noexcept {
    assert(!ok());
    return *std::get_if<1>(&state_);
  }

  /// The failure, moved out. Precondition: `!ok()`.
  failure&& error() && noexcept {
    assert(!ok());
    return std::move(*std::get_if<1>(&state_));
  }

private:
  void check() const {
    if (!ok())
      throw bad_result_access(std::get<1>(state_));
  }

  std::variant<T, failure> state_;
};

/// The result of a call that yields nothing but can fail.
template <>
class result<void> {
public:
  /// The value type.
  using value_type = void;

  /// A success.
  result() = default;

  /// A failure; `f.code` should not be `error_code::none`.
  result(failure f) : error_(std::move(f)) {
  }

  /// True on success.
  bool ok() const noexcept {
    return error_.code == error_code::none;
  }

  /// Same as `ok()`.
  explicit operator bool() const noexcept {
    return ok();
  }

  /// `error_code::none` on success, else the failure's code.
  error_code code() const noexcept {
    return error_.code;
  }

  /// Throws `bad_result_access` with the failure unless `ok()`.
  void value() const {
    if (!ok())
      throw bad_result_access(error_);
  }

  /// The failure. Precondition: `!ok()`.
  const failure& error() const noexcept {
    assert(!ok());
    return error_;
  }

private:
  failure error_;
};

/// "ok" for a success, else `describe(r.error())`: for logs and test
/// messages that print a result whatever it holds.
template <class T>
std::string describe(const result<T>& r) {
  return r.ok() ? std::string{"ok"} : describe(r.error());
}

/// Inspects a failure.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, failure& x) {
  return f(caf::meta::type_name("failure"), x.code, x.message, x.python_type,
           x.traceback, x.worker, x.queue_us, x.run_us);
}

namespace detail {

/// Loads the payload of a result once its flag has been read.
template <class T>
struct result_payload {
  bool& ok;
  T& value;
  failure& error;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f,
                                                 result_payload& x) {
    return x.ok ? f(x.value) : f(x.error);
  }
};

} // namespace detail

/// Inspects a result (saving): a flag, then the value or the failure.
template <class Inspector, class T>
std::enable_if_t<Inspector::reads_state && !std::is_void_v<T>,
                 typename Inspector::result_type>
inspect(Inspector& f, result<T>& x) {
  if (x.ok())
    return f(caf::meta::type_name("result"), true, *x);
  auto err = x.error();
  return f(caf::meta::type_name("result"), false, err);
}

/// Inspects a result (loading): a flag, then the value or the failure.
template <class Inspector, class T>
std::enable_if_t<Inspector::writes_state && !std::is_void_v<T>,
                 typename Inspector::result_type>
inspect(Inspector& f, result<T>& x) {
  bool ok = true;
  T value{};
  failure error;
  detail::result_payload<T> payload{ok, value, error};
  struct assign_on_exit {
    bool& ok;
    T& value;
    failure& error;
    result<T>& target;
    ~assign_on_exit() {
      if (ok)
        target = result<T>{std::move(value)};
      else
        target = result<T>{std::move(error)};
    }
  } guard{ok, value, error, x};
  return f(caf::meta::type_name("result"), ok, payload);
}

} // namespace snakepit
