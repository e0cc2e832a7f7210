/*
 * nazar/plugin.h — the Nazar plugin ABI.
 *
 * This header is a public contract. Third parties compile notifier, detector and
 * collector plugins against it and expect them to keep loading for years, so:
 *
 *   - every struct that crosses the line starts with `uint32_t struct_size`
 *     (the size the *producer* of the struct was compiled with), so the receiver
 *     knows which fields exist;
 *   - fields are never reordered or removed, only appended at the end of a struct;
 *   - NAZAR_ABI_VERSION is bumped when an older plugin would misbehave under a newer
 *     host without it (new required callback, changed meaning of a field).
 *
 * A plugin is a shared object that exports exactly one symbol:
 *
 *     const nazar_plugin *nazar_plugin_entry(void);
 *
 * It is a function, not data, because dlsym() is only guaranteed for functions
 * (the reason PostgreSQL uses Pg_magic_func). The host calls it once after dlopen(),
 * checks struct_size, abi_version and kind *before* calling anything else, and
 * refuses the library with a journal message that says exactly what differs.
 *
 * Host → plugin compatibility rules (see PluginLoader in the host):
 *   - abi_version > host's NAZAR_ABI_VERSION      → refused ("built for a newer host").
 *   - struct_size < NAZAR_PLUGIN_MIN_SIZE          → refused ("descriptor too small").
 *   - struct_size > the host's sizeof(nazar_plugin) and abi_version <= host's
 *                                                  → refused (fields the host cannot know).
 *   - otherwise the host zero-fills its own nazar_plugin and copies struct_size bytes,
 *     so fields appended after the plugin was built read as NULL/0.
 *
 * Plugin → host: the host hands the plugin a nazar_host_api table at create time.
 * Functions are only ever appended to it; a plugin that wants a function added in a
 * later ABI checks NAZAR_HOST_HAS(api, field) before calling it.
 *
 * Memory: whoever allocates frees. Every pointer passed into a call (config JSON,
 * point batches, alerts, labels, strings) is valid for the duration of that call only;
 * copy what you keep. Error messages are written into buffers the host owns.
 *
 * Threading: the host never calls one instance concurrently with itself (calls on one
 * instance are serialised, though not necessarily on the same OS thread). Different
 * instances, even of the same plugin, may be called concurrently. A plugin may call
 * any host function from any thread, at any time between create() returning and
 * destroy() being called.
 *
 * Nothing that is not C crosses this line: no C++ exceptions, no Swift errors, no
 * longjmp out of a callback.
 */
#ifndef NAZAR_PLUGIN_H
#define NAZAR_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. */
#define NAZAR_ABI_VERSION 1u

/* ---------------------------------------------------------------------------------
 * Return codes of every fallible call, in both directions.
 * ------------------------------------------------------------------------------- */
enum {
    /* Success. For notify(): the alert was delivered. */
    NAZAR_OK = 0,
    /* Failure that retrying will not fix (bad config, bad token, HTTP 4xx).
     * For notify(): the host stops retrying and records the failure. */
    NAZAR_ERROR = -1,
    /* Transient failure (timeout, HTTP 5xx, 429, broker away). For notify(): the host
     * retries later with backoff, or after nazar_error.retry_after_ms if set. */
    NAZAR_RETRY = -2,
    /* Host functions only: the call was refused because the host is shutting down
     * or the instance is no longer running. */
    NAZAR_STOPPED = -3,
    /* Host functions only: publish() could not queue every point because a
     * subscriber's bounded queue stayed full; the points were counted as dropped. */
    NAZAR_DROPPED = -4
};

/* Plugin kinds (nazar_plugin.kind). A host refuses kinds it does not know. */
enum {
    /* Produces points: collect() is called on the instance's interval. */
    NAZAR_KIND_COLLECTOR = 1,
    /* Consumes points: on_points() receives batches matching its subscriptions and
     * raises/resolves alerts through the host. */
    NAZAR_KIND_DETECTOR = 2,
    /* Consumes alerts: notify() delivers one alert (firing or resolved). */
    NAZAR_KIND_NOTIFIER = 3
};

/* Log levels for nazar_host_api.log; numerically equal to syslog priorities, so the
 * journal's PRIORITY= field is the level itself. */
