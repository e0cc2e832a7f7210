/*
 * A notifier for the host tests: appends one line per alert to `out`:
 * "<state> <severity> <rule> <fingerprint> <source> <summary>". With "fail_first": N it
 * answers NAZAR_RETRY (retry_after_ms = 10) to the first N attempts; with "permanent": true
 * it answers NAZAR_ERROR ("HTTP 403: invalid token") to every attempt, counted in `out`.
 */
#include <nazar/plugin.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct note { char out[512]; int fail_first; int attempts; int permanent; } note;

static int n_create(const nazar_host_api *api, nazar_host *host, const char *json, void **inst, nazar_error *err) {
    (void)api; (void)host; (void)err;
    note *n = calloc(1, sizeof *n);
    const char *o = strstr(json, "\"out\":\"");
    if (o) {
        o += 7;
        size_t len = strcspn(o, "\"");
        if (len >= sizeof n->out) len = sizeof n->out - 1;
        memcpy(n->out, o, len);
    }
    const char *f = strstr(json, "\"fail_first\":");
    if (f) n->fail_first = atoi(f + 13);
    n->permanent = strstr(json, "\"permanent\":true") != NULL;
    *inst = n;
    return NAZAR_OK;
}

static void n_destroy(void *i) { free(i); }

static int n_notify(void *inst, const nazar_alert *a, nazar_error *err) {
    note *n = inst;
    if (n->attempts++ < n->fail_first) {
        nazar_error_set(err, "endpoint unavailable (attempt %d)", n->attempts);
        err->retry_after_ms = 10;
        return NAZAR_RETRY;
    }
    FILE *f = fopen(n->out, "a");
    if (!f) { nazar_error_set(err, "cannot open %s", n->out); return NAZAR_ERROR; }
    if (n->permanent) {
        fprintf(f, "refused %s\n", a->rule);
        fclose(f);
        nazar_error_set(err, "HTTP 403: invalid token");
        return NAZAR_ERROR;
    }
    fprintf(f, "%s %u %s %016" PRIx64 " %s %s\n", a->state == NAZAR_ALERT_FIRING ? "firing" : "resolved",
            a->severity, a->rule, a->fingerprint, a->source ? a->source : "-", a->summary ? a->summary : "");
    fclose(f);
    return NAZAR_OK;
}

static const nazar_plugin desc = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_NOTIFIER,
    .name = "test-notifier", .version = "1", .create = n_create, .destroy = n_destroy, .notify = n_notify,
};
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &desc; }
