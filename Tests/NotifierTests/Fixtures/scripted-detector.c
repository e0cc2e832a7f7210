/*
 * A detector the alerting tests drive through a file: on every batch of points it reads
 * `script` (a path from its config) and runs each line it has not run yet:
 *   raise <rule> <info|warning|critical> <count> [summary words...]
 *   resolve <rule> <info|warning|critical> <count>
 * raising or resolving series 0..count-1 of that rule (label series="<i>"). The points
 * themselves only pace it (collector-example every 100 ms).
 */
#include <nazar/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct det {
    const nazar_host_api *api;
    nazar_host *host;
    char script[512];
    long done;
} det;

static int s_create(const nazar_host_api *api, nazar_host *host, const char *json, void **inst, nazar_error *err) {
    (void)err;
    det *d = calloc(1, sizeof *d);
    d->api = api; d->host = host;
    const char *s = strstr(json, "\"script\":\"");
    if (s) {
        s += 10;
        size_t n = strcspn(s, "\"");
        if (n >= sizeof d->script) n = sizeof d->script - 1;
        memcpy(d->script, s, n);
    }
    *inst = d;
    return NAZAR_OK;
}

static void s_destroy(void *i) { free(i); }

static uint32_t severity(const char *word) {
    if (strcmp(word, "info") == 0) return NAZAR_SEVERITY_INFO;
    if (strcmp(word, "warning") == 0) return NAZAR_SEVERITY_WARNING;
    return NAZAR_SEVERITY_CRITICAL;
}

static void run_line(det *d, char *line) {
    char verb[16], rule[64], sev[16];
    int count = 0, used = 0;
    if (sscanf(line, "%15s %63s %15s %d %n", verb, rule, sev, &count, &used) < 4) return;
    const char *summary = used > 0 ? line + used : "";
    char text[256];
    for (int i = 0; i < count; i++) {
        char series[16];
        snprintf(series, sizeof series, "%d", i);
        snprintf(text, sizeof text, "%s series %d", summary[0] ? summary : rule, i);
        text[strcspn(text, "\n")] = 0;
        nazar_label labels[] = { { "series", series } };
        nazar_alert a = { .struct_size = sizeof(nazar_alert), .severity = severity(sev), .rule = rule,
                          .label_count = 1, .labels = labels, .summary = text, .value = 1.0 + i, .score = 0.0 };
        if (strcmp(verb, "raise") == 0) d->api->alert_raise(d->host, &a);
        else if (strcmp(verb, "resolve") == 0) d->api->alert_resolve(d->host, &a);
    }
}

static int s_on_points(void *inst, const nazar_point_batch *b, nazar_error *err) {
    (void)b; (void)err;
    det *d = inst;
    FILE *f = fopen(d->script, "r");
    if (!f) return NAZAR_OK;
    char line[512];
    long n = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strchr(line, '\n')) break;  /* a line still being written */
        if (n++ < d->done) continue;
        run_line(d, line);
        d->done = n;
    }
    fclose(f);
    return NAZAR_OK;
}

static const nazar_plugin desc = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_DETECTOR,
    .name = "scripted-detector", .version = "1", .create = s_create, .destroy = s_destroy, .on_points = s_on_points,
};
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &desc; }
