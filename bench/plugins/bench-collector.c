/*
 * Benchmark collector. On its first collect() it publishes `points` points over
 * `series` registered series in batches of `batch`, through host->publish() exactly as
 * a real collector does. With by_name = 1 the points carry name + labels instead of a
 * series id (the slow path: the host looks the series up per point). With points = 0,
 * collect() does nothing (to time the bare call across the ABI). With wave = 1 each
 * series carries a noisy daily cycle (288 points a period, 10 % noise from a fixed LCG)
 * instead of the ramp, so a detector that learns patterns sees realistic variety.
 */
#include <nazar/plugin.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <math.h>

typedef struct bc {
    const nazar_host_api *api; nazar_host *host;
    long long points, batch, series, by_name, wave;
    uint64_t rng;
    char (*idx)[32];
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
    c->by_name = num(json, "by_name", 0);
    c->wave = num(json, "wave", 0);
    c->rng = 42;
    if (c->batch < 1 || c->series < 1) { nazar_error_set(err, "batch and series must be >= 1"); free(c); return NAZAR_ERROR; }
    c->ids = calloc((size_t)c->series, sizeof(uint64_t));
    c->idx = calloc((size_t)c->series, sizeof *c->idx);
    for (long long i = 0; i < c->series; i++) snprintf(c->idx[i], sizeof c->idx[i], "%lld", i);
    for (long long i = 0; i < c->series && c->points > 0; i++) {
        char idx[32];
        snprintf(idx, sizeof idx, "%lld", i);
        nazar_label l = { "core", idx };
        c->ids[i] = api->series_register(host, "bench.value", &l, 1);
    }
    *inst = c;
    return NAZAR_OK;
}

static void c_destroy(void *inst) { bc *c = inst; free(c->ids); free(c->idx); free(c); }

static int c_collect(void *inst, int64_t now, nazar_error *err) {
    (void)err;
    bc *c = inst;
    if (c->points == 0 || c->done) return NAZAR_OK;
    c->done = 1;
    nazar_point *pts = calloc((size_t)c->batch, sizeof(nazar_point));
    nazar_label *labels = calloc((size_t)c->batch, sizeof(nazar_label));
    long long sent = 0;
    while (sent < c->points) {
        long long n = c->points - sent < c->batch ? c->points - sent : c->batch;
        for (long long i = 0; i < n; i++) {
            pts[i].struct_size = sizeof(nazar_point);
            long long s = (sent + i) % c->series;
            if (c->by_name) {
                labels[i].key = "core";
                labels[i].value = c->idx[s];
                pts[i].name = "bench.value";
                pts[i].labels = &labels[i];
                pts[i].label_count = 1;
            } else {
                pts[i].series = c->ids[s];
            }
            pts[i].timestamp_ns = now + sent + i;
            if (c->wave) {
                c->rng = c->rng * 6364136223846793005ULL + 1442695040888963407ULL;
                double noise = (double)(c->rng >> 11) / 9007199254740992.0 - 0.5;
                double phase = (double)((sent + i) / c->series % 288) / 288.0;
                pts[i].value = 50.0 + 40.0 * sin(6.283185307179586 * phase) + 8.0 * noise;
            } else {
                pts[i].value = (double)(sent + i);
            }
        }
        nazar_point_batch b = { sizeof b, sizeof(nazar_point), (uint64_t)n, pts };
        c->api->publish(c->host, &b);
        sent += n;
    }
    free(pts);
    free(labels);
    return NAZAR_OK;
}

static const nazar_plugin d = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_COLLECTOR,
    .name = "bench-collector", .version = "1", .create = c_create, .destroy = c_destroy, .collect = c_collect,
};
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &d; }
