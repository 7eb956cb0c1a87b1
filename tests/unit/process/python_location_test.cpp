// Where the host finds the snakepit_bridge package: the config key, then
// SNAKEPIT_PYTHON_PATH, then relative to libsnakepit.so.

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
                                   "/opt/sp/lib/libsnakepit.so.0.1",
                                   "../share/snakepit/python");
  REQUIRE(found);
  CHECK(found->path == "/etc/py");
  CHECK(found->origin == python_path_origin::config);
  // Even a relative one, taken as it is (relative to the working directory).
  CHECK(resolve_python_path(std::string{"py"}, "", "", "")->path == "py");
}

TEST_CASE("python path: then SNAKEPIT_PYTHON_PATH", "[process][python]") {
  auto found = resolve_python_path(unset, "/from/env",
                                   "/opt/sp/lib/libsnakepit.so.0.1",
                                   "../share/snakepit/python");
  REQUIRE(found);
  CHECK(found->path == "/from/env");
  CHECK(found->origin == python_path_origin::environment);
}

TEST_CASE("python path: then relative to the library's directory",
          "[process][python]") {
  // An empty variable counts as unset.
  auto installed = resolve_python_path(unset, "", "/opt/sp/lib/libsnakepit.so",
                                       "../share/snakepit/python");
  REQUIRE(installed);
  CHECK(installed->path == "/opt/sp/share/snakepit/python");
  CHECK(installed->origin == python_path_origin::library);
  // Debian's multiarch library directory is one level deeper.
  CHECK(resolve_python_path(unset, "",
                            "/usr/lib/x86_64-linux-gnu/libsnakepit.so.0.1",
                            "../../share/snakepit/python")
          ->path
        == "/usr/share/snakepit/python");
  CHECK(resolve_python_path(unset, "", "/lib/libsnakepit.so",
                            "../share/snakepit/python")
          ->path
        == "/share/snakepit/python");
}

TEST_CASE("python path: none without an absolute library path",
          "[process][python]") {
  CHECK_FALSE(resolve_python_path(unset, "", "", "../share/snakepit/python"));
  CHECK_FALSE(resolve_python_path(unset, "", "lib/libsnakepit.so",
                                  "../share/snakepit/python"));
}

TEST_CASE("python path: the origins say where to change them",
          "[process][python]") {
  CHECK(to_string(python_path_origin::config) == "the config key python_path");
  CHECK(to_string(python_path_origin::environment)
        == "the environment variable SNAKEPIT_PYTHON_PATH");
  CHECK(to_string(python_path_origin::library)
        == "the default relative to libsnakepit.so ("
             + std::string{python_dir_from_library()} + ")");
}

TEST_CASE("python path: this process finds the package the build staged",
          "[process][python]") {
  namespace fs = std::filesystem;
  // This test links libsnakepit.so, which lies in <build>/<libdir>.
  auto library = library_file();
  REQUIRE(library);
  CHECK(fs::path{*library}.filename().string().rfind("libsnakepit.so", 0)
        == 0);
  {
    scoped_variable none{std::nullopt};
    auto found = find_python_path(unset);
    REQUIRE(found);
    CHECK(found->origin == python_path_origin::library);
    CHECK(fs::is_regular_file(fs::path{found->path} / "snakepit_bridge"
                              / "__init__.py"));
    auto exe = fs::read_symlink("/proc/self/exe");
    // <build>/tests/test_process and <build>/share/snakepit/python.
    CHECK(found->path
          == (exe.parent_path().parent_path() / "share" / "snakepit"
              / "python")
               .string());
  }
  {
    scoped_variable env{std::string{"/from/env"}};
    CHECK(find_python_path(unset)->path == "/from/env");
    CHECK(find_python_path(std::string{"/etc/py"})->path == "/etc/py");
  }
}
