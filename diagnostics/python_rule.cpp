#include "diagnostics/python_rule.hpp"

#include <nlohmann/json.hpp>

namespace snakepit::diagnostics {

const char* const python_probe_script = R"(import importlib, json, platform
import importlib.util, sys, sysconfig
def probe(name):
    try:
        module = importlib.import_module(name)
        return True, str(getattr(module, "__version__", "")), ""
    except Exception as exc:
        return False, "", "%s: %s" % (type(exc).__name__, exc)
gil = getattr(sys, "_is_gil_enabled", None)
out = {
    "version": platform.python_version(),
    "implementation": sys.implementation.name,
    "executable": sys.executable,
    "free_threaded_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "gil_enabled": bool(gil()) if callable(gil) else True,
    "bridge_found": importlib.util.find_spec("snakepit_bridge") is not None,
}
for key, name in (("grpc", "grpc"), ("protobuf", "google.protobuf")):
    out[key], out[key + "_version"], out[key + "_error"] = probe(name)
print(json.dumps(out))
)";

void parse_probe_output(std::string_view out, python_facts& facts) {
  auto end = out.find_last_not_of(" \t\r\n");
  if (end == std::string_view::npos) {
    facts.error = "printed nothing";
    return;
  }
  auto begin = out.rfind('\n', end);
  auto line = out.substr(begin == std::string_view::npos ? 0 : begin + 1,
                         end + 1 - (begin == std::string_view::npos
                                      ? 0
                                      : begin + 1));
  auto doc = nlohmann::json::parse(line, nullptr, false);
  if (!doc.is_object()) {
    facts.error = "printed no JSON: " + std::string{line.substr(0, 200)};
    return;
  }
  auto text = [&doc](const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>()
                                              : std::string{};
  };
  auto flag = [&doc](const char* key, bool fallback) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_boolean() ? it->get<bool>() : fallback;
  };
  facts.version = text("version");
  facts.implementation = text("implementation");
  facts.executable = text("executable");
  facts.grpc = flag("grpc", false);
  facts.grpc_version = text("grpc_version");
  facts.grpc_error = text("grpc_error");
  facts.protobuf = flag("protobuf", false);
  facts.protobuf_version = text("protobuf_version");
  facts.protobuf_error = text("protobuf_error");
  facts.bridge_found = flag("bridge_found", false);
  facts.free_threaded_build = flag("free_threaded_build", false);
  facts.gil_enabled = flag("gil_enabled", true);
}

namespace {

/// The pools of `facts`, comma-separated.
std::string pool_list(const python_facts& facts) {
  std::string out;
  for (const auto& p : facts.pools)
    out += (out.empty() ? "" : ", ") + p;
  return out;
}

const char* const install_advice =
  "Workers need grpcio and protobuf: on Debian `apt-get install "
  "python3-grpcio python3-protobuf` (for /usr/bin/python3), or set the "
  "pool's `python` key to an interpreter that has them.";

/// What the interpreter's GIL means for the pools that use it.
std::string gil_advice(const python_facts& facts) {
  if (!facts.gil_enabled)
    return "Free-threaded build with the GIL off: the threads of a "
           "thread-profile worker run Python code in parallel, so adapters "
           "must be thread-safe (docs/thread_safety.md).";
  std::string text =
    facts.free_threaded_build
      ? "Free-threaded build, but the GIL is on at run time (an extension "
        "module re-enabled it, or PYTHON_GIL=1). "
      : "The GIL is on: ";
  if (!facts.thread_pools)
    return text + "each process worker runs one request at a time anyway.";
  return text
         + "the threads of a thread-profile worker run Python code one at a "
           "time. They pay off for I/O and for native code that releases the "
           "GIL (numpy, hashing); pure-Python CPU work wants the process "
           "profile (docs/profiles.md).";
}

} // namespace

finding check_python(const python_facts& facts,
                     const std::string& python_path) {
  finding f;
  f.name = "python";
  f.add("interpreter", facts.interpreter).add("pools", pool_list(facts));
  if (!facts.error.empty()) {
    f.status = status::critical;
    f.add("error", facts.error);
    f.summary = facts.interpreter + " cannot run workers: " + facts.error;
    f.advice = "Set the pool's `python` key to a Python 3 interpreter "
               "that has grpcio and protobuf (on Debian: /usr/bin/python3 "
               "after `apt-get install python3-grpcio python3-protobuf`).";
    return f;
  }
  f.add("version", facts.version)
    .add("implementation", facts.implementation)
    .add("executable", facts.executable)
    .add("grpc", facts.grpc)
    .add("grpc_version", facts.grpc_version)
    .add("protobuf", facts.protobuf)
    .add("protobuf_version", facts.protobuf_version)
    .add("bridge_found", facts.bridge_found)
    .add("free_threaded_build", facts.free_threaded_build)
    .add("gil_enabled", facts.gil_enabled);
  auto name = facts.interpreter + " (" + facts.implementation + " "
              + facts.version + ")";
  if (!facts.grpc || !facts.protobuf) {
    f.status = status::critical;
    auto missing = !facts.grpc ? facts.grpc_error : facts.protobuf_error;
    f.add("error", missing);
    f.summary = name + " cannot import "
                + (!facts.grpc ? "grpc" : "google.protobuf") + ": " + missing;
    f.advice = install_advice;
    return f;
  }
  if (!facts.bridge_found) {
    f.status = status::critical;
    f.summary = name + " cannot find the snakepit_bridge package";
    auto dir = python_path.empty() ? std::string{"no directory"}
                                   : python_path;
    f.advice = "The host puts " + dir
               + " on the workers' PYTHONPATH (the config key python_path, "
                 "else SNAKEPIT_PYTHON_PATH, else share/snakepit/python "
                 "relative to libsnakepit.so): it must be the directory "
                 "holding snakepit_bridge, e.g. "
                 "<build>/share/snakepit/python or "
                 "<prefix>/share/snakepit/python.";
    return f;
  }
  f.summary = name + ", grpc " + facts.grpc_version + ", protobuf "
              + facts.protobuf_version + ", GIL "
              + (facts.gil_enabled ? "enabled" : "disabled");
  f.advice = gil_advice(facts);
  return f;
}

} // namespace snakepit::diagnostics