enum {
    NAZAR_LOG_ERROR = 3,
    NAZAR_LOG_WARNING = 4,
    NAZAR_LOG_NOTICE = 5,
    NAZAR_LOG_INFO = 6,
    NAZAR_LOG_DEBUG = 7
};

/* Alert severities (nazar_alert.severity); also the <severity> in the bus topic
 * alerts.<severity>.<rule> as "info", "warning", "critical". */
enum {
    NAZAR_SEVERITY_INFO = 1,
    NAZAR_SEVERITY_WARNING = 2,
    NAZAR_SEVERITY_CRITICAL = 3
};

/* Alert states (nazar_alert.state). */
enum {
    /* The condition holds; a detector raises it with alert_raise(). */
    NAZAR_ALERT_FIRING = 1,
    /* The condition stopped holding; a detector reports it with alert_resolve(). */
    NAZAR_ALERT_RESOLVED = 2
};

/* ---------------------------------------------------------------------------------
 * Data that crosses the line.
 * ------------------------------------------------------------------------------- */

/* One key=value pair: a metric label, or a structured log field.
 * Both strings are NUL-terminated UTF-8. Label keys match [a-zA-Z_][a-zA-Z0-9_]*.
 * Log field keys are upper-cased by the host into journal field names
 * ([A-Z0-9_], not starting with '_'); other characters become '_'. */
typedef struct nazar_label {
    const char *key;
    const char *value;
} nazar_label;

/* One measurement. Producers fill it for publish(); the host fills it for on_points().
 * This struct is passed in arrays: the array's stride is nazar_point_batch.point_size,
 * never sizeof(nazar_point), so fields appended later do not break older plugins. */
typedef struct nazar_point {
    /* sizeof(nazar_point) as compiled by whoever filled this struct. */
    uint32_t struct_size;
    /* Number of entries in `labels`. */
    uint32_t label_count;
    /* Host-assigned series id from series_register(), or 0.
     * publish(): if non-zero, `name` and `labels` are ignored (fast path);
     *            if 0, the host resolves the series from name + labels.
     * on_points(): always set; stable for the life of the daemon process, so a
     *              detector may key its per-series state on it. */
    uint64_t series;
    /* Metric name, dot-separated, e.g. "cpu.total", "net.rx_bytes". [a-zA-Z0-9_.]+ */
    const char *name;
    /* Labels of the series, e.g. {host="web1", cpu="3"}. The host adds host=<hostname>
     * if the producer did not set a "host" label. In on_points() they are sorted by key. */
    const nazar_label *labels;
    /* Time of the measurement, nanoseconds since the Unix epoch (UTC). */
    int64_t timestamp_ns;
    /* The value. NaN and ±Inf are carried as they are; detectors decide what they mean. */
    double value;
} nazar_point;

/* A batch of points, in both directions. */
typedef struct nazar_point_batch {
    /* sizeof(nazar_point_batch) as compiled by whoever filled this struct. */
    uint32_t struct_size;
    /* Stride between consecutive points in `points`, in bytes (>= offsetof(nazar_point,
     * value) + sizeof(double)). Index with NAZAR_BATCH_POINT(batch, i). */
    uint32_t point_size;
    /* Number of points. */
    uint64_t count;
    /* First point. */
    const nazar_point *points;
} nazar_point_batch;

/* The i-th point of a batch, honouring the batch's stride. */
#define NAZAR_BATCH_POINT(batch, i) \
    ((const nazar_point *)((const char *)(batch)->points + (size_t)(i) * (batch)->point_size))

