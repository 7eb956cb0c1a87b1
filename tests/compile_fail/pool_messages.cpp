// A user's actor talking to a pool and a host through their typed
// interfaces (<snakepit/interfaces.hpp>). Compiled by ctest with only the
// public include directory on the path, once per case (tests/compile_fail/
// CMakeLists.txt): `correct` must compile; every other case must fail with
// CAF's static assertion for that mistake.

#include <caf/event_based_actor.hpp>

#include <chrono>
#include <string>

#include <snakepit/snakepit.hpp>

namespace {

using namespace std::chrono_literals;

[[maybe_unused]] void talk_to(caf::event_based_actor* self,
                              snakepit::pool_actor pool,
                              snakepit::host_actor host) {
  snakepit::execute_request req;
  req.command = "add";
#if defined(SNAKEPIT_CASE_CORRECT)
  self->request(pool, 5s, snakepit::execute_atom::value, req)
    .then([](const snakepit::execute_reply&) {});
  self->request(pool, 5s, snakepit::recycle_atom::value, std::string{})
    .then([](const snakepit::recycle_ack&) {});
  self->request(host, 5s, snakepit::lookup_atom::value, std::string{"p"})
    .then([](const snakepit::pool_actor&) {});
#elif defined(SNAKEPIT_CASE_WRONG_MESSAGE)
  // The arguments as a bare string instead of an execute_request.
  self->request(pool, 5s, snakepit::execute_atom::value, std::string{"{}"})
    .then([](const snakepit::execute_reply&) {});
#elif defined(SNAKEPIT_CASE_UNKNOWN_MESSAGE)
  // A message no pool takes.
  self->request(pool, 5s, snakepit::lookup_atom::value, std::string{"p"})
    .then([](const snakepit::pool_actor&) {});
#elif defined(SNAKEPIT_CASE_WRONG_REPLY)
  // Expecting a status where a request's reply comes.
  self->request(pool, 5s, snakepit::execute_atom::value, req)
    .then([](const snakepit::pool_snapshot&) {});
#elif defined(SNAKEPIT_CASE_UNTYPED_LOOKUP)
  // A host answers a lookup with a typed pool handle, not a caf::actor.
  self->request(host, 5s, snakepit::lookup_atom::value, std::string{"p"})
    .then([](const caf::actor&) {});
#else
#error "define one SNAKEPIT_CASE_..."
#endif
}

} // namespace
