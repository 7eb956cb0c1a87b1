#include "process/output_tail.hpp"

namespace snakepit::process {

line_splitter::line_splitter(std::size_t max_line)
  : max_line_(max_line > 0 ? max_line : 1) {
  // nop
}

void line_splitter::feed(std::string_view data, const line_handler& emit) {
  while (!data.empty()) {
    auto newline = data.find('\n');
    auto room = max_line_ - partial_.size();
    if (newline == std::string_view::npos || newline > room) {
      auto take = std::min(data.size(), room);
      partial_.append(data.data(), take);
      data.remove_prefix(take);
      if (partial_.size() == max_line_) {
        emit(partial_);
        partial_.clear();
      }
      continue;
    }
    partial_.append(data.data(), newline);
    data.remove_prefix(newline + 1);
    if (!partial_.empty() && partial_.back() == '\r')
      partial_.pop_back();
    emit(partial_);
    partial_.clear();
  }
}

void line_splitter::finish(const line_handler& emit) {
  if (partial_.empty())
    return;
  emit(partial_);
  partial_.clear();
}

output_tail::output_tail(std::size_t max_lines, std::size_t max_bytes)
  : max_lines_(max_lines > 0 ? max_lines : 1),
    max_bytes_(max_bytes > 0 ? max_bytes : 1) {
  // nop
}

void output_tail::add(std::string_view line) {
  if (line.size() > max_bytes_)
    line.remove_prefix(line.size() - max_bytes_);
  lines_.emplace_back(line);
  bytes_ += line.size();
  while (lines_.size() > max_lines_ || bytes_ > max_bytes_) {
    bytes_ -= lines_.front().size();
    lines_.pop_front();
  }
}

std::string output_tail::text() const {
  std::string result;
  result.reserve(bytes_ + lines_.size());
  for (const auto& line : lines_) {
    result += line;
    result += '\n';
  }
  return result;
}

} // namespace snakepit::process
