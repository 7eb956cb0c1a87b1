// The `snakepit` command-line tool.

#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace snakepit::cli;
  CLI::App app{"Snakepit: supervised pools of Python workers"};
  app.require_subcommand(1);
  common_options common;
  auto add_common = [&common](CLI::App* cmd) {
    cmd->add_option("-c,--config", common.config_path,
                    "TOML config file (default: built-in default pool)");
    cmd->add_option("--log-level", common.log_level,
                    "trace, debug, info, warn, error or off (default: the "
                    "config's log_level, info)");
  };

  auto* run = app.add_subcommand("run", "Start the pools and serve until "
                                        "interrupted (SIGINT/SIGTERM)");
  add_common(run);

  exec_options exec;
  auto* exec_cmd = app.add_subcommand(
    "exec", "Run one command on a pool and print its JSON result (a "
            "binary result is written raw)");
  add_common(exec_cmd);
  exec_cmd->add_option("-p,--pool", exec.pool,
                       "Pool name (default: the first pool)");
  exec_cmd->add_option("-t,--timeout", exec.timeout,
                       "Request timeout, e.g. 500ms, 30s (default: the "
                       "pool's request_timeout)");
  exec_cmd->add_flag("--idempotent", exec.idempotent,
                     "The command is safe to run twice: if its worker "
                     "crashes under it, run it once more on another worker");
  exec_cmd->add_option("-b,--binary", exec.binary_args,
                       "A binary argument NAME=FILE: the file's bytes, "
                       "passed raw to the tool as NAME (repeatable)")
    ->allow_extra_args(false);
  exec_cmd->add_option("--session", exec.session_id,
                       "Run the command in session ID: on the worker that "
                       "holds the session's state (docs/sessions.md)")
    ->type_name("ID");
  exec_cmd->add_option("--affinity", exec.affinity,
                       "With --session: hint, strict_queue or "
                       "strict_fail_fast (default: the pool's "
                       "session_affinity)")
    ->type_name("MODE");
  exec_cmd->add_option("COMMAND", exec.command, "Tool of the adapter")
    ->required();
  exec_cmd->add_option("JSON_ARGS", exec.args_json,
                       "Arguments as a JSON object")
    ->capture_default_str();

  int demo_requests = 48;
  auto* demo = app.add_subcommand(
    "demo", "The main job: a pool of Python workers runs a batch of real "
            "work (hashing, arithmetic, CPU, sleeps), prints the results and "
            "exits");
  add_common(demo);
  demo->add_option("-n,--requests", demo_requests,
                   "Number of hash_blob requests in the batch")
    ->capture_default_str()
    ->check(CLI::Range(1, 100000));

  recycle_options recycle;
  auto* recycle_cmd = app.add_subcommand(
    "recycle", "Ask a running host (`snakepit run`) to recycle workers of a "
               "pool, make-before-break; returns at once");
  add_common(recycle_cmd);
  recycle_cmd->add_option("-p,--pool", recycle.pool, "Pool name")->required();
  recycle_cmd->add_option("-w,--worker", recycle.worker,
                          "Worker id, e.g. default/w3 (default: every "
                          "worker of the pool)");
  recycle_cmd->add_option("--run", recycle.run_id,
                          "Run id of the host (default: the only host "
                          "running under the config's run_dir)");

  restart_options restart;
  auto* restart_cmd = app.add_subcommand(
    "restart", "Ask a running host (`snakepit run`) to restart a failed "
               "pool now (all its workers, a fresh restart budget); a pool "
               "that has not failed is left alone");
  add_common(restart_cmd);
  restart_cmd->add_option("-p,--pool", restart.pool, "Pool name")->required();
  restart_cmd->add_option("--run", restart.run_id,
                          "Run id of the host (default: the only host "
                          "running under the config's run_dir)");

  inspect_options inspect;
  auto* inspect_cmd = app.add_subcommand(
    "inspect", "Show what the pools of a running host (`snakepit run`) are "
               "doing: slots, queue, counts, and per worker state, memory "
               "(PSS/USS/RSS) and CPU");
  add_common(inspect_cmd);
  inspect_cmd->add_option("-p,--pool", inspect.pool,
                          "Pool name (default: every pool)");
  inspect_cmd->add_option("--format", inspect.format, "text or json")
    ->check(CLI::IsMember({"text", "json"}))
    ->capture_default_str();
  inspect_cmd->add_flag("--recommendations", inspect.recommendations,
                        "Add advice with the evidence it is based on");
  inspect_cmd->add_flag("--watch", inspect.watch,
                        "Repeat until interrupted (Ctrl-C)");
  inspect_cmd->add_option("--interval", inspect.interval_seconds,
                          "Seconds between two --watch reports")
    ->check(CLI::Range(1, 3600))
    ->capture_default_str();
  inspect_cmd->add_option("--run", inspect.run_id,
                          "Run id of the host (default: the only host "
                          "running under the config's run_dir)");
  inspect_cmd->add_option("--node", inspect.node,
                          "Inspect the pools of another host, at its "
                          "[cluster] listen (\"host:port\"), over mutual "
                          "TLS with the config's [cluster.tls]")
    ->type_name("HOST:PORT");

  diagnose_options diagnose;
  auto* diagnose_cmd = app.add_subcommand(
    "diagnose", "Check this machine for what limits scaling the config's "
                "pools (open files, processes, memory, Python, socket "
                "paths, spawn rate), starting a few real workers");
  add_common(diagnose_cmd);
  diagnose_cmd->add_option("--format", diagnose.format, "text or json")
    ->capture_default_str();
  diagnose_cmd->add_option("--spawn-workers", diagnose.spawn_workers,
                           "Workers started at once to measure the spawn "
                           "rate, 1 to 32")
    ->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (run->parsed())
    return run_command(common);
  if (exec_cmd->parsed())
    return exec_command(common, exec);
  if (recycle_cmd->parsed())
    return recycle_command(common, recycle);
  if (restart_cmd->parsed())
    return restart_command(common, restart);
  if (inspect_cmd->parsed())
    return inspect_command(common, inspect);
  if (diagnose_cmd->parsed())
    return diagnose_command(common, diagnose);
  return demo_command(common, demo_requests);
}
