/*
 * Soak-test collector (scripts/soak; a fixture, not shipped). Publishes `rate` points a
 * second, round-robin over `series` series `soak.value{stream="sN"}`. Point k (counted
 * across all series from the first collect) has timestamp start + k * 1e9 / rate, so
 * every point is unique per series and a gap in storage names the exact points lost;
 * its value is the series' own sequence number modulo `period`, a sawtooth that the soak
 * script's threshold rule cuts near the top (a known number of incidents per series).
 *
 * After every collect it rewrites `out` (atomically, via rename) with one line per
 * series, "sN <points published>", which is what scripts/soak compares storage with,
 * and "drop_reports N": publish() calls the host answered NAZAR_DROPPED.
 */
#include <nazar/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct soak {
    const nazar_host_api *api;
    nazar_host *host;
    long long rate, series, period, batch;
    char out[512];
    uint64_t *ids;
    long long *sent;     /* per series */
    long long next;      /* global index of the next point */
    long long drop_reports; /* publish() calls that answered NAZAR_DROPPED */
    int64_t start;
    nazar_point *pts;
} soak;

static long long num(const char *json, const char *key, long long dflt) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? atoll(p + strlen(pat)) : dflt;
}

static void str(const char *json, const char *key, char *dst, size_t cap) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(json, pat);
    dst[0] = 0;
    if (!p) return;
    p += strlen(pat);
    size_t n = 0;
    while (p[n] && p[n] != '"' && n + 1 < cap) { dst[n] = p[n]; n++; }
    dst[n] = 0;
}

static int c_create(const nazar_host_api *api, nazar_host *host, const char *json, void **inst, nazar_error *err) {
    soak *c = calloc(1, sizeof *c);
    c->api = api; c->host = host;
    c->rate = num(json, "rate", 10000);
    c->series = num(json, "series", 10);
    c->period = num(json, "period", 10000);
    c->batch = 4096;
    str(json, "out", c->out, sizeof c->out);
    if (c->rate < 1 || c->series < 1 || c->period < 2 || !c->out[0]) {
        nazar_error_set(err, "rate, series >= 1, period >= 2 and out (a path) are required");
        free(c);
        return NAZAR_ERROR;
    }
    c->ids = calloc((size_t)c->series, sizeof(uint64_t));
    c->sent = calloc((size_t)c->series, sizeof(long long));
    c->pts = calloc((size_t)c->batch, sizeof(nazar_point));
    for (long long i = 0; i < c->series; i++) {
        char v[32];
        snprintf(v, sizeof v, "s%lld", i);
        nazar_label l = { "stream", v };
        c->ids[i] = api->series_register(host, "soak.value", &l, 1);
        if (c->ids[i] == 0) { nazar_error_set(err, "series_register refused soak.value"); return NAZAR_ERROR; }
    }
    *inst = c;
    return NAZAR_OK;
}

static void write_counts(soak *c) {
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", c->out);
    FILE *f = fopen(tmp, "w");
    if (!f) return;
    for (long long i = 0; i < c->series; i++) fprintf(f, "s%lld %lld\n", i, c->sent[i]);
    fprintf(f, "drop_reports %lld\n", c->drop_reports);
    if (fclose(f) == 0) rename(tmp, c->out);
}

static void c_destroy(void *inst) {
    soak *c = inst;
    write_counts(c);
    free(c->ids); free(c->sent); free(c->pts); free(c);
}

static int c_collect(void *inst, int64_t now, nazar_error *err) {
    (void)err;
    soak *c = inst;
    if (c->start == 0) c->start = now;
    /* Points due by now; long double keeps k * 1e9 exact well past a day at 10k/s. */
    long long due = (long long)((long double)(now - c->start) * c->rate / 1e9L) + 1;
    while (c->next < due) {
        long long n = due - c->next < c->batch ? due - c->next : c->batch;
        for (long long i = 0; i < n; i++) {
            long long k = c->next + i;
            long long s = k % c->series;
            nazar_point *p = &c->pts[i];
            memset(p, 0, sizeof *p);
            p->struct_size = sizeof(nazar_point);
            p->series = c->ids[s];
            p->timestamp_ns = c->start + (int64_t)((long double)k * 1e9L / c->rate);
            p->value = (double)((k / c->series) % c->period);
        }
        nazar_point_batch b = { sizeof b, sizeof(nazar_point), (uint64_t)n, c->pts };
        int rc = c->api->publish(c->host, &b);
        /* A malformed batch is a bug here: stop. A drop under back-pressure still
         * counts as sent (the host counted the loss): the soak must see the gap. */
        if (rc == NAZAR_ERROR) break;
        if (rc == NAZAR_DROPPED) c->drop_reports++;
        for (long long i = 0; i < n; i++) c->sent[(c->next + i) % c->series]++;
        c->next += n;
    }
    write_counts(c);
    return NAZAR_OK;
}

static const nazar_plugin d = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_COLLECTOR,
    .name = "soak-collector", .version = "1", .create = c_create, .destroy = c_destroy, .collect = c_collect,
};
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &d; }
