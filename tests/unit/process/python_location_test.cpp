// Where the host finds the snakepit_bridge package: the config key, then
// SNAKEPIT_PYTHON_PATH, then beside the running executable.

#include "process/python_location.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

using namespace snakepit::process;

namespace {

const std::optional<std::string> unset;

/// Sets SNAKEPIT_PYTHON_PATH (or unsets it, for nullopt) for one scope and
/// restores the value it had.
class scoped_variable {
public:
  explicit scoped_variable(const std::optional<std::string>& value) {
    if (const char* old = std::getenv(python_path_variable.data()))
      old_ = old;
    set(value);
  }
  ~scoped_variable() {
    set(old_);
  }
  scoped_variable(const scoped_variable&) = delete;
  scoped_variable& operator=(const scoped_variable&) = delete;

private:
  static void set(const std::optional<std::string>& value) {
    if (value)
      ::setenv(python_path_variable.data(), value->c_str(), 1);
    else
      ::unsetenv(python_path_variable.data());
  }

  std::optional<std::string> old_;
};

} // namespace

TEST_CASE("python path: the config key comes first", "[process][python]") {
  auto found = resolve_python_path(std::string{"/etc/py"}, "/from/env",
                                   "/opt/sp/bin/snakepit");
  REQUIRE(found);
  CHECK(found->path == "/etc/py");
  CHECK(found->origin == python_path_origin::config);
  // Even a relative one, taken as it is (relative to the working directory).
  CHECK(resolve_python_path(std::string{"py"}, "", "")->path == "py");
}

TEST_CASE("python path: then SNAKEPIT_PYTHON_PATH", "[process][python]") {
  auto found = resolve_python_path(unset, "/from/env", "/opt/sp/bin/snakepit");
  REQUIRE(found);
  CHECK(found->path == "/from/env");
  CHECK(found->origin == python_path_origin::environment);
}

TEST_CASE("python path: then share/snakepit/python beside the executable",
          "[process][python]") {
  // An empty variable counts as unset.
  auto installed = resolve_python_path(unset, "", "/opt/sp/bin/snakepit");
  REQUIRE(installed);
  CHECK(installed->path == "/opt/sp/share/snakepit/python");
  CHECK(installed->origin == python_path_origin::executable);
  // The build tree: tests one level below the build directory, as bin.
  CHECK(resolve_python_path(unset, "", "/w/build/tests/test_integration")
          ->path
        == "/w/build/share/snakepit/python");
  CHECK(resolve_python_path(unset, "", "/snakepit")->path
        == "/share/snakepit/python");
}

TEST_CASE("python path: none without an absolute executable path",
          "[process][python]") {
  CHECK_FALSE(resolve_python_path(unset, "", ""));
  CHECK_FALSE(resolve_python_path(unset, "", "bin/snakepit"));
}

TEST_CASE("python path: the origins say where to change them",
          "[process][python]") {
  CHECK(to_string(python_path_origin::config) == "the config key python_path");
  CHECK(to_string(python_path_origin::environment)
        == "the environment variable SNAKEPIT_PYTHON_PATH");
  CHECK(to_string(python_path_origin::executable)
        == "the default beside the executable (../share/snakepit/python)");
}

TEST_CASE("python path: this process reads its variable and its executable",
          "[process][python]") {
  namespace fs = std::filesystem;
  {
    scoped_variable none{std::nullopt};
    auto found = find_python_path(unset);
    REQUIRE(found);
    CHECK(found->origin == python_path_origin::executable);
    auto build = fs::read_symlink("/proc/self/exe").parent_path().parent_path();
    CHECK(found->path == (build / "share" / "snakepit" / "python").string());
  }
  {
    scoped_variable env{std::string{"/from/env"}};
    CHECK(find_python_path(unset)->path == "/from/env");
    CHECK(find_python_path(std::string{"/etc/py"})->path == "/etc/py");
  }
}
