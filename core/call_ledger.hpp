#pragma once

/// Calls forwarded over a link that can break (a remote pool's connection
/// to its host), so that each gets exactly one answer: its reply, or the
/// failure of the link, whichever comes first. Whoever answers takes the
/// call out; whatever arrives for it later finds nothing to answer.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace snakepit {

/// The open calls of one link, each holding what answers its caller
/// (`Answer`: a response promise in the actor, anything in tests).
template <class Answer>
class call_ledger {
public:
  /// Opens a call; its id is new for the lifetime of the ledger.
  uint64_t open(Answer answer) {
    auto id = ++last_id_;
    open_.emplace(id, std::move(answer));
    return id;
  }

  /// Closes call `id` and gives its answer; nullopt when it was closed
  /// already (answered, or failed with its link).
  std::optional<Answer> close(uint64_t id) {
    auto i = open_.find(id);
    if (i == open_.end())
      return std::nullopt;
    auto answer = std::move(i->second);
    open_.erase(i);
    return answer;
  }

  /// Closes every open call, oldest first, and gives their answers.
  std::vector<Answer> close_all() {
    std::vector<Answer> out;
    out.reserve(open_.size());
    for (auto& entry : open_)
      out.push_back(std::move(entry.second));
    open_.clear();
    return out;
  }

  /// Closes every open call whose answer satisfies `pred`, oldest first,
  /// and gives their ids and answers.
  template <class Pred>
  std::vector<std::pair<uint64_t, Answer>> close_if(Pred pred) {
    std::vector<std::pair<uint64_t, Answer>> out;
    for (auto i = open_.begin(); i != open_.end();) {
      if (pred(std::as_const(i->second))) {
        out.emplace_back(i->first, std::move(i->second));
        i = open_.erase(i);
      } else {
        ++i;
      }
    }
    return out;
  }

  /// Calls open now.
  std::size_t size() const {
    return open_.size();
  }

private:
  uint64_t last_id_ = 0;
  std::map<uint64_t, Answer> open_;
};

} // namespace snakepit
