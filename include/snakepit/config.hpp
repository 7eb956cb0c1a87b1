#pragma once

/// Configuration of a Snakepit host: its pools and where things live.
/// The same structs serve the C++ API (fill them in code, then `validate`)
/// and the TOML file (`parse_config`, `load_config_file`); the keys are
/// documented in docs/configuration.md, the defaults in
/// examples/default.toml.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <snakepit/result.hpp>
#include <snakepit/sessions.hpp>

namespace snakepit {

/// How a pool runs Python: one process per worker, or one process per worker
/// serving `threads_per_worker` requests at once.
enum class worker_profile {
  /// One request at a time per worker process (one slot).
  process,
  /// `threads_per_worker` concurrent requests per worker process.
  thread,
};

/// "process" or "thread".
std::string to_string(worker_profile profile);

/// Inverse of `to_string(worker_profile)`; nullopt for any other name.
std::optional<worker_profile> worker_profile_from_string(std::string_view s);

/// How the host talks to a pool's workers.
enum class worker_transport {
  /// Length-prefixed Protobuf frames on one Unix-socket connection per
  /// worker; the worker needs only Protobuf (no grpcio), so it runs on any
  /// CPython, free-threaded included.
  native,
  /// gRPC on the worker's Unix socket (Snakepit's BridgeService), for
  /// compatibility.
  grpc,
};

/// "native" or "grpc".
std::string to_string(worker_transport transport);

/// Inverse of `to_string(worker_transport)`; nullopt for any other name.
std::optional<worker_transport> worker_transport_from_string(
  std::string_view s);

/// Bytes in a MiB, the unit of `max_message_mb`.
inline constexpr std::size_t mib_bytes = 1024 * 1024;

/// The interpreter that runs workers unless a pool names another: chosen
/// when the library was built (CMake's SNAKEPIT_DEFAULT_PYTHON, normally
/// /usr/bin/python3).
std::string default_python();

/// One pool of Python workers running one adapter. Defaults are the bundled
/// defaults (examples/default.toml).
struct pool_config {
  /// Name requests use to address the pool; [A-Za-z0-9_-], 1-64 chars.
  std::string name = "default";
  /// Process or thread workers.
  worker_profile profile = worker_profile::process;
  /// The wire between the host and the workers.
  worker_transport transport = worker_transport::native;
  /// Number of worker processes.
  int size = 2;
  /// Python adapter class as "package.module.Class".
  std::string adapter = "snakepit_bridge.adapters.showcase.ShowcaseAdapter";
  /// Extra arguments passed to the adapter.
  std::vector<std::string> adapter_args;
  /// Extra environment variables of the worker processes.
  std::map<std::string, std::string> env;
  /// Interpreter that runs the workers.
  std::string python = default_python();
  /// How long a worker may take to report ready.
  std::chrono::milliseconds startup_timeout{std::chrono::seconds{20}};
  /// How many workers start at the same time.
  int startup_concurrency = 8;
  /// Requests that may wait for a free worker; more are refused at once.
  std::size_t queue_size = 1000;
  /// How long a request may wait in the queue (may be infinite).
  std::chrono::milliseconds queue_timeout{std::chrono::seconds{5}};
  /// How long a worker may take to answer a request (may be infinite).
  std::chrono::milliseconds request_timeout{std::chrono::seconds{30}};
  /// Grace time between asking a worker to stop and killing it.
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds{5}};
  /// How long a call may keep running in Python after its caller got
  /// `request_timeout`; its slot stays busy meanwhile, and past this grace
  /// the worker is killed and replaced so its capacity comes back.
  std::chrono::milliseconds hung_call_grace{std::chrono::seconds{5}};
  /// How often each worker is pinged on its own slot; "0s" turns health
  /// checks off. A stuck worker is found within max_misses x (interval +
  /// timeout): 12 s with the defaults (docs/operations.md, "Stuck workers
  /// and shutdown").
  std::chrono::milliseconds health_check_interval{std::chrono::seconds{2}};
  /// How long a ping may take before it counts as a miss.
  std::chrono::milliseconds health_check_timeout{std::chrono::seconds{2}};
  /// Consecutive misses after which a worker is killed and replaced.
  int health_check_max_misses = 3;
  /// Restarts allowed within `restart_period` before the pool fails.
  int max_restarts = 5;
  /// Window of the restart intensity (OTP's MaxT).
  std::chrono::milliseconds restart_period{std::chrono::seconds{10}};
  /// Delay before the second restart in a period; doubles for each further.
  std::chrono::milliseconds restart_backoff{std::chrono::milliseconds{100}};
  /// Upper bound of the restart delay.
  std::chrono::milliseconds restart_backoff_max{std::chrono::seconds{5}};
  /// How long a failed pool waits before its first recovery probe (one
  /// worker started to see whether the pool can come back); doubles after
  /// each failed probe. `milliseconds::max()` ("infinity"): no automatic
  /// recovery, only a manual restart.
  std::chrono::milliseconds recovery_backoff{std::chrono::seconds{1}};
  /// Upper bound of the delay between recovery probes.
  std::chrono::milliseconds recovery_backoff_max{std::chrono::seconds{60}};
  /// Concurrent requests per worker in the thread profile (1-256).
  int threads_per_worker = 8;
  /// Thread profile: have the Python worker watch for concurrent entry into
  /// methods that are not thread-safe and report it (costs a little).
  bool thread_safety_checks = false;
  /// Start the workers by forking them from a fork server of the pool (a
  /// Python process that imported the bridge, and the adapter's module
  /// with `preload`, once). Native transport only: gRPC pools start every
  /// worker the plain way. See docs/profiles.md.
  bool fork_server = true;
  /// With `fork_server`: import the adapter's module in the fork server,
  /// so that its imports are paid once and their pages shared.
  bool preload = false;
  /// Recycle a worker this long after it became ready;
  /// `milliseconds::max()` (the default, "infinity") never.
  std::chrono::milliseconds worker_ttl = std::chrono::milliseconds::max();
  /// Recycle a worker after this many requests; nullopt (the default,
  /// "infinity") never.
  std::optional<int64_t> worker_max_requests;
  /// Recycle a worker whose Python process has a PSS above this many MiB;
  /// nullopt (the default, "infinity") never.
  std::optional<double> memory_threshold_mb;
  /// Each worker's limits are scaled by a random factor in
  /// [1 - jitter, 1 + jitter], so workers do not come due together (0-1).
  double recycle_jitter = 0.1;
  /// At most this many recycles of the pool under way at once that start
  /// a replacement; swaps with a spare come on top (`spare_workers`).
  int max_concurrent_recycles = 1;
  /// Ready workers kept out of routing (0-1000), so that a recycle is a
  /// swap: a spare takes the recycled worker's place at once and a new
  /// spare starts behind it. Spares do not count towards `size` and do not
  /// hold up the pool's readiness. See docs/profiles.md.
  int spare_workers = 0;
  /// How often the lifecycle actor checks the workers (and samples their
  /// memory and publishes the pool's gauges).
  std::chrono::milliseconds lifecycle_interval{std::chrono::seconds{1}};
  /// How long a recycled worker may take to finish its calls in flight
  /// after its replacement is ready; then it is killed.
  std::chrono::milliseconds drain_timeout{std::chrono::seconds{30}};

