#include "fake_launcher.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <catch2/catch.hpp>

namespace snakepit::testing {

namespace {

/// Far above Linux's largest pid (2^22): no /proc entry has it.
constexpr int first_fake_pid = 1'000'000'000;

/// The value after `flag` in `args`; empty if absent.
std::string argument_after(const std::vector<std::string>& args,
                           const std::string& flag) {
  auto i = std::find(args.begin(), args.end(), flag);
  return i == args.end() || std::next(i) == args.end() ? std::string{}
                                                       : *std::next(i);
}

/// Writes `text` to `path` as the worker does: whole, by a rename.
void write_ready_file(const std::string& path, const std::string& text) {
  REQUIRE_FALSE(path.empty());
  auto temp = path + ".tmp";
  {
    std::ofstream out{temp, std::ios::binary | std::ios::trunc};
    out << text;
    REQUIRE(out.good());
  }
  REQUIRE(std::rename(temp.c_str(), path.c_str()) == 0);
}

} // namespace

fake_launcher::fake_launcher(event_log log) : log_(std::move(log)) {
}

void fake_launcher::spawn(process::launch_spec spec,
                          process::started_callback on_started,
                          process::exit_callback on_exit) {
  log_->push_back("spawn " + spec.tag);
  fake_process p;
  p.spec = std::move(spec);
  p.on_started = std::move(on_started);
  p.on_exit = std::move(on_exit);
  processes_.push_back(std::move(p));
}

void fake_launcher::terminate(process::process_id id,
                              std::chrono::milliseconds) {
  if (auto* p = find(id); p != nullptr && !p->over) {
    log_->push_back("terminate " + p->spec.tag);
    p->stop_asked = true;
  }
}

void fake_launcher::kill(process::process_id id) {
  if (auto* p = find(id); p != nullptr && !p->over) {
    log_->push_back("kill " + p->spec.tag);
    p->stop_asked = true;
    p->killed = true;
  }
}

std::vector<std::string> fake_launcher::waiting() const {
  std::vector<std::string> out;
  for (const auto& p : processes_)
    if (p.id == 0 && !p.over)
      out.push_back(p.spec.tag);
  return out;
}

void fake_launcher::start_ready(const std::string& id) {
  auto& p = assign_pid(find(id));
  auto slots = argument_after(p.spec.args, "--max-workers");
  nlohmann::json report{
    {"status", "ready"},
    {"address", "fake:" + id},
    {"pid", p.pid},
    {"python_version", "3.11.2"},
    {"implementation", "CPython"},
    {"executable", p.spec.executable},
    {"adapter", argument_after(p.spec.args, "--adapter")},
    {"max_workers", slots.empty() ? 1 : std::stoi(slots)},
  };
  start(p, report.dump());
}

void fake_launcher::start_failing(const std::string& id,
                                  const std::string& type,
                                  const std::string& message,
                                  const std::string& traceback) {
  auto& p = assign_pid(find(id));
  nlohmann::json report{
    {"status", "error"},
    {"stage", "import"},
    {"adapter", argument_after(p.spec.args, "--adapter")},
    {"type", type},
    {"message", message},
    {"traceback", traceback},
  };
  start(p, report.dump());
}

void fake_launcher::start_silent(const std::string& id) {
  auto& p = assign_pid(find(id));
  p.on_started(process::started{p.id, p.pid});
}

fake_process& fake_launcher::assign_pid(fake_process& p) {
  REQUIRE(p.id == 0);
  REQUIRE_FALSE(p.over);
  p.id = next_id_++;
  p.pid = first_fake_pid + static_cast<int>(p.id);
  return p;
}

void fake_launcher::start(fake_process& p, const std::string& ready_json) {
  write_ready_file(argument_after(p.spec.args, "--ready-file"), ready_json);
  p.on_started(process::started{p.id, p.pid});
}

void fake_launcher::exit(const std::string& id, process::exit_info info) {
  auto& p = find(id);
  REQUIRE(p.id != 0);
  REQUIRE_FALSE(p.over);
  p.over = true;
  p.stop_asked = false;
  p.on_exit(p.id, std::move(info));
}

int fake_launcher::exit_stopped() {
  int ended = 0;
  for (auto& p : processes_) {
    if (!p.stop_asked || p.over)
      continue;
    process::exit_info info;
    info.exit_code = p.killed ? -1 : 0;
    info.signal = p.killed ? SIGKILL : 0;
    exit(p.spec.tag, std::move(info));
    ++ended;
  }
  return ended;
}

int fake_launcher::refuse_waiting() {
  int refused = 0;
  for (auto& p : processes_) {
    if (p.id != 0 || p.over)
      continue;
    p.over = true;
    p.on_started("cannot start " + p.spec.executable + ": the test ended");
    ++refused;
  }
  return refused;
}

bool fake_launcher::stop_asked(const std::string& id) const {
  return find(id).stop_asked;
}

int fake_launcher::pid_of(const std::string& id) const {
  return find(id).pid;
}

fake_process& fake_launcher::find(const std::string& id) {
  const auto& self = *this;
  return const_cast<fake_process&>(self.find(id));
}

const fake_process& fake_launcher::find(const std::string& id) const {
  // The latest: a tag is a worker id, unique within its pool.
  auto i = std::find_if(
    processes_.rbegin(), processes_.rend(),
    [&](const fake_process& p) { return p.spec.tag == id; });
  if (i == processes_.rend())
    throw std::logic_error("no process was asked for worker " + id);
  return *i;
}

fake_process* fake_launcher::find(process::process_id id) {
  for (auto& p : processes_)
    if (p.id == id)
      return &p;
  return nullptr;
}

} // namespace snakepit::testing
