#pragma once

/// Whether an interpreter a pool names can run workers: that it runs, can
/// import grpc and protobuf and find the snakepit_bridge package, and what
/// its GIL means for the thread profile.

#include <string>
#include <string_view>
#include <vector>

#include "diagnostics/finding.hpp"

namespace snakepit::diagnostics {

/// What an interpreter reported about itself (see `python_probe_script`).
struct python_facts {
  /// The interpreter as configured (a path, or a name looked up in PATH).
  std::string interpreter;
  /// The pools that use it, in config order.
  std::vector<std::string> pools;
  /// True when one of those pools has the thread profile.
  bool thread_pools = false;
  /// Why it could not be asked (did not start, failed, printed no JSON);
  /// empty when the probe answered.
  std::string error;
  /// platform.python_version(), e.g. "3.11.2".
  std::string version;
  /// sys.implementation.name, e.g. "cpython".
  std::string implementation;
  /// sys.executable.
  std::string executable;
  /// `import grpc` worked.
  bool grpc = false;
  /// grpc.__version__ when importable.
  std::string grpc_version;
  /// Why `import grpc` failed, e.g. "ModuleNotFoundError: No module named
  /// 'grpc'".
  std::string grpc_error;
  /// `import google.protobuf` worked.
  bool protobuf = false;
  /// google.protobuf.__version__ when importable.
  std::string protobuf_version;
  /// Why `import google.protobuf` failed.
  std::string protobuf_error;
  /// The snakepit_bridge package is on its path (the host's python_path).
  bool bridge_found = false;
  /// Built with --disable-gil (sysconfig Py_GIL_DISABLED).
  bool free_threaded_build = false;
  /// The GIL is on at run time (sys._is_gil_enabled(), true before 3.13).
  bool gil_enabled = true;
};

/// The Python code the interpreter runs (`python -c`): prints one JSON
/// object with version, implementation, executable, grpc, grpc_version,
/// grpc_error, protobuf, protobuf_version, protobuf_error, bridge_found,
/// free_threaded_build and gil_enabled.
extern const char* const python_probe_script;

/// Fills the interpreter's answers into `facts` from the probe's stdout
/// (the last non-empty line is the JSON, whatever a sitecustomize printed
/// before it); sets `facts.error` when there is no such JSON.
void parse_probe_output(std::string_view out, python_facts& facts);

/// Critical when the interpreter cannot be run or cannot import grpc or
/// protobuf or find snakepit_bridge; ok otherwise, with what its GIL means
/// for the thread profile as advice.
finding check_python(const python_facts& facts,
                     const std::string& python_path);

} // namespace snakepit::diagnostics