  // Bounds of a request's input (docs/configuration.md, "Input limits").
  /// Deepest nesting of objects and arrays accepted in a request's
  /// arguments (`{}` is 1); deeper ones get `invalid_arguments` before
  /// anything parses them, on the host and in the worker (1-10000).
  int max_json_depth = 128;
  /// Largest message either way between the host and a worker, in MiB
  /// (1-2047), on both transports: a larger request gets
  /// `invalid_arguments` before it is sent, a larger result a
  /// `python_error` (MessageTooLarge) from the worker, which keeps serving.
  int max_message_mb = 64;
  /// Largest request as sent to a worker, in bytes (arguments, command,
  /// session id and their framing), when lower than `max_message_mb`;
  /// larger ones get `invalid_arguments`. Unset: `max_message_mb`.
  std::optional<std::size_t> max_request_bytes;
  /// Chunks of one stream in flight at most, between the Python generator
  /// and the caller's acknowledgements (1-4096; docs/streaming.md).
  int stream_window = 16;
  /// How a request with a session id finds its worker unless it says
  /// (not `pool_default`; docs/sessions.md).
  affinity_mode session_affinity = affinity_mode::hint;
  /// A session with no request for this long is closed (its adapter's
  /// `close_session` runs); 0 is invalid, "infinite" keeps sessions until
  /// closed.
  std::chrono::milliseconds session_ttl{std::chrono::hours{1}};
  /// Sessions the pool keeps at most (1-1000000); a request opening one
  /// more gets `pool_saturated`.
  int max_sessions = 10000;

