// Where requests go: over the workers of a pool (least-loaded, one call per
// slot), in what order they leave the queue, and to which pool of a host
// with several.

#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <unistd.h>

#include "calls.hpp"

using namespace snakepit;
using namespace snakepit::it;
using std::chrono::milliseconds;

TEST_CASE("routing: a process pool runs concurrent calls on distinct workers, "
          "one at a time each",
          "[integration][routing]") {
  temp_dir tmp;
  host_fixture host{make_config(tmp / "run", 3)};
  auto st = host.await_ready();
  REQUIRE(st.all_ready());
  CHECK(st.total_slots == 3);

  status_sampler sampler{host, "default"};
  std::vector<std::future<execute_reply>> calls;
  for (int i = 0; i < 3; ++i)
    calls.push_back(exec_async(host, make_request("", "sleep",
                                                  sleep_args(600))));
  REQUIRE(eventually([&] { return host.status().busy_slots == 3; }, 10000ms,
                     1ms));
  // Two more than there are slots: they wait, then take freed ones.
  for (int i = 0; i < 2; ++i)
    calls.push_back(exec_async(host, make_request("", "sleep",
                                                  sleep_args(100))));

  std::vector<span> spans;
  for (auto& f : calls)
    spans.push_back(span_of(f.get()));
  sampler.stop();
  INFO("spans:\n" << describe_spans(spans));

  // The first three: three workers, at the same time.
  std::set<std::string> first_workers;
  for (int i = 0; i < 3; ++i)
    first_workers.insert(spans[i].worker);
  CHECK(first_workers.size() == 3);
  CHECK(max_overlap({spans[0], spans[1], spans[2]}) == 3);
  // No worker ever ran two calls at once; never more calls than workers.
  for (auto& [worker, mine] : by_worker(spans)) {
    INFO(worker);
    CHECK(max_overlap(mine) == 1);
  }
  CHECK(max_overlap(spans) == 3);

  CHECK(sampler.samples() > 0);
  CHECK(sampler.most_busy() == 3);
  for (const auto& v : sampler.violations())
    UNSCOPED_INFO(v);
  CHECK(sampler.violations().empty());
}

TEST_CASE("routing: queued requests from one sender are served in FIFO order",
          "[integration][routing][queue]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 1);
  cfg.pools[0].queue_size = 10;
  host_fixture host{cfg};
  REQUIRE(host.await_ready().all_ready());

  // Keep the only worker busy so that everything after it queues.
  auto blocker = exec_async(host, make_request("", "sleep", sleep_args(800)));
  REQUIRE(eventually([&] { return host.status().busy_slots == 1; }, 10000ms,
                     1ms));

  // One actor sends five requests without waiting; the pool answers each
  // with an ordinary message, in the order it serves them.
  caf::scoped_actor self{host.system()};
  auto pool = host.pool_handle("default");
  constexpr int n = 5;
  for (int i = 0; i < n; ++i)
    self->send(pool, execute_atom::value,
               make_request("default", "add",
                            "{\"a\":" + std::to_string(i) + ",\"b\":100}"));
  CHECK(eventually([&] { return host.status().queue_depth == n; }, 5000ms,
                   1ms));

  std::vector<std::string> order;
  std::vector<std::string> problems;
  for (int i = 0; i < n; ++i)
    self->receive(
      [&](execute_reply& reply) {
        if (!reply.ok())
          problems.push_back(describe(reply));
        order.push_back(reply->result_json);
      },
      caf::after(std::chrono::seconds{30}) >>
        [&] { problems.push_back("no reply within 30 s"); });
  for (const auto& p : problems)
    UNSCOPED_INFO(p);
  CHECK(problems.empty());
  CHECK(order
        == std::vector<std::string>{"100", "101", "102", "103", "104"});
  CHECK(blocker.get().ok());
  auto st = host.status();
  CHECK(st.queue_depth == 0);
  CHECK(st.busy_slots == 0);
}

