#include "process/orphans.hpp"
#include "process/run_directory.hpp"

#include "tests/unit/process/test_support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <cstdio>
#include <fstream>
#include <random>

#include <sys/file.h>
#include <sys/stat.h>

using namespace snakepit::process;
using namespace snakepit::process::test;
namespace fs = std::filesystem;

namespace {

/// A private scratch directory (mode 0700), removed with its contents.
struct temp_dir {
  std::string path;
  temp_dir() {
    char name[] = "/tmp/sp-test-XXXXXX";
    if (::mkdtemp(name) != nullptr)
      path = name;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

mode_t mode_of(const std::string& path) {
  struct stat st;
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

run_directory create_ok(const std::string& base) {
  auto result = run_directory::create(base);
  if (auto* error = std::get_if<std::string>(&result))
    FAIL(*error);
  return std::move(std::get<run_directory>(result));
}

std::string create_error(const std::string& base) {
  auto result = run_directory::create(base);
  auto* error = std::get_if<std::string>(&result);
  REQUIRE(error != nullptr);
  return *error;
}

bool lock_is_free(const std::string& run_path) {
  auto lock = run_path + "/host.lock";
  int fd = ::open(lock.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(fd >= 0);
  bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return free;
}

/// A fresh run id, so that concurrent test runs never share one.
std::string random_id() {
  std::random_device device;
  char buf[13];
  std::snprintf(buf, sizeof(buf), "%06x%06x", device() & 0xffffff,
                device() & 0xffffff);
  return buf;
}

std::vector<std::string> marked(const std::string& run_id) {
  return {"/bin/sh", "-c", "sleep 1000 & wait", "sh",
          std::string{run_id_flag}, run_id};
}

} // namespace

TEST_CASE("a run directory is private, locked and removed at the end",
          "[run_directory]") {
  temp_dir tmp;
  auto base = tmp.path + "/base";
  std::string path;
  {
    auto run = create_ok(base);
    path = run.path();
    CHECK(mode_of(base) == 0700);
    CHECK(mode_of(path) == 0700);
    CHECK(is_run_id(run.run_id()));
    CHECK(run.run_id().size() == 12);
    CHECK(path == base + "/" + run.run_id());
    CHECK_FALSE(lock_is_free(path));
    auto moved = std::move(run);
    CHECK(fs::exists(path));
    CHECK_FALSE(lock_is_free(path));
    auto other = create_ok(base);
    CHECK(other.run_id() != moved.run_id());
    CHECK(fs::exists(path));
  }
  CHECK_FALSE(fs::exists(path));
  CHECK(fs::is_empty(base));
}

TEST_CASE("socket and ready paths", "[run_directory]") {
  temp_dir tmp;
  auto run = create_ok(tmp.path);
  auto sock = run.socket_path("w3");
  REQUIRE(sock);
  CHECK(sock.path == run.path() + "/w3.sock");
  auto ready = run.ready_file_path("w3");
  REQUIRE(ready);
  CHECK(ready.path == run.path() + "/w3.ready");
  auto too_long = run.socket_path(std::string(100, 'w'));
  CHECK_FALSE(too_long);
  CHECK(too_long.error.find("107") != std::string::npos);
  CHECK_FALSE(run.socket_path("../escape"));
  CHECK_FALSE(run.socket_path(""));
  CHECK_FALSE(run.ready_file_path(".hidden"));
}

TEST_CASE("an unsafe run base is refused", "[run_directory]") {
  temp_dir tmp;
  SECTION("open to others") {
    auto base = tmp.path + "/open";
    REQUIRE(::mkdir(base.c_str(), 0700) == 0);
    REQUIRE(::chmod(base.c_str(), 0777) == 0);
    auto error = create_error(base);
    CHECK(error.find(base) != std::string::npos);
    CHECK(error.find("0777") != std::string::npos);
  }
  SECTION("open to the group") {
    auto base = tmp.path + "/group";
    REQUIRE(::mkdir(base.c_str(), 0700) == 0);
    REQUIRE(::chmod(base.c_str(), 0750) == 0);
    CHECK(create_error(base).find(base) != std::string::npos);
  }
  SECTION("a symlink") {
    auto real = tmp.path + "/real";
    auto link = tmp.path + "/link";
    REQUIRE(::mkdir(real.c_str(), 0700) == 0);
    REQUIRE(::symlink(real.c_str(), link.c_str()) == 0);
    auto error = create_error(link);
    CHECK(error.find(link) != std::string::npos);
    CHECK(error.find("symbolic link") != std::string::npos);
    CHECK(fs::is_empty(real));
  }
  SECTION("not owned by us") {
    if (::geteuid() != 0)
      return;
    auto base = tmp.path + "/foreign";
    REQUIRE(::mkdir(base.c_str(), 0700) == 0);
    REQUIRE(::chown(base.c_str(), 65534, 65534) == 0);
    CHECK(create_error(base).find("owned by uid 65534") != std::string::npos);
  }
  SECTION("a relative path") {
    CHECK_FALSE(create_error("relative/base").empty());
  }
}

TEST_CASE("default_run_base prefers a short XDG_RUNTIME_DIR",
          "[run_directory]") {
  temp_dir tmp;
  const char* saved = std::getenv("XDG_RUNTIME_DIR");
  std::string saved_value = saved ? saved : "";
  auto uid_base = "/tmp/snakepit-" + std::to_string(::geteuid());
  ::setenv("XDG_RUNTIME_DIR", tmp.path.c_str(), 1);
  CHECK(default_run_base() == tmp.path + "/snakepit");
  ::setenv("XDG_RUNTIME_DIR", (tmp.path + std::string(60, 'x')).c_str(), 1);
  CHECK(default_run_base() == uid_base);
  ::unsetenv("XDG_RUNTIME_DIR");
  CHECK(default_run_base() == uid_base);
  if (saved)
    ::setenv("XDG_RUNTIME_DIR", saved_value.c_str(), 1);
}

TEST_CASE("orphans of dead runs are killed, live runs are left alone",
          "[run_directory]") {
  temp_dir tmp;
  auto live = create_ok(tmp.path);
  // A dead host's run: its lock file exists but nobody holds it.
  auto stale_id = random_id();
  auto stale_dir = tmp.path + "/" + stale_id;
  REQUIRE(::mkdir(stale_dir.c_str(), 0700) == 0);
  std::ofstream{stale_dir + "/host.lock"};
  std::ofstream{stale_dir + "/w1.sock"};
  owned_process stale{marked(stale_id)};
  owned_process alive{marked(live.run_id())};
  owned_process unrelated{marked(random_id())};
  owned_process other_flag{{"/bin/sh", "-c", "sleep 1000 & wait", "sh",
                            stale_id}};
  for (auto* p : {&stale, &alive, &unrelated, &other_flag}) {
    REQUIRE(p->pid() > 0);
    // Both the shell and its sleep run before reaping starts.
    REQUIRE(eventually([&] { return group_members(p->pid()).size() == 2; }));
  }
  CHECK(find_run_processes(stale_id) == std::vector<int>{stale.pid()});
  CHECK(reap_orphans(tmp.path) == 1);
  CHECK(eventually([&] { return group_members(stale.pid()).empty(); }));
  CHECK_FALSE(fs::exists(stale_dir));
  CHECK(fs::exists(live.path()));
  CHECK_FALSE(lock_is_free(live.path()));
  CHECK(group_members(alive.pid()).size() == 2);
  CHECK(group_members(unrelated.pid()).size() == 2);
  CHECK(group_members(other_flag.pid()).size() == 2);
  CHECK(reap_orphans(tmp.path) == 0);
}

TEST_CASE("creating a run directory reaps orphans first", "[run_directory]") {
  temp_dir tmp;
  auto stale_id = random_id();
  auto stale_dir = tmp.path + "/" + stale_id;
  REQUIRE(::mkdir(stale_dir.c_str(), 0700) == 0);
  std::ofstream{stale_dir + "/host.lock"};
  owned_process stale{marked(stale_id)};
  REQUIRE(stale.pid() > 0);
  // Right after exec the kernel may not show the command line yet.
  REQUIRE(eventually([&] { return !find_run_processes(stale_id).empty(); }));
  auto run = create_ok(tmp.path);
  CHECK(eventually([&] { return group_members(stale.pid()).empty(); }));
  CHECK_FALSE(fs::exists(stale_dir));
}
