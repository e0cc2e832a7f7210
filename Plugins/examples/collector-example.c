/*
 * collector-example: a complete Nazar collector written in plain C against
 * <nazar/plugin.h> alone — the proof that the plugin ABI is C, not Swift.
 *
 * Build it out of tree:
 *     cc -shared -fPIC -O2 -Wall -I/usr/include -o collector-example.so collector-example.c
 * (with the repository: -I Sources/PluginAPI/include).
 *
 * Each round it publishes:
 *   example.rounds   how many rounds this instance has collected (state kept across
 *                    SIGHUP reloads that do not touch this instance)
 *   example.uptime   seconds since boot, from /proc/uptime
 *   example.value    `base` from the config plus `step` times the round number
 *
 * Config ([config] table in plugins.d/collector-example.toml):
 *   base = 10.0     starting value of example.value (default 0)
 *   step = 1.0      increment per round (default 1)
 */
#include <nazar/plugin.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct example {
    const nazar_host_api *api;
    nazar_host *host;
    double base;
    double step;
    uint64_t rounds;
    uint64_t series_rounds;
    uint64_t series_value;
} example;

/* Finds "key": <number> in the config JSON. Real plugins use a JSON parser; this keeps
 * the example dependency-free. Returns 1 if found, 0 if absent, -1 if not a number. */
static int json_number(const char *json, const char *key, double *out) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *p = strstr(json, pattern);
    if (p == NULL) return 0;
    p += strlen(pattern);
    while (*p == ' ' || *p == ':') p++;
    char *end = NULL;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno != 0) return -1;
    *out = v;
    return 1;
}

static int example_create(const nazar_host_api *api, nazar_host *host, const char *config_json,
                          void **instance, nazar_error *err) {
    example *e = calloc(1, sizeof *e);
    if (e == NULL) {
        nazar_error_set(err, "out of memory");
        return NAZAR_ERROR;
    }
    e->api = api;
    e->host = host;
    e->step = 1.0;
    if (json_number(config_json, "base", &e->base) < 0) {
        nazar_error_set(err, "config key 'base': expected a number");
        free(e);
        return NAZAR_ERROR;
    }
    if (json_number(config_json, "step", &e->step) < 0) {
        nazar_error_set(err, "config key 'step': expected a number");
        free(e);
        return NAZAR_ERROR;
    }
    /* Register the series once; publishing by id skips the name lookup each round. */
    e->series_rounds = api->series_register(host, "example.rounds", NULL, 0);
    nazar_label source = { "source", "config" };
    e->series_value = api->series_register(host, "example.value", &source, 1);
    if (e->series_rounds == 0 || e->series_value == 0) {
        nazar_error_set(err, "the host refused to register the example series");
        free(e);
        return NAZAR_ERROR;
    }
    *instance = e;
    return NAZAR_OK;
}

static int example_start(void *instance, nazar_error *err) {
    (void)err;
    example *e = instance;
    nazar_label fields[] = { { "NAZAR_EVENT", "example_started" } };
    e->api->log(e->host, NAZAR_LOG_INFO, "example collector started", fields, 1);
    return NAZAR_OK;
}

static void example_stop(void *instance) { (void)instance; }

static void example_destroy(void *instance) { free(instance); }

static int example_collect(void *instance, int64_t now_ns, nazar_error *err) {
    example *e = instance;
    e->rounds++;

    double uptime = 0;
    FILE *f = fopen("/proc/uptime", "r");
    if (f != NULL) {
        if (fscanf(f, "%lf", &uptime) != 1) uptime = 0;
        fclose(f);
    }

    nazar_point points[3];
    memset(points, 0, sizeof points);
    for (int i = 0; i < 3; i++) {
        points[i].struct_size = sizeof(nazar_point);
        points[i].timestamp_ns = now_ns;
    }
    points[0].series = e->series_rounds;
    points[0].value = (double)e->rounds;
    /* The slow path, for illustration: no series id, the host looks up name + labels. */
    points[1].name = "example.uptime";
    points[1].value = uptime;
    points[2].series = e->series_value;
    points[2].value = e->base + e->step * (double)e->rounds;

    nazar_point_batch batch = { sizeof(nazar_point_batch), sizeof(nazar_point), 3, points };
    int rc = e->api->publish(e->host, &batch);
    if (rc == NAZAR_ERROR) {
        nazar_error_set(err, "publish refused");
        return NAZAR_ERROR;
    }
    return NAZAR_OK;
}

static const nazar_plugin descriptor = {
    .struct_size = sizeof(nazar_plugin),
    .abi_version = NAZAR_ABI_VERSION,
    .kind = NAZAR_KIND_COLLECTOR,
    .name = "collector-example",
    .version = "1.0.0",
    .description = "Example collector in plain C (rounds, uptime, a configurable ramp)",
    .create = example_create,
    .start = example_start,
    .stop = example_stop,
    .destroy = example_destroy,
    .collect = example_collect,
};

NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &descriptor; }