TEST_CASE("pools: each pool of a host keeps its size and serves while "
          "another has failed or is saturated",
          "[integration][routing][pools]") {
  temp_dir tmp;
  auto cfg = make_config(tmp / "run", 2);
  cfg.pools[0].name = "a";
  const auto base = cfg.pools[0];
  cfg.pools.push_back(derive_pool(base, "b", worker_profile::thread, 1, 3));
  auto bad = derive_pool(
    base, "bad", worker_profile::process, 1, 1,
    "snakepit_test_adapters.import_error.ImportErrorAdapter");
  bad.max_restarts = 1;
  bad.recovery_backoff = std::chrono::milliseconds::max(); // stays failed
  cfg.pools.push_back(bad);
  auto full = derive_pool(base, "c", worker_profile::process, 1);
  full.queue_size = 1;
  cfg.pools.push_back(full);
  host_fixture host{cfg};

  auto a = host.await_ready("a");
  auto b = host.await_ready("b");
  auto c = host.await_ready("c");
  auto failed = host.await_ready("bad", 30000ms);

  // Each pool has its own size (one pool's size once overrode the others').
  REQUIRE(a.all_ready());
  CHECK(a.size == 2);
  CHECK(a.ready == 2);
  CHECK(a.total_slots == 2);
  CHECK(a.profile == "process");
  REQUIRE(b.all_ready());
  CHECK(b.size == 1);
  CHECK(b.ready == 1);
  CHECK(b.total_slots == 3);
  CHECK(b.profile == "thread");
  REQUIRE(c.all_ready());
  CHECK(c.size == 1);
  CHECK(c.total_slots == 1);
  CHECK(c.queue_size == 1);
  INFO("bad pool: " << describe(failed.failed));
  CHECK(failed.failed.code == error_code::pool_failed);
  CHECK(failed.failed.python_type == "ImportError");
  CHECK(failed.size == 1);
  CHECK(failed.ready == 0);

  // Requests reach the pool they name.
  std::set<int> a_pids;
  for (const auto& w : a.workers)
    a_pids.insert(w.info.pid);
  auto on_a = host.client().execute("a", "worker_info");
  CHECK(a_pids.count(result_of(on_a)["pid"].get<int>()) == 1);
  CHECK(on_a->worker.rfind("a/", 0) == 0);
  auto on_b = host.client().execute("b", "worker_info");
  CHECK(result_of(on_b)["pid"] == b.workers.at(0).info.pid);
  CHECK(on_b->worker.rfind("b/", 0) == 0);
  auto nowhere = host.client().execute("nosuch", "ping");
  CHECK(nowhere.code() == error_code::pool_not_found);
  CHECK(contains(nowhere.error().message, "nosuch"));

  // Saturate c: its worker busy, its one queue place taken.
  auto blocker = exec_async(host, make_request("c", "sleep", sleep_args(1500)));
  REQUIRE(eventually([&] { return host.status("c").busy_slots == 1; },
                     10000ms, 1ms));
  auto queued = exec_async(host, make_request("c", "add", R"({"a":1,"b":2})"));
  REQUIRE(eventually([&] { return host.status("c").queue_depth == 1; },
                     5000ms, 1ms));
  auto refused = host.client().execute("c", "ping");
  INFO("refused: " << describe(refused));
  CHECK(refused.code() == error_code::pool_saturated);

  // Meanwhile a and b serve, and bad answers with its failure.
  auto on_a2 = host.client().execute("a", "sleep", sleep_args(20));
  auto on_b2 = host.client().execute("b", "sleep", sleep_args(20));
  auto on_bad = host.client().execute("bad", "ping");
  CHECK(on_bad.code() == error_code::pool_failed);
  CHECK(on_bad.error().message == failed.failed.message);

  auto c_span = span_of(blocker.get());
  auto a_span = span_of(on_a2);
  auto b_span = span_of(on_b2);
  INFO("spans:\n" << describe_spans({c_span, a_span, b_span}));
  CHECK(a_span.worker.rfind("a/", 0) == 0);
  CHECK(b_span.worker.rfind("b/", 0) == 0);
  // Both were done while c's worker was still busy. (Not "started after
  // c's call": the pool counts c's slot busy at dispatch, before Python has
  // the call, and a worker's first call waits for its connection.)
  CHECK(a_span.ended < c_span.ended);
  CHECK(b_span.ended < c_span.ended);

  auto late = queued.get();
  INFO("queued on c: " << describe(late));
  CHECK(late->result_json == "3");
  // The other pools' status is untouched by c and bad.
  CHECK(host.status("a").all_ready());
  CHECK(host.status("b").all_ready());
  CHECK(host.status("c").all_ready());
}
