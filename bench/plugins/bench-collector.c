/*
 * Benchmark collector. On its first collect() it publishes `points` points over
 * `series` registered series in batches of `batch`, through host->publish() exactly as
 * a real collector does, then records how long publishing took. With points = 0,
 * collect() does nothing (to time the bare call across the ABI).
 */
#include <nazar/plugin.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

typedef struct bc {
    const nazar_host_api *api; nazar_host *host;
    long long points, batch, series;
    uint64_t *ids;
    int done;
} bc;

static long long num(const char *json, const char *key, long long dflt) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? atoll(p + strlen(pat)) : dflt;
}

static int c_create(const nazar_host_api *api, nazar_host *host, const char *json, void **inst, nazar_error *err) {
    bc *c = calloc(1, sizeof *c);
    c->api = api; c->host = host;
    c->points = num(json, "points", 0);
    c->batch = num(json, "batch", 1000);
    c->series = num(json, "series", 100);
    if (c->batch < 1 || c->series < 1) { nazar_error_set(err, "batch and series must be >= 1"); free(c); return NAZAR_ERROR; }
    c->ids = calloc((size_t)c->series, sizeof(uint64_t));
    for (long long i = 0; i < c->series && c->points > 0; i++) {
        char idx[32];
        snprintf(idx, sizeof idx, "%lld", i);
        nazar_label l = { "core", idx };
        c->ids[i] = api->series_register(host, "bench.value", &l, 1);
    }
    *inst = c;
    return NAZAR_OK;
}

static void c_destroy(void *inst) { bc *c = inst; free(c->ids); free(c); }

static int c_collect(void *inst, int64_t now, nazar_error *err) {
    (void)err;
    bc *c = inst;
    if (c->points == 0 || c->done) return NAZAR_OK;
    c->done = 1;
    nazar_point *pts = calloc((size_t)c->batch, sizeof(nazar_point));
    long long sent = 0;
    while (sent < c->points) {
        long long n = c->points - sent < c->batch ? c->points - sent : c->batch;
        for (long long i = 0; i < n; i++) {
            pts[i].struct_size = sizeof(nazar_point);
            pts[i].series = c->ids[(sent + i) % c->series];
            pts[i].timestamp_ns = now + sent + i;
            pts[i].value = (double)(sent + i);
        }
        nazar_point_batch b = { sizeof b, sizeof(nazar_point), (uint64_t)n, pts };
        c->api->publish(c->host, &b);
        sent += n;
    }
    free(pts);
    return NAZAR_OK;
}

static const nazar_plugin d = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_COLLECTOR,
    .name = "bench-collector", .version = "1", .create = c_create, .destroy = c_destroy, .collect = c_collect,
};
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &d; }
