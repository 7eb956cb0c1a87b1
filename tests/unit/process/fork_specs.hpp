#pragma once

/// Launch specs for the fork server tests: a fork server of the real
/// Python package, and native workers of the showcase adapter that it
/// forks (or that start the plain way when it cannot).

#include "process/launcher.hpp"

#include <memory>
#include <string>

namespace snakepit::process::test {

/// A run id shaped like the host's (the fork server wants one).
inline const std::string fork_test_run_id = "0123456789abcdef";

/// The fork server of key `key` on `python`, the package in `python_dir`;
/// `adapter` and `preload` as the pool would pass them.
inline std::shared_ptr<fork_server_spec>
fork_server_of(const std::string& python, const std::string& python_dir,
               const std::string& adapter, bool preload = false,
               const std::string& key = "t") {
  auto spec = std::make_shared<fork_server_spec>();
  spec->key = key;
  spec->start.executable = python;
  spec->start.args = {"-m",      "snakepit_bridge.fork_server",
                      "--control-fd", "3",
                      "--adapter", adapter,
                      "--snakepit-run-id", fork_test_run_id};
  if (preload)
    spec->start.args.emplace_back("--preload");
  spec->start.env = {{"PYTHONPATH", python_dir},
                     {"PYTHONDONTWRITEBYTECODE", "1"}};
  spec->start.tag = key + "/fork-server";
  return spec;
}

/// A native showcase worker serving on `dir`/`name`.sock, forked by
/// `server` (or started the plain way with the same command line).
inline launch_spec forked_worker(std::shared_ptr<fork_server_spec> server,
                                 const std::string& dir,
                                 const std::string& name) {
  launch_spec spec;
  spec.executable = server->start.executable;
  spec.env = server->start.env;
  spec.tag = name;
  spec.forked_args = {"--adapter",
                      "snakepit_bridge.adapters.showcase.ShowcaseAdapter",
                      "--socket",
                      dir + "/" + name + ".sock",
                      "--ready-file",
                      dir + "/" + name + ".ready",
                      "--snakepit-run-id",
                      fork_test_run_id,
                      "--transport",
                      "native"};
  spec.args = {"-m", "snakepit_bridge"};
  spec.args.insert(spec.args.end(), spec.forked_args.begin(),
                   spec.forked_args.end());
  spec.fork_server = std::move(server);
  return spec;
}

} // namespace snakepit::process::test
