#pragma once

/// Line handling of a child's output: splitting a byte stream into lines and
/// keeping the last lines for error reports. Used by `process_host`.

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace snakepit::process {

/// Splits a byte stream into lines. A line longer than `max_line` bytes is
/// cut into pieces, so a child that never writes a newline cannot make the
/// host buffer without bound.
class line_splitter {
public:
  /// Receives one line, without its '\n' (and without a trailing '\r').
  using line_handler = std::function<void(std::string_view)>;

  /// Splits into lines of at most `max_line` bytes.
  explicit line_splitter(std::size_t max_line = 4096);

  /// Appends `data`; calls `emit` for every line it completes.
  void feed(std::string_view data, const line_handler& emit);

  /// Calls `emit` for the unterminated last line, if any.
  void finish(const line_handler& emit);

private:
  std::size_t max_line_;
  std::string partial_;
};

/// The last lines of a child's output: at most `max_lines` lines and about
/// `max_bytes` bytes, oldest dropped first.
class output_tail {
public:
  /// Keeps at most `max_lines` lines totalling at most `max_bytes` bytes.
  explicit output_tail(std::size_t max_lines = 30,
                       std::size_t max_bytes = 8192);

  /// Appends one line; a line longer than `max_bytes` keeps only its end.
  void add(std::string_view line);

  /// The kept lines, each ended by '\n'.
  std::string text() const;

private:
  std::size_t max_lines_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<std::string> lines_;
};

} // namespace snakepit::process