  /// `max_message_mb` in bytes.
  std::size_t max_message_bytes() const {
    return static_cast<std::size_t>(max_message_mb) * mib_bytes;
  }
  /// The largest request accepted: `max_request_bytes` if set, else
  /// `max_message_bytes()`.
  std::size_t request_byte_limit() const {
    return max_request_bytes.value_or(max_message_bytes());
  }

  /// True when any recycling limit (TTL, requests, memory) is set.
  bool recycles() const {
    return worker_ttl != std::chrono::milliseconds::max()
           || worker_max_requests.has_value()
           || memory_threshold_mb.has_value();
  }
};

/// The telemetry exporters a host starts (the `[telemetry]` table). Both
/// are off by default; events are published on the bus either way.
struct telemetry_config {
  /// Serve `GET /metrics` in the Prometheus text format.
  bool prometheus = false;
  /// IP address the metrics endpoint binds ("localhost" means 127.0.0.1);
  /// a loopback address unless `prometheus_allow_remote`.
  std::string prometheus_address = "127.0.0.1";
  /// TCP port of the metrics endpoint, 0-65535; 0 picks a free port.
  int prometheus_port = 9464;
  /// Allows a non-loopback `prometheus_address`, which exposes the metrics
  /// to other hosts.
  bool prometheus_allow_remote = false;
  /// Log every telemetry event (the log subscriber).
  bool log_events = false;
};

/// Serving this host's pools to other hosts, and how connected hosts watch
/// each other (the `[cluster]` table; docs/distribution.md).
/// Mutual TLS between hosts (the `[cluster.tls]` table;
/// docs/distribution.md). Every host of a cluster has a certificate signed
/// by the cluster's own CA and presents it both when it serves and when it
/// connects; a peer whose certificate that CA did not sign is refused.
struct cluster_tls_config {
  /// PEM file: this host's certificate (then any intermediates).
  std::string certificate;
  /// PEM file: the certificate's private key, unencrypted.
  std::string key;
  /// PEM file: the CA that signs the certificates of the cluster's hosts.
  /// Dedicate a CA to the cluster: every certificate it signs is a member.
  std::string ca;
  /// A peer must finish connecting (TCP and TLS) within this time, else
  /// it is dropped.
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds{5}};
  /// Largest message a peer may send, in MiB; a peer announcing a larger
  /// one is dropped.
  int max_message_mb = 64;
  /// Most connections served at once on `listen`; further ones are closed
  /// at once.
  int max_connections = 64;
};

/// Serving this host's pools to other hosts (the `[cluster]` table;
/// docs/distribution.md).
struct cluster_config {
  /// "address:port" where other hosts reach this host's pools; empty (the
  /// default): not served. Port 0 picks a free port (the host logs it). A
  /// loopback address ("127.0.0.1", "::1", "localhost") may be served
  /// without TLS; any other address ("0.0.0.0", a host's own address)
  /// needs `tls`.
  std::string listen;
  /// How often connected hosts send each other a heartbeat; "0s" turns
  /// heartbeats off, and then a frozen host is noticed only when its
  /// connection breaks.
  std::chrono::milliseconds heartbeat{std::chrono::seconds{1}};
  /// A connected host silent for this long counts as down (its calls in
  /// flight fail with `node_down`); needs heartbeats, at least twice
  /// `heartbeat`.
  std::chrono::milliseconds node_timeout{std::chrono::seconds{5}};
  /// Mutual TLS for `listen` and for remote pools; unset: plain, loopback
  /// only.
  std::optional<cluster_tls_config> tls;
};

