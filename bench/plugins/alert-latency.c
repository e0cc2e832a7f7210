/*
 * The two ends of the alert-latency benchmark, in one file (-DNOTIFIER builds the notifier):
 *  - the detector raises one new alert (label series="<n>") per batch of points it gets,
 *    up to `count`, with value = CLOCK_MONOTONIC nanoseconds at the raise;
 *  - the notifier appends "now - value" (ns, same clock) for every firing alert to `out`.
 * So each line of `out` is one alert's latency from alert_raise() to notify().
 */
#include <nazar/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

typedef struct ends {
    const nazar_host_api *api;
    nazar_host *host;
    long count, raised;
    char out[512];
} ends;

static int e_create(const nazar_host_api *api, nazar_host *host, const char *json, void **inst, nazar_error *err) {
    (void)err;
    ends *e = calloc(1, sizeof *e);
    e->api = api; e->host = host; e->count = 1000;
    const char *c = strstr(json, "\"count\":");
    if (c) e->count = atol(c + 8);
    const char *o = strstr(json, "\"out\":\"");
    if (o) {
        o += 7;
        size_t n = strcspn(o, "\"");
        if (n >= sizeof e->out) n = sizeof e->out - 1;
        memcpy(e->out, o, n);
    }
    *inst = e;
    return NAZAR_OK;
}

static void e_destroy(void *i) { free(i); }

#ifndef NOTIFIER
static int e_on_points(void *inst, const nazar_point_batch *b, nazar_error *err) {
    (void)b; (void)err;
    ends *e = inst;
    if (e->raised >= e->count) return NAZAR_OK;
    char series[24];
    snprintf(series, sizeof series, "%ld", e->raised++);
    nazar_label labels[] = { { "series", series } };
    nazar_alert a = { .struct_size = sizeof(nazar_alert), .severity = NAZAR_SEVERITY_CRITICAL, .rule = "latency",
                      .label_count = 1, .labels = labels, .summary = "bench", .score = 0.0 };
    a.value = mono_ns();
    e->api->alert_raise(e->host, &a);
    return NAZAR_OK;
}

static const nazar_plugin desc = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_DETECTOR,
    .name = "alert-latency-detector", .version = "1", .create = e_create, .destroy = e_destroy, .on_points = e_on_points,
};
#else
static int e_notify(void *inst, const nazar_alert *a, nazar_error *err) {
    (void)err;
    ends *e = inst;
    if (a->state != NAZAR_ALERT_FIRING) return NAZAR_OK;
    FILE *f = fopen(e->out, "a");
    if (!f) return NAZAR_ERROR;
    fprintf(f, "%.0f\n", mono_ns() - a->value);
    fclose(f);
    return NAZAR_OK;
}

static const nazar_plugin desc = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_NOTIFIER,
    .name = "alert-latency-notifier", .version = "1", .create = e_create, .destroy = e_destroy, .notify = e_notify,
};
#endif
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &desc; }
