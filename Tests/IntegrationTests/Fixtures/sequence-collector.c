/*
 * Test collector that publishes one numbered stream, paced by its collect interval:
 * each collect() publishes the next `per_collect` points of `points` in total, point k
 * on series k % `series` (metric "seq.value", label core=<series>) with value k and
 * timestamp base + k microseconds, base being the first collect's time. So every
 * (series, timestamp) is distinct, each series gets exactly points / series points,
 * and the values of everything stored sum to points * (points - 1) / 2.
 */
#include <nazar/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct seq {
    const nazar_host_api *api; nazar_host *host;
    long long points, per_collect, series, sent;
    int64_t base;
    uint64_t *ids;
    nazar_point *buf;
} seq;

static long long num(const char *json, const char *key, long long dflt) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? atoll(p + strlen(pat)) : dflt;
}

static int s_create(const nazar_host_api *api, nazar_host *host, const char *json, void **inst, nazar_error *err) {
    seq *s = calloc(1, sizeof *s);
    if (!s) { nazar_error_set(err, "out of memory"); return NAZAR_ERROR; }
    s->api = api; s->host = host;
    s->points = num(json, "points", 0);
    s->per_collect = num(json, "per_collect", 100);
    s->series = num(json, "series", 10);
    if (s->per_collect < 1 || s->series < 1 || s->series > 10000) {
        nazar_error_set(err, "per_collect >= 1 and 1 <= series <= 10000 required");
        free(s);
        return NAZAR_ERROR;
    }
    s->ids = calloc((size_t)s->series, sizeof(uint64_t));
    s->buf = calloc((size_t)s->per_collect, sizeof(nazar_point));
    for (long long i = 0; i < s->series; i++) {
        char idx[32];
        snprintf(idx, sizeof idx, "%lld", i);
        nazar_label l = { "core", idx };
        s->ids[i] = api->series_register(host, "seq.value", &l, 1);
    }
    *inst = s;
    return NAZAR_OK;
}

static void s_destroy(void *inst) { seq *s = inst; free(s->ids); free(s->buf); free(s); }

static int s_collect(void *inst, int64_t now, nazar_error *err) {
    (void)err;
    seq *s = inst;
    if (s->sent >= s->points) return NAZAR_OK;
    if (s->sent == 0) s->base = now;
    long long n = s->points - s->sent < s->per_collect ? s->points - s->sent : s->per_collect;
    for (long long i = 0; i < n; i++) {
        long long k = s->sent + i;
        s->buf[i].struct_size = sizeof(nazar_point);
        s->buf[i].series = s->ids[k % s->series];
        s->buf[i].timestamp_ns = s->base + k * 1000;
        s->buf[i].value = (double)k;
    }
    nazar_point_batch b = { sizeof b, sizeof(nazar_point), (uint64_t)n, s->buf };
    s->api->publish(s->host, &b);
    s->sent += n;
    return NAZAR_OK;
}

static const nazar_plugin d = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_COLLECTOR,
    .name = "sequence-collector", .version = "1", .create = s_create, .destroy = s_destroy, .collect = s_collect,
};
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &d; }