/// A pool of another host, reached under a local name (a
/// `[[remote_pools]]` table; docs/distribution.md).
struct remote_pool_config {
  /// Local name requests use, like a pool's; unique among pools and remote
  /// pools.
  std::string name;
  /// "host:port" of the other host's `[cluster] listen`. The host is an
  /// IP address or, over TLS, a name its certificate must carry.
  std::string node;
  /// The pool's name on that host.
  std::string pool = "default";
  /// How long one attempt to connect may take.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds{3}};
  /// Delay before the second attempt to connect after a failure or a lost
  /// connection; doubles for each further attempt.
  std::chrono::milliseconds reconnect_backoff{std::chrono::milliseconds{100}};
  /// Upper bound of the delay between attempts.
  std::chrono::milliseconds reconnect_backoff_max{std::chrono::seconds{5}};
  /// How long a call may wait for the other host's reply before it fails
  /// with `request_timeout`. The remote pool's own queue and request
  /// timeouts answer first; this bounds a reply that never comes.
  std::chrono::milliseconds reply_timeout{std::chrono::minutes{5}};
  /// Connect over mutual TLS with `[cluster.tls]`'s certificate; unset:
  /// TLS when `[cluster.tls]` is set. A node that is not on loopback needs
  /// TLS.
  std::optional<bool> tls;
  /// The remote pool remembers the sessions it passed on for this long
  /// without a request ("infinity": until closed), so that those of a
  /// host or pool that restarted fail with `session_lost`; at least the
  /// pool's own `session_ttl` there.
  std::chrono::milliseconds session_ttl{std::chrono::hours{1}};
  /// Sessions it remembers at most (1-1000000); a request opening one more
  /// gets `pool_saturated`. Like the pool's `max_sessions` there.
  int max_sessions = 10000;
};

/// How a pool group picks the member for a request.
enum class group_strategy {
  /// The member with the most free capacity (ties: in turn).
  least_loaded,
  /// Each healthy member in turn.
  round_robin,
};

/// The strategy named `text` ("least_loaded", "round_robin"), if any.
std::optional<group_strategy> group_strategy_from_string(std::string_view text);

/// The name of `strategy` in config files.
std::string to_string(group_strategy strategy);

/// Several pools, local or remote, served as one under a name (a
/// `[[pool_groups]]` table; docs/distribution.md). Each request goes to
/// exactly one member, never to a member that is down or failed.
struct pool_group_config {
  /// Name requests use; unique among pools, remote pools and groups.
  std::string name;
  /// Names of pools and remote pools of this host (not groups); at least
  /// one, each once.
  std::vector<std::string> members;
  /// How the member for a request is picked.
  group_strategy strategy = group_strategy::least_loaded;
  /// How often the group asks each member for its load.
  std::chrono::milliseconds status_interval{std::chrono::milliseconds{500}};
  /// The group forgets which member holds a session after this long
  /// without a request of it; at least each member's `session_ttl`
  /// ("infinity": until closed).
  std::chrono::milliseconds session_ttl{std::chrono::hours{1}};
  /// Sessions the group routes at most (1-1000000); a request opening one
  /// more gets `pool_saturated`.
  int max_sessions = 10000;
};

/// A whole host: its pools plus process-wide settings.
struct host_config {
  /// The pools; at least one (the parser adds the default pool when the
  /// file names none).
  std::vector<pool_config> pools;
  /// Pools of other hosts, each a child of this host like its own pools.
  std::vector<remote_pool_config> remote_pools;
  /// Pools served as one under a name, each a child of this host.
  std::vector<pool_group_config> pool_groups;
  /// Serving the pools to other hosts; heartbeats between hosts.
  cluster_config cluster;
  /// Directory for sockets and ready files; empty means the default base.
  std::string run_dir;
  /// Directory holding the snakepit_bridge package (put on PYTHONPATH).
  /// Unset: SNAKEPIT_PYTHON_PATH, else `share/snakepit/python` under the
  /// prefix libsnakepit.so is installed in (process/python_location.hpp).
  std::optional<std::string> python_path;
  /// One of trace, debug, info, warn, error, off.
  std::string log_level = "info";
  /// The exporters of telemetry: Prometheus endpoint, event log.
  telemetry_config telemetry;
};

/// The bundled defaults: one pool "default", every field at its default.
host_config default_config();

/// Checks `cfg` against the rules of docs/configuration.md. Fails with
/// `invalid_arguments` whose message lists every problem, one per line, as
/// `<source>:<line>: <key>: <problem>` (source and line empty for configs
/// built in code), e.g. `pools[1].queue_timeout: must be positive`.
result<void> validate(const host_config& cfg);

/// Parses and validates TOML text; `source_name` labels the problems.
/// Keys not given keep their defaults; a file without pools gets the
/// default pool. Fails with `invalid_arguments` listing **all** problems
/// found, ordered by line, one per line (see `validate`).
result<host_config> parse_config(std::string_view toml_text,
                                 std::string source_name);

/// Reads and parses the file at `path` (see `parse_config`); an unreadable
/// file is a problem naming the path.
result<host_config> load_config_file(const std::string& path);

} // namespace snakepit
