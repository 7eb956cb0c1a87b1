// The pool's typed interface (`pool_actor`, <snakepit/interfaces.hpp>):
// the pool actor is dynamically typed inside, so these check at run time
// that each message of the interface gets the reply type it declares.
// (The execute path is typed in every other actor test: the fixture's
// client sends through a `pool_actor` handle.)

#include <catch2/catch.hpp>

#include <snakepit/errors.hpp>

#include "pool_fixture.hpp"

using namespace snakepit;
using namespace snakepit::testing;

namespace {

/// The reply `answer` holds; fails the test if it is an error.
template <class Reply>
Reply reply_of(std::variant<Reply, caf::error> answer) {
  if (auto* err = std::get_if<caf::error>(&answer))
    FAIL("error instead of a reply: " << caf::to_string(*err));
  return std::get<Reply>(std::move(answer));
}

} // namespace

TEST_CASE("the pool answers status, await_ready and inspect as declared",
          "[actors][interface]") {
  pool_fixture f{test_pool(2)};
  auto ids = f.start_workers();
  auto status = reply_of(f.ask<pool_snapshot>(status_atom::value));
  CHECK(status.name == "p");
  CHECK(status.ready == 2);
  auto ready = reply_of(f.ask<pool_snapshot>(await_ready_atom::value));
  CHECK(ready.all_ready());
  auto inspection = reply_of(f.ask<pool_snapshot>(inspect_atom::value));
  CHECK(inspection.workers.size() == ids.size());
}

TEST_CASE("the pool answers recycle and restart as declared",
          "[actors][interface]") {
  pool_fixture f{test_pool(2)};
  auto ids = f.start_workers();
  auto ack = reply_of(
    f.ask<recycle_ack>(recycle_atom::value, std::string{ids.front()}));
  CHECK(ack.workers == std::vector<std::string>{ids.front()});
  auto unknown = f.ask<recycle_ack>(recycle_atom::value, std::string{"p/w9"});
  REQUIRE(std::holds_alternative<caf::error>(unknown));
  CHECK(from_caf_error(std::get<caf::error>(unknown)).code
        == error_code::invalid_arguments);
  auto restart = reply_of(f.ask<restart_ack>(restart_atom::value));
  CHECK_FALSE(restart.restarted);
}
