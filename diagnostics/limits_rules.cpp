#include "diagnostics/limits_rules.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "diagnostics/text.hpp"

namespace snakepit::diagnostics {

namespace {

/// Capability bits that lift RLIMIT_NPROC (linux/capability.h).
constexpr int cap_sys_admin = 21;
constexpr int cap_sys_resource = 24;

/// A limit as a figure: the number, or -1 for unlimited.
int64_t figure(const std::optional<uint64_t>& v) {
  return v ? static_cast<int64_t>(*v) : -1;
}

/// `n` rounded up to a multiple of 1024: limits worth typing.
int64_t round_limit(double n) {
  auto whole = static_cast<int64_t>(std::ceil(n));
  return (whole + 1023) / 1024 * 1024;
}

/// How a limit is raised: `ulimit` flag, systemd key, limits.conf item.
struct limit_knobs {
  const char* ulimit_flag;
  const char* systemd_key;
  const char* limits_conf_item;
};

/// Marks `f` as `st` (warning or critical) and advises raising `lim` to
/// `wanted`, after `why`; mentions the hard limit when it is lower too.
void advise_raise(finding& f, status st, const limit& lim, int64_t wanted,
                  const std::string& why, const limit_knobs& knobs) {
  f.status = st;
  f.add("recommended_limit", wanted);
  auto w = std::to_string(wanted);
  f.advice = why + " Raise the limit of the user that runs the host to at "
                   "least "
             + w + ": `ulimit " + knobs.ulimit_flag + " " + w
             + "` in the shell that starts it, or `" + knobs.systemd_key
             + "=" + w + "` in its systemd unit.";
  if (lim.hard && static_cast<int64_t>(*lim.hard) < wanted)
    f.advice += " The hard limit (" + std::to_string(*lim.hard)
                + ") is lower: raise it as root (`" + knobs.limits_conf_item
                + "` in /etc/security/limits.conf, or " + knobs.systemd_key
                + ").";
}

} // namespace

finding check_open_files(const fd_facts& facts, int workers_needed) {
  finding f;
  f.name = "open_files";
  f.add("soft_limit", figure(facts.nofile.soft))
    .add("hard_limit", figure(facts.nofile.hard))
    .add("open_before", facts.open_before)
    .add("fds_per_worker", facts.per_worker)
    .add("fds_per_host", facts.per_host)
    .add("measured", facts.measured)
    .add("workers_needed", static_cast<int64_t>(workers_needed));
  auto per_worker = std::max(facts.per_worker, 1.0);
  if (!facts.nofile.soft) {
    f.add("workers_allowed", int64_t{-1});
    f.summary = "no open-file limit; the config runs "
                + std::to_string(workers_needed) + " workers";
    f.advice = "Nothing to do.";
    return f;
  }
  auto usable = static_cast<double>(*facts.nofile.soft) - facts.open_before
                - facts.per_host;
  auto allowed = static_cast<int64_t>(std::max(0.0, usable / per_worker));
  f.add("workers_allowed", allowed);
  f.summary = "soft limit " + std::to_string(*facts.nofile.soft)
              + " allows about " + std::to_string(allowed)
              + " workers; the config runs " + std::to_string(workers_needed);
  if (allowed >= 2 * static_cast<int64_t>(workers_needed)) {
    f.advice = "Each worker holds about " + format_number(per_worker)
               + " descriptors in the host (its socket, output pipes, "
                 "pidfd); the host itself about "
               + std::to_string(facts.per_host)
               + (facts.measured ? "." : " (estimated: no worker ran).");
    return f;
  }
  auto critical = allowed < workers_needed;
  advise_raise(f, critical ? status::critical : status::warning,
               facts.nofile,
               round_limit(facts.open_before + facts.per_host
                           + 2.0 * workers_needed * per_worker),
               critical ? "The host will fail to start workers (EMFILE)."
                        : "Replacements during recycling and restarts "
                          "need room beyond the configured size.",
               {"-n", "LimitNOFILE", "nofile"});
  return f;
}

int64_t peak_worker_threads(const nproc_facts& facts,
                            const pool_demand& pool) {
  auto idle = pool.profile == worker_profile::thread
                ? facts.thread_worker_threads
                : facts.process_worker_threads;
  return idle + pool.slots + 1;
}

finding check_processes(const nproc_facts& facts, const demand& need) {
  finding f;
  f.name = "processes";
  int64_t needed = facts.host_threads;
  for (const auto& pool : need.pools)
    needed += pool.size * peak_worker_threads(facts, pool);
  f.add("soft_limit", figure(facts.nproc.soft))
    .add("hard_limit", figure(facts.nproc.hard))
    .add("enforced", facts.enforced)
    .add("user_threads", facts.user_threads)
    .add("threads_max", facts.threads_max)
    .add("process_worker_threads", facts.process_worker_threads)
    .add("thread_worker_threads", facts.thread_worker_threads)
    .add("host_threads", facts.host_threads)
    .add("measured", facts.measured)
    .add("threads_needed", needed);
  auto tail = "; the config needs up to " + std::to_string(needed)
              + " threads at peak";
  if (!facts.enforced || !facts.nproc.soft) {
    f.summary = std::string{facts.enforced ? "no process limit"
                                           : "process limit not enforced "
                                             "(root or CAP_SYS_RESOURCE)"}
                + tail;
    f.advice = "Linux counts threads against RLIMIT_NPROC; this user is "
               "exempt. kernel.threads-max ("
               + std::to_string(facts.threads_max)
               + ") still bounds the whole machine.";
    return f;
  }
  auto soft = static_cast<int64_t>(*facts.nproc.soft);
  auto free = soft - facts.user_threads;
  f.summary = "soft limit " + std::to_string(soft) + ", "
              + std::to_string(facts.user_threads)
              + " threads of this user running" + tail;
  if (free >= 2 * needed) {
    f.advice = "Linux counts threads against RLIMIT_NPROC. A process "
               "worker runs about "
               + std::to_string(facts.process_worker_threads)
               + " threads idle, a thread worker about "
               + std::to_string(facts.thread_worker_threads)
               + " plus one per slot under load"
               + (facts.measured ? "." : " (estimated: no worker ran).");
    return f;
  }
  auto critical = free < needed;
  advise_raise(f, critical ? status::critical : status::warning, facts.nproc,
               round_limit(static_cast<double>(facts.user_threads)
                           + 2.0 * needed),
               critical ? "Workers will fail to start or to create threads "
                          "(EAGAIN); Linux counts threads, not just "
                          "processes."
                        : "Little room is left for replacements and for "
                          "other programs of this user; Linux counts "
                          "threads, not just processes.",
               {"-u", "LimitNPROC", "nproc"});
  return f;
}

bool nproc_enforced(int64_t uid, uint64_t cap_eff) {
  auto lifted = (uint64_t{1} << cap_sys_admin)
                | (uint64_t{1} << cap_sys_resource);
  return uid != 0 && (cap_eff & lifted) == 0;
}

} // namespace snakepit::diagnostics
