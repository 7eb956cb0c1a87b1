#include "core/recycle_policy.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace snakepit;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const time_point t0{};

time_point at(int64_t ms) {
  return t0 + milliseconds{ms};
}

// Always returns `r`: factor 1 - jitter + 2 * jitter * r.
random_source constant(double r) {
  return [r] { return r; };
}

recycle_limits no_jitter() {
  recycle_limits l;
  l.jitter = 0;
  return l;
}

} // namespace

TEST_CASE("recycle_reason names round-trip", "[recycle_policy]") {
  for (auto r : {recycle_reason::ttl, recycle_reason::max_requests,
                 recycle_reason::memory, recycle_reason::manual,
                 recycle_reason::crashed, recycle_reason::unhealthy,
                 recycle_reason::timeout})
    CHECK(recycle_reason_from_string(to_string(r)) == r);
  CHECK(to_string(recycle_reason::max_requests) == "max_requests");
  CHECK(to_string(recycle_reason::ttl) == "ttl");
  CHECK_FALSE(recycle_reason_from_string("TTL"));
  CHECK_FALSE(recycle_reason_from_string(""));
}

TEST_CASE("recycle_policy: ttl comes due at the jittered time",
          "[recycle_policy]") {
  auto l = no_jitter();
  l.ttl = seconds{100};
  // r = 0.75 with jitter 0.1: factor 1.05, ttl 105 s.
  l.jitter = 0.1;
  recycle_policy p{l, constant(0.75)};
  REQUIRE(p.add_worker(1, at(1000)));
  CHECK(p.limits_of(1)->ttl == milliseconds{105'000});
  CHECK(p.due(at(1000)).empty());
  CHECK(p.due(at(105'999)).empty());
  auto d = p.due(at(106'000));
  REQUIRE(d.size() == 1);
  CHECK(d[0].key == 1);
  CHECK(d[0].reason == recycle_reason::ttl);
  CHECK(p.due(at(500'000)).size() == 1);
}

TEST_CASE("recycle_policy: max_requests comes due after the jittered "
          "count",
          "[recycle_policy]") {
  auto l = no_jitter();
  l.max_requests = 100;
  l.jitter = 0.1;
  // r = 0: factor 0.9, 90 requests.
  recycle_policy p{l, constant(0.0)};
  p.add_worker(1, t0);
  CHECK(p.limits_of(1)->max_requests == 90);
  for (int i = 0; i < 89; ++i)
    p.record_request(1);
  CHECK(p.requests(1) == 89);
  CHECK(p.due(at(1)).empty());
  p.record_request(1);
  auto d = p.due(at(1));
  REQUIRE(d.size() == 1);
  CHECK(d[0].key == 1);
  CHECK(d[0].reason == recycle_reason::max_requests);
}

TEST_CASE("recycle_policy: memory over the threshold is due for memory",
          "[recycle_policy]") {
  auto l = no_jitter();
  l.memory_threshold_mb = 500;
  recycle_policy p{l, constant(0.5)};
  p.add_worker(1, t0);
  p.record_memory(1, 120, at(10));
  CHECK(p.baseline_mb(1) == 120);
  CHECK(p.due(at(10)).empty());
  p.record_memory(1, 500, at(20));
  CHECK(p.due(at(20)).empty());
  p.record_memory(1, 501, at(30));
  auto d = p.due(at(30));
  REQUIRE(d.size() == 1);
  CHECK(d[0].reason == recycle_reason::memory);
  // Still due when a later sample is lower: the decision was made.
  p.record_memory(1, 200, at(40));
  CHECK(p.due(at(40)).size() == 1);
  CHECK(p.take_birth_reports().empty());
}

TEST_CASE("recycle_policy: infinite limits never come due",
          "[recycle_policy]") {
  recycle_limits l; // all nullopt
  recycle_policy p{l, 7u};
  p.add_worker(1, t0);
  for (int i = 0; i < 100'000; ++i)
    p.record_request(1);
  p.record_memory(1, 1e9, at(1));
  p.record_memory(1, 1e12, at(2));
  CHECK(p.due(time_point::max()).empty());
  auto lim = p.limits_of(1);
  REQUIRE(lim);
  CHECK_FALSE(lim->ttl);
  CHECK_FALSE(lim->max_requests);
  CHECK_FALSE(lim->memory_threshold_mb);
  CHECK(p.take_birth_reports().empty());
}

TEST_CASE("recycle_policy: an infinite ttl spelled as milliseconds::max",
          "[recycle_policy]") {
  recycle_limits l;
  l.ttl = milliseconds::max();
  recycle_policy p{l, constant(0.99)};
  p.add_worker(1, at(5));
  CHECK_FALSE(p.limits_of(1)->ttl);
  CHECK(p.due(time_point::max()).empty());
}

TEST_CASE("recycle_policy: jitter spreads workers started together",
          "[recycle_policy]") {
  recycle_limits l;
  l.ttl = seconds{3600};
  l.max_requests = 1000;
  l.memory_threshold_mb = 1000;
  recycle_policy p{l, 42u};
  std::set<int64_t> ttls;
  int64_t lo = INT64_MAX;
  int64_t hi = 0;
  for (worker_key k = 1; k <= 100; ++k) {
    REQUIRE(p.add_worker(k, t0));
    auto lim = *p.limits_of(k);
    auto ttl = lim.ttl->count();
    CHECK(ttl >= 3'240'000);
    CHECK(ttl <= 3'960'000);
    CHECK(*lim.max_requests >= 900);
    CHECK(*lim.max_requests <= 1100);
    CHECK(*lim.memory_threshold_mb >= 900);
    CHECK(*lim.memory_threshold_mb <= 1100);
    ttls.insert(ttl);
    lo = std::min(lo, ttl);
    hi = std::max(hi, ttl);
  }
  // Distinct times spread over most of the +-10% band.
  CHECK(ttls.size() >= 95);
  CHECK(hi - lo >= 500'000);
  // Hence they come due one by one, not all at once.
  CHECK(p.due(at(lo)).size() == 1);
  CHECK(p.due(at(lo - 1)).empty());
}

TEST_CASE("recycle_policy: seeded_random is deterministic and below 1",
          "[recycle_policy]") {
  auto a = seeded_random(1);
  auto b = seeded_random(1);
  auto c = seeded_random(2);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    double x = a();
    CHECK(x == b());
    CHECK(x >= 0.0);
    CHECK(x < 1.0);
    differs = differs || x != c();
  }
  CHECK(differs);
}

TEST_CASE("recycle_policy: jitter 0 gives the exact limits",
          "[recycle_policy]") {
  auto l = no_jitter();
  l.ttl = seconds{60};
  l.max_requests = 10;
  l.memory_threshold_mb = 256.5;
  recycle_policy p{l, 99u};
  for (worker_key k = 1; k <= 10; ++k) {
    p.add_worker(k, t0);
    auto lim = *p.limits_of(k);
    CHECK(lim.ttl == milliseconds{60'000});
    CHECK(lim.max_requests == 10);
    CHECK(lim.memory_threshold_mb == 256.5);
  }
  CHECK(p.due(at(59'999)).empty());
  CHECK(p.due(at(60'000)).size() == 1);
}

TEST_CASE("recycle_policy: the jittered count is at least one",
          "[recycle_policy]") {
  recycle_limits l;
  l.max_requests = 1;
  l.jitter = 1.0;
  recycle_policy p{l, constant(0.0)};
  p.add_worker(1, t0);
  CHECK(p.limits_of(1)->max_requests == 1);
}

TEST_CASE("recycle_policy: the cap admits one recycle at a time",
          "[recycle_policy]") {
  auto l = no_jitter();
  l.ttl = seconds{10};
  recycle_policy p{l, constant(0.5)};
  // Started 1 s apart, so they come due in the order 3, 1, 2.
  p.add_worker(1, at(1000));
  p.add_worker(2, at(2000));
  p.add_worker(3, at(0));
  auto now = at(20'000);
  auto d = p.due(now);
  REQUIRE(d.size() == 1);
  CHECK(d[0].key == 3);
  // due() alone changes nothing.
  CHECK(p.due(now)[0].key == 3);
  REQUIRE(p.recycle_started(3));
  CHECK(p.in_progress() == 1);
  CHECK(p.recycling(3));
  CHECK(p.due(now).empty());
  CHECK(p.due(at(99'000)).empty());
  REQUIRE(p.recycle_finished(3));
  CHECK(p.in_progress() == 0);
  CHECK_FALSE(p.contains(3));
  d = p.due(now);
  REQUIRE(d.size() == 1);
  CHECK(d[0].key == 1);
  p.recycle_started(1);
  CHECK(p.due(now).empty());
  p.recycle_finished(1);
  d = p.due(now);
  REQUIRE(d.size() == 1);
  CHECK(d[0].key == 2);
}

TEST_CASE("recycle_policy: a larger cap returns several, oldest first",
          "[recycle_policy]") {
  auto l = no_jitter();
  l.ttl = seconds{10};
  l.max_concurrent = 2;
  recycle_policy p{l, constant(0.5)};
  p.add_worker(1, at(300));
  p.add_worker(2, at(100));
  p.add_worker(3, at(200));
  auto d = p.due(at(20'000));
  REQUIRE(d.size() == 2);
  CHECK(d[0].key == 2);
  CHECK(d[1].key == 3);
  p.recycle_started(2);
  d = p.due(at(20'000));
  REQUIRE(d.size() == 1);
  CHECK(d[0].key == 3);
}

TEST_CASE("recycle_policy: a cap of 0 never recycles", "[recycle_policy]") {
  auto l = no_jitter();
  l.ttl = seconds{1};
  l.max_concurrent = 0;
  recycle_policy p{l, constant(0.5)};
  p.add_worker(1, t0);
  p.request_manual(1);
  CHECK(p.due(at(10'000)).empty());
}

TEST_CASE("recycle_policy: a worker being recycled is not returned again",
          "[recycle_policy]") {
  auto l = no_jitter();
  l.ttl = seconds{1};
  l.max_concurrent = 5;
  recycle_policy p{l, constant(0.5)};
  p.add_worker(1, t0);
  p.add_worker(2, t0);
  CHECK(p.due(at(1000)).size() == 2);
  REQUIRE(p.recycle_started(1));
  CHECK_FALSE(p.recycle_started(1));
  CHECK_FALSE(p.request_manual(1));
  auto d = p.due(at(1000));
  REQUIRE(d.size() == 1);
  CHECK(d[0].key == 2);
  CHECK(p.in_progress() == 1);
}

TEST_CASE("recycle_policy: a cancelled recycle frees the cap and stays due",
          "[recycle_policy]") {
  auto l = no_jitter();
  l.ttl = seconds{1};
  recycle_policy p{l, constant(0.5)};
  p.add_worker(1, t0);
  p.recycle_started(1);
  CHECK(p.due(at(1000)).empty());
  REQUIRE(p.recycle_cancelled(1));
  CHECK_FALSE(p.recycle_cancelled(1));
  CHECK(p.in_progress() == 0);
  CHECK(p.contains(1));
  REQUIRE(p.due(at(1000)).size() == 1);
}

TEST_CASE("recycle_policy: removing a worker in recycle frees the cap",
          "[recycle_policy]") {
  auto l = no_jitter();
  l.ttl = seconds{1};
  recycle_policy p{l, constant(0.5)};
  p.add_worker(1, t0);
  p.add_worker(2, t0);
  p.recycle_started(1);
  CHECK(p.due(at(1000)).empty());
  REQUIRE(p.remove_worker(1));
  CHECK(p.in_progress() == 0);
  CHECK(p.due(at(1000)).size() == 1);
}

TEST_CASE("recycle_policy: manual goes first, then memory, count, ttl",
          "[recycle_policy]") {
  auto l = no_jitter();
  l.ttl = seconds{1};
  l.max_requests = 1;
  l.memory_threshold_mb = 100;
  l.max_concurrent = 10;
  recycle_policy p{l, constant(0.5)};
  for (worker_key k = 1; k <= 5; ++k) {
    p.add_worker(k, t0);
    p.record_memory(k, 10, t0);
  }
  // 1: ttl only; 2: count (and ttl); 3: memory (and count and ttl);
  // 4: manual (and everything else); 5: manual only, asked for later.
  p.record_request(2);
  p.record_request(3);
  p.record_memory(3, 200, at(1));
  p.request_manual(4);
  p.record_request(4);
  p.record_memory(4, 200, at(1));
  p.request_manual(5);
  auto d = p.due(at(5000));
  REQUIRE(d.size() == 5);
  CHECK(d[0].key == 4);
  CHECK(d[0].reason == recycle_reason::manual);
  CHECK(d[1].key == 5);
  CHECK(d[1].reason == recycle_reason::manual);
  CHECK(d[2].key == 3);
  CHECK(d[2].reason == recycle_reason::memory);
  CHECK(d[3].key == 2);
  CHECK(d[3].reason == recycle_reason::max_requests);
  CHECK(d[4].key == 1);
  CHECK(d[4].reason == recycle_reason::ttl);
  // With the default cap of 1 only the manual one comes out.
  l.max_concurrent = 1;
  recycle_policy q{l, constant(0.5)};
  q.add_worker(1, t0);
  q.add_worker(2, t0);
  q.request_manual(2);
  d = q.due(at(5000));
  REQUIRE(d.size() == 1);
  CHECK(d[0].key == 2);
  CHECK(d[0].reason == recycle_reason::manual);
}

TEST_CASE("recycle_policy: manual recycle of a worker with no limits",
          "[recycle_policy]") {
  recycle_policy p{recycle_limits{}, constant(0.5)};
  p.add_worker(1, t0);
  CHECK(p.due(t0).empty());
  REQUIRE(p.request_manual(1));
  auto d = p.due(t0);
  REQUIRE(d.size() == 1);
  CHECK(d[0].reason == recycle_reason::manual);
}

TEST_CASE("recycle_policy: over the limit at birth is reported once and "
          "never recycled for memory",
          "[recycle_policy]") {
  auto l = no_jitter();
  l.memory_threshold_mb = 100;
  l.ttl = seconds{60};
  l.max_requests = 5;
  recycle_policy p{l, constant(0.5)};
  p.add_worker(1, t0);
  p.add_worker(2, t0);
  p.record_memory(1, 150, at(10));
  p.record_memory(2, 50, at(10));
  CHECK(p.over_limit_at_birth(1));
  CHECK_FALSE(p.over_limit_at_birth(2));
  CHECK(p.baseline_mb(1) == 150);
  auto reports = p.take_birth_reports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].key == 1);
  CHECK(reports[0].baseline_mb == 150);
  CHECK(reports[0].threshold_mb == 100);
  CHECK(p.take_birth_reports().empty());
  // Growing further is neither reported again nor a reason to recycle.
  for (int i = 1; i <= 10; ++i)
    p.record_memory(1, 150 + i * 100, at(10 + i));
  CHECK(p.take_birth_reports().empty());
  CHECK(p.due(at(100)).empty());
  CHECK(p.baseline_mb(1) == 150);
  SECTION("but still for max_requests") {
    for (int i = 0; i < 5; ++i)
      p.record_request(1);
    auto d = p.due(at(100));
    REQUIRE(d.size() == 1);
    CHECK(d[0].key == 1);
    CHECK(d[0].reason == recycle_reason::max_requests);
  }
  SECTION("and for ttl") {
    p.record_memory(2, 50, at(20));
    auto d = p.due(at(60'000));
    REQUIRE(d.size() == 1);
    CHECK(d[0].key == 1);
    CHECK(d[0].reason == recycle_reason::ttl);
  }
}

TEST_CASE("recycle_policy: the birth check uses the jittered threshold",
          "[recycle_policy]") {
  recycle_limits l;
  l.memory_threshold_mb = 100;
  l.jitter = 0.1;
  recycle_policy p{l, constant(0.0)}; // threshold 90
  p.add_worker(1, t0);
  p.record_memory(1, 95, t0);
  auto reports = p.take_birth_reports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].threshold_mb == Approx(90));
}

TEST_CASE("recycle_policy: unknown keys are no-ops", "[recycle_policy]") {
  auto l = no_jitter();
  l.ttl = seconds{1};
  l.memory_threshold_mb = 1;
  recycle_policy p{l, constant(0.5)};
  CHECK_FALSE(p.remove_worker(9));
  CHECK_FALSE(p.record_request(9));
  CHECK_FALSE(p.record_memory(9, 1000, t0));
  CHECK_FALSE(p.request_manual(9));
  CHECK_FALSE(p.recycle_started(9));
  CHECK_FALSE(p.recycle_finished(9));
  CHECK_FALSE(p.recycle_cancelled(9));
  CHECK_FALSE(p.limits_of(9));
  CHECK_FALSE(p.baseline_mb(9));
  CHECK_FALSE(p.over_limit_at_birth(9));
  CHECK_FALSE(p.recycling(9));
  CHECK(p.requests(9) == 0);
  CHECK(p.in_progress() == 0);
  CHECK(p.due(at(10'000)).empty());
  CHECK(p.take_birth_reports().empty());
  // Known but not being recycled.
  p.add_worker(1, t0);
  CHECK_FALSE(p.add_worker(1, t0));
  CHECK_FALSE(p.recycle_finished(1));
  CHECK(p.in_progress() == 0);
}

TEST_CASE("recycle_policy: limits are drawn once per worker",
          "[recycle_policy]") {
  recycle_limits l;
  l.ttl = seconds{100};
  int calls = 0;
  recycle_policy p{l, [&calls] { return ++calls == 1 ? 0.0 : 0.99; }};
  p.add_worker(1, t0);
  auto first = p.limits_of(1)->ttl;
  CHECK(first == milliseconds{90'000});
  CHECK_FALSE(p.add_worker(1, t0));
  p.record_request(1);
  CHECK(p.limits_of(1)->ttl == first);
  CHECK(calls == 1);
}