/* An alert, raised or resolved by a detector, delivered to notifiers. */
typedef struct nazar_alert {
    /* sizeof(nazar_alert) as compiled by whoever filled this struct. */
    uint32_t struct_size;
    /* NAZAR_SEVERITY_*. */
    uint32_t severity;
    /* NAZAR_ALERT_*. Ignored on alert_raise()/alert_resolve() (the call says it);
     * set by the host for notify(). */
    uint32_t state;
    /* Number of entries in `labels`. */
    uint32_t label_count;
    /* Rule name, e.g. "cpu_high". [a-zA-Z0-9_-]+ (one topic word: no dots); the <rule> of
     * alerts.<severity>.<rule>. Alerts with another rule name are refused (NAZAR_ERROR). */
    const char *rule;
    /* Labels identifying what the alert is about: host, metric and any series labels.
     * Rule + labels make the alert's identity (its fingerprint): raising the same
     * identity twice is one alert, resolving it ends that alert. */
    const nazar_label *labels;
    /* One line a person can read: "cpu.total 97.2% > 90% for 5m". May be NULL on resolve. */
    const char *summary;
    /* The observed value that triggered (or cleared) the alert; NaN if none. */
    double value;
    /* Anomaly score in [0, 1] when the detector has one; NaN otherwise. */
    double score;
    /* When the condition started (firing) or ended (resolved), ns since the epoch;
     * 0 means "now" to the host. */
    int64_t timestamp_ns;
    /* notify() only, set by the host: when the alert started firing, ns since epoch. */
    int64_t starts_at_ns;
    /* notify() only, set by the host: fingerprint of rule + labels, stable across
     * restarts; use it to thread messages (e.g. e-mail In-Reply-To). 0 from plugins. */
    uint64_t fingerprint;
    /* notify() only, set by the host: instance name of the detector that raised it. */
    const char *source;
} nazar_alert;

/* Error reporting from plugin to host: a buffer the host owns and a hint. */
typedef struct nazar_error {
    /* sizeof(nazar_error) as compiled by the host. */
    uint32_t struct_size;
    /* Bytes available at `message`, including the terminating NUL. */
    uint32_t message_capacity;
    /* Host-owned buffer, NUL-terminated and empty on entry. Write a one-line reason;
     * nazar_error_set() truncates safely. Never put secrets in it: it is logged. */
    char *message;
    /* notify() returning NAZAR_RETRY: wait at least this many milliseconds before the
     * next attempt (e.g. an HTTP 429 Retry-After). 0 lets the host choose. */
    int64_t retry_after_ms;
} nazar_error;

