/*
 * A detector for the host tests: counts points, remembers the last value per series,
 * raises alert "value_high" while a point's value exceeds `threshold` and resolves it
 * when it drops below. Writes "<count> <sum>" to `out` (a file path) after every batch,
 * so tests can see exactly what was delivered. With "score": true it also publishes
 * anomaly.score = min(1, value / threshold) for every point, as real detectors do.
 */
#include <nazar/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct det {
    const nazar_host_api *api;
    nazar_host *host;
    double threshold;
    char out[512];
    unsigned long long count;
    double sum;
    int firing;
    int score;
} det;

static int d_create(const nazar_host_api *api, nazar_host *host, const char *json, void **inst, nazar_error *err) {
    det *d = calloc(1, sizeof *d);
    d->api = api; d->host = host; d->threshold = 1e300;
    const char *t = strstr(json, "\"threshold\":");
    if (t) d->threshold = strtod(t + 12, NULL);
    const char *o = strstr(json, "\"out\":\"");
    if (o) {
        o += 7;
        size_t n = strcspn(o, "\"");
        if (n >= sizeof d->out) n = sizeof d->out - 1;
        memcpy(d->out, o, n);
    }
    d->score = strstr(json, "\"score\":true") != NULL;
    if (strstr(json, "\"fail_create\":true")) {
        nazar_error_set(err, "config key 'fail_create': asked to fail");
        free(d);
        return NAZAR_ERROR;
    }
    *inst = d;
    return NAZAR_OK;
}

static void d_destroy(void *i) { free(i); }

static int d_on_points(void *inst, const nazar_point_batch *b, nazar_error *err) {
    (void)err;
    det *d = inst;
    for (uint64_t i = 0; i < b->count; i++) {
        const nazar_point *p = NAZAR_BATCH_POINT(b, i);
        d->count++;
        d->sum += p->value;
        int high = p->value > d->threshold;
        if (high != d->firing) {
            nazar_label labels[] = { { "metric", p->name }, { "series", "s" } };
            char summary[128];
            snprintf(summary, sizeof summary, "%s %.1f > %.1f", p->name, p->value, d->threshold);
            nazar_alert a = { .struct_size = sizeof(nazar_alert), .severity = NAZAR_SEVERITY_CRITICAL,
                              .rule = "value_high", .label_count = 2, .labels = labels,
                              .summary = summary, .value = p->value, .score = 0.5 };
            if (high) d->api->alert_raise(d->host, &a); else d->api->alert_resolve(d->host, &a);
            d->firing = high;
        }
        if (d->score) {
            nazar_label sl[] = { { "rule", "value_high" }, { "metric", p->name } };
            nazar_point sp = { .struct_size = sizeof sp, .label_count = 2, .name = "anomaly.score", .labels = sl,
                               .timestamp_ns = p->timestamp_ns, .value = p->value / d->threshold > 1 ? 1 : p->value / d->threshold };
            nazar_point_batch sb = { sizeof sb, sizeof sp, 1, &sp };
            d->api->publish(d->host, &sb);
        }
    }
    if (d->out[0]) {
        FILE *f = fopen(d->out, "w");
        if (f) { fprintf(f, "%llu %.17g\n", d->count, d->sum); fclose(f); }
    }
    return NAZAR_OK;
}

static const nazar_plugin desc = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_DETECTOR,
    .name = "test-detector", .version = "1", .create = d_create, .destroy = d_destroy, .on_points = d_on_points,
};
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &desc; }
