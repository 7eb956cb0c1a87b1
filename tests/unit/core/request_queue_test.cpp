#include "core/request_queue.hpp"

#include <catch2/catch.hpp>

#include <memory>

using namespace snakepit;
using std::chrono::milliseconds;

namespace {

const time_point t0{};

time_point at(int ms) {
  return t0 + milliseconds{ms};
}

} // namespace

TEST_CASE("request_queue pops in FIFO order", "[request_queue]") {
  request_queue<int> q{10};
  CHECK(q.empty());
  CHECK_FALSE(q.pop().has_value());
  for (int i = 1; i <= 5; ++i)
    REQUIRE(q.push(i, at(1000 - i * 100)));
  CHECK(q.size() == 5);
  for (int i = 1; i <= 5; ++i)
    CHECK(q.pop() == i);
  CHECK(q.empty());
  CHECK_FALSE(q.next_deadline().has_value());
}

TEST_CASE("request_queue refuses pushes at capacity", "[request_queue]") {
  request_queue<int> q{3};
  CHECK(q.capacity() == 3);
  CHECK(q.push(1, at(10)));
  CHECK(q.push(2, at(10)));
  CHECK(q.push(3, at(10)));
  CHECK(q.full());
  CHECK_FALSE(q.push(4, at(10)));
  CHECK(q.size() == 3);
  CHECK(q.pop() == 1);
  CHECK(q.push(5, at(10)));
  CHECK_FALSE(q.push(6, at(10)));
  CHECK(q.drain() == std::vector<int>{2, 3, 5});
}

TEST_CASE("request_queue with capacity 0 refuses everything",
          "[request_queue]") {
  request_queue<int> q{0};
  CHECK_FALSE(q.push(1, at(10)));
  CHECK(q.empty());
}

TEST_CASE("request_queue expires only due items, each once",
          "[request_queue]") {
  request_queue<int> q{10};
  // Deadlines out of arrival order: timeouts differ per request.
  q.push(1, at(300));
  q.push(2, at(100));
  q.push(3, at(500));
  q.push(4, at(100));
  q.push(5, at(200));
  CHECK(q.expire(at(99)).empty());
  CHECK(q.expire(at(100)) == std::vector<int>{2, 4});
  CHECK(q.expire(at(100)).empty());
  CHECK(q.size() == 3);
  CHECK(q.expire(at(350)) == std::vector<int>{1, 5});
  CHECK(q.expire(at(350)).empty());
  CHECK(q.pop() == 3);
  CHECK(q.expire(at(10'000)).empty());
}

TEST_CASE("request_queue keeps FIFO order of the survivors",
          "[request_queue]") {
  request_queue<int> q{10};
  q.push(1, at(50));
  q.push(2, at(500));
  q.push(3, at(50));
  q.push(4, at(500));
  q.push(5, at(50));
  CHECK(q.expire(at(60)) == std::vector<int>{1, 3, 5});
  q.push(6, at(10));
  CHECK(q.pop() == 2);
  CHECK(q.pop() == 4);
  CHECK(q.pop() == 6);
}

TEST_CASE("popped items never expire", "[request_queue]") {
  request_queue<int> q{10};
  q.push(1, at(100));
  q.push(2, at(100));
  CHECK(q.pop() == 1);
  CHECK(q.expire(at(100)) == std::vector<int>{2});
}

TEST_CASE("request_queue reports the earliest deadline", "[request_queue]") {
  request_queue<int> q{10};
  q.push(1, at(300));
  CHECK(q.next_deadline() == at(300));
  q.push(2, at(100));
  CHECK(q.next_deadline() == at(100));
  q.push(3, at(200));
  CHECK(q.next_deadline() == at(100));
  q.expire(at(100));
  CHECK(q.next_deadline() == at(200));
  CHECK(q.pop() == 1);
  CHECK(q.next_deadline() == at(200));
  CHECK(q.pop() == 3);
  CHECK_FALSE(q.next_deadline().has_value());
}

TEST_CASE("request_queue drain takes everything", "[request_queue]") {
  request_queue<int> q{10};
  q.push(1, at(300));
  q.push(2, at(100));
  CHECK(q.drain() == std::vector<int>{1, 2});
  CHECK(q.empty());
  CHECK_FALSE(q.next_deadline().has_value());
  CHECK(q.expire(at(1000)).empty());
}

TEST_CASE("request_queue holds move-only items", "[request_queue]") {
  request_queue<std::unique_ptr<int>> q{2};
  q.push(std::make_unique<int>(7), at(10));
  q.push(std::make_unique<int>(8), at(5));
  auto expired = q.expire(at(5));
  REQUIRE(expired.size() == 1);
  CHECK(*expired[0] == 8);
  auto first = q.pop();
  REQUIRE(first.has_value());
  CHECK(**first == 7);
}

TEST_CASE("deadline_after saturates for infinite timeouts",
          "[request_queue]") {
  CHECK(deadline_after(at(5), milliseconds{10}) == at(15));
  CHECK(deadline_after(at(5), milliseconds::max()) == time_point::max());
  request_queue<int> q{1};
  q.push(1, deadline_after(at(5), milliseconds::max()));
  CHECK(q.expire(at(1'000'000'000)).empty());
}

TEST_CASE("request_queue push_front goes first, even past the capacity",
          "[request_queue]") {
  request_queue<int> q{2};
  REQUIRE(q.push(1, at(500)));
  REQUIRE(q.push(2, at(500)));
  REQUIRE(q.full());
  q.push_front(10, at(100));
  q.push_front(20, at(900));
  CHECK(q.size() == 4);
  CHECK_FALSE(q.push(3, at(500)));
  // The latest front push is first; expire still honours every deadline.
  auto expired = q.expire(at(100));
  CHECK(expired == std::vector<int>{10});
  CHECK(q.pop() == 20);
  CHECK(q.pop() == 1);
  CHECK(q.pop() == 2);
  CHECK(q.empty());
}
