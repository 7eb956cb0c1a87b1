#include <snakepit/errors.hpp>

#include <caf/exit_reason.hpp>
#include <caf/make_message.hpp>
#include <caf/sec.hpp>

namespace snakepit {

caf::error to_caf_error(const failure& f) {
  return caf::error{static_cast<uint8_t>(f.code), error_category,
                    caf::make_message(f.message, f.python_type, f.traceback)};
}

failure from_caf_error(const caf::error& err) {
  // CAF 0.17 crashes on category() of an empty error: test it first.
  if (!err)
    return make_failure(error_code::none, "normal exit");
  if (err.category() == error_category) {
    failure f;
    f.code = static_cast<error_code>(err.code());
    const auto& ctx = err.context();
    if (ctx.match_elements<std::string, std::string, std::string>()) {
      f.message = ctx.get_as<std::string>(0);
      f.python_type = ctx.get_as<std::string>(1);
      f.traceback = ctx.get_as<std::string>(2);
    }
    return f;
  }
  return make_failure(error_code::internal, caf::to_string(err));
}

bool is_normal_exit(const caf::error& reason) {
  return !reason || reason == caf::exit_reason::normal
         || reason == caf::exit_reason::user_shutdown;
}

} // namespace snakepit
