#pragma once

/// The load of the chaos suite: caller actors that each keep one request in
/// flight on a pool, every request an `echo` of a token no other request
/// carries, and check each reply: exactly one per request, its token the
/// one sent, its error (if any) counted by category.

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <snakepit/failure.hpp>
#include <snakepit/interfaces.hpp>

namespace snakepit::it {

/// What the callers saw, summed over all of them.
struct load_tally {
  /// Requests sent.
  int64_t sent = 0;
  /// Replies received, answers and errors (duplicates not counted).
  int64_t answered = 0;
  /// Successful replies whose token was the one sent.
  int64_t ok = 0;
  /// Failed replies by category.
  std::map<error_code, int64_t> errors;
  /// Successful replies carrying another token than the one sent.
  int64_t mismatched = 0;
  /// Replies that came when their caller had no request in flight: a
  /// second answer to a request.
  int64_t duplicates = 0;
  /// Requests still unanswered when their watchdog fired (counted once).
  int64_t late = 0;
  /// Requests still in flight (0 once every caller has finished).
  int64_t in_flight = 0;
  /// The first few problems in words (mismatch, duplicate, late).
  std::vector<std::string> problems;
};

/// Caller actors hammering one pool until asked to finish.
class chaos_load {
public:
  /// Spawns `callers` caller actors in `sys` sending to `pool`; a request
  /// unanswered after `watchdog` counts as late.
  chaos_load(caf::actor_system& sys, snakepit::pool_actor pool, int callers,
             std::chrono::milliseconds watchdog);
  ~chaos_load();
  chaos_load(const chaos_load&) = delete;
  chaos_load& operator=(const chaos_load&) = delete;

  /// The sums so far (consistent per caller).
  load_tally tally() const;

  /// Asks every caller to send no further request; each quits once its
  /// request in flight is answered. Waits up to `timeout` for all of them;
  /// false if some still wait for a reply.
  bool finish(std::chrono::milliseconds timeout);

  /// One caller's record, written by its actor under `mtx`.
  struct record {
    mutable std::mutex mtx;
    load_tally tally;
    bool finished = false;
  };

private:
  std::shared_ptr<std::atomic<bool>> stopping_;
  std::vector<std::shared_ptr<record>> records_;
  std::vector<caf::actor> actors_;
};

} // namespace snakepit::it