/* Write a printf-style message into a host error buffer. Safe with NULL. */
static inline void nazar_error_set(nazar_error *err, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static inline void nazar_error_set(nazar_error *err, const char *fmt, ...) {
    if (err == NULL || err->message == NULL || err->message_capacity == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, err->message_capacity, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------------------------
 * Host → plugin: the host function table.
 * ------------------------------------------------------------------------------- */

/* Opaque per-instance handle; pass it back to every host function. */
typedef struct nazar_host nazar_host;

typedef struct nazar_host_api {
    /* sizeof(nazar_host_api) as compiled by the host. */
    uint32_t struct_size;
    /* The host's NAZAR_ABI_VERSION. */
    uint32_t abi_version;

    /* Log a message with structured fields. Under systemd each field becomes a journal
     * field (key upper-cased), alongside NAZAR_PLUGIN=<instance>; outside, logfmt on
     * stderr. `level` is NAZAR_LOG_*. `fields` may be NULL when field_count is 0. */
    void (*log)(nazar_host *host, int level, const char *message,
                const nazar_label *fields, uint32_t field_count);

    /* Wall-clock time, ns since the Unix epoch (CLOCK_REALTIME). Use it for timestamps. */
    int64_t (*now_ns)(nazar_host *host);

    /* Monotonic time in ns (CLOCK_MONOTONIC). Use it for durations and timeouts. */
    int64_t (*monotonic_ns)(nazar_host *host);

    /* Register a series once and get its id, so later publish() calls skip the name
     * lookup. Returns 0 if the name or a label is invalid or the host's series limit is
     * reached (the reason is logged). Labels are copied; order does not matter. */
    uint64_t (*series_register)(nazar_host *host, const char *name,
                                const nazar_label *labels, uint32_t label_count);

    /* Publish points onto the bus under metrics.<host>.<name>. Returns NAZAR_OK when
     * every point was queued for every subscriber; NAZAR_DROPPED if back-pressure
     * outlasted the bus's block timeout and some were dropped (they are counted);
     * NAZAR_ERROR for a malformed batch (nothing was published). May block for up to
     * the bus's block timeout while subscribers' queues are full. */
    int (*publish)(nazar_host *host, const nazar_point_batch *batch);

    /* Raise an alert (state FIRING). Idempotent on rule + labels. */
    int (*alert_raise)(nazar_host *host, const nazar_alert *alert);

    /* Resolve an alert previously raised with the same rule + labels. */
    int (*alert_resolve)(nazar_host *host, const nazar_alert *alert);

    /* The host name this daemon reports as (the "host" label), NUL-terminated,
     * valid until destroy(). */
    const char *(*hostname)(nazar_host *host);

    /* A directory this instance may write its state to (models, cursors), created by
     * the host and private to the instance, NUL-terminated, valid until destroy(). */
    const char *(*state_directory)(nazar_host *host);

    /* Appended after v1's first release; check NAZAR_HOST_HAS(api, config_path).
     * Path of the plugins.d file this instance's config came from, NUL-terminated, valid
     * until destroy(); "" when the instance was not configured from a file. A plugin that
     * takes a secret inline in its config uses it to warn when that file is readable by
     * other users (e.g. mode 0644), without the host having to know which keys are secret. */
    const char *(*config_path)(nazar_host *host);
} nazar_host_api;

/* True if the host table has `field` (i.e. the host is new enough to provide it). */
#define NAZAR_HOST_HAS(api, field) \
    ((api) != NULL && (api)->struct_size >= offsetof(nazar_host_api, field) + sizeof((api)->field) \
     && (api)->field != NULL)

/* ---------------------------------------------------------------------------------
 * Plugin → host: the plugin descriptor.
 * ------------------------------------------------------------------------------- */

typedef struct nazar_plugin {
    /* sizeof(nazar_plugin) as compiled by the plugin. Must be >= NAZAR_PLUGIN_MIN_SIZE. */
    uint32_t struct_size;
    /* NAZAR_ABI_VERSION the plugin was compiled against. */
    uint32_t abi_version;
    /* NAZAR_KIND_*. */
    uint32_t kind;
    /* Reserved, must be 0. */
    uint32_t flags;
    /* Plugin name, e.g. "notifier-webhook"; what plugins.d files name in `plugin =`.
     * [a-z0-9-]+, NUL-terminated, static. */
    const char *name;
    /* The plugin's own version, e.g. "1.4.2". Static. */
    const char *version;
    /* One line for `nazarctl plugins list`. Static; may be NULL. */
    const char *description;

    /* Create an instance from its config (the [config] table of its plugins.d file,
     * as a JSON object; "{}" when absent). Store `api` and `host` for later calls.
     * On success set *instance (may be any pointer, including NULL) and return NAZAR_OK.
     * On failure return NAZAR_ERROR with a message naming the offending config key;
     * nothing else is called on that instance. Required. */
    int (*create)(const nazar_host_api *api, nazar_host *host, const char *config_json,
                  void **instance, nazar_error *err);

    /* Begin work (open sockets, spawn threads). Called once after create().
     * NAZAR_ERROR: the instance is marked failed and destroyed. Optional (NULL). */
    int (*start)(void *instance, nazar_error *err);

    /* Stop work; after it returns the plugin must not call host functions for this
     * instance any more. Called once before destroy() if start() succeeded. Optional. */
    void (*stop)(void *instance);

    /* Free the instance. Always called exactly once after a successful create(). Required. */
    void (*destroy)(void *instance);

    /* Collectors (required for them, NULL otherwise): take one sample and publish it
     * with api->publish(). `now_ns` is the scheduled sample time (wall clock), so
     * points of one round share a timestamp. */
    int (*collect)(void *instance, int64_t now_ns, nazar_error *err);

    /* Detectors (required for them, NULL otherwise): consume a batch of points that
     * matched the instance's subscriptions; raise/resolve alerts through the host. */
    int (*on_points)(void *instance, const nazar_point_batch *batch, nazar_error *err);

    /* Notifiers (required for them, NULL otherwise): deliver one alert.
     * NAZAR_OK delivered; NAZAR_RETRY try again later (set err->retry_after_ms to ask
     * for a minimum delay); NAZAR_ERROR permanent failure, do not retry. */
    int (*notify)(void *instance, const nazar_alert *alert, nazar_error *err);
} nazar_plugin;

/* The smallest descriptor any ABI version may have: up to and including `notify`. */
#define NAZAR_PLUGIN_MIN_SIZE (offsetof(nazar_plugin, notify) + sizeof(void *))

/* The one exported symbol. */
#define NAZAR_PLUGIN_ENTRY_SYMBOL "nazar_plugin_entry"
typedef const nazar_plugin *(*nazar_plugin_entry_fn)(void);

/* Declare the entry point with default visibility, even under -fvisibility=hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define NAZAR_EXPORT __attribute__((visibility("default")))
#else
#define NAZAR_EXPORT
#endif

NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* NAZAR_PLUGIN_H */
