/*
 * A plugin that misbehaves on command, for the isolation tests. Built as a collector by
 * default, as a detector with -DCRASHY_DETECTOR, as a notifier with -DCRASHY_NOTIFIER.
 *
 * Config:
 *   "crash": "segv" | "abort" | "exit" | "hang" | "none"   what to do (default none)
 *   "on_call": N        misbehave on the Nth work call of a process (default 1)
 *   "once_file": path   misbehave only while this file does not exist, creating it
 *                       first: the plugin crashes once, and its restarted self works
 *   "in_create": true   misbehave in create() instead of a work call
 *   "out": path         collector: unused; detector: "<points> <sum>" after each batch;
 *                       notifier: one line per alert, "<state> <rule> <summary>"
 *
 * A collector publishes crashy.calls = work calls made in this process, and crashy.pid.
 */
#include <nazar/plugin.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct crashy {
    const nazar_host_api *api;
    nazar_host *host;
    char crash[16];
    char once_file[512];
    char out[512];
    long on_call;
    long calls;
    unsigned long long points;
    double sum;
} crashy;

static void str_field(const char *json, const char *key, char *dst, size_t cap) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = strstr(json, pattern);
    if (!p) return;
    p += strlen(pattern);
    size_t n = strcspn(p, "\"");
    if (n >= cap) n = cap - 1;
    memcpy(dst, p, n);
    dst[n] = 0;
}

/* Does what "crash" says, if this is the call to do it on. */
static void maybe_misbehave(crashy *c) {
    if (strcmp(c->crash, "none") == 0) return;
    if (c->once_file[0]) {
        int fd = open(c->once_file, O_CREAT | O_EXCL | O_WRONLY, 0600);
        if (fd < 0) return; /* already misbehaved once */
        close(fd);
    }
    if (strcmp(c->crash, "segv") == 0) { volatile int *p = NULL; *p = 1; }
    if (strcmp(c->crash, "abort") == 0) abort();
    if (strcmp(c->crash, "exit") == 0) exit(3);
    if (strcmp(c->crash, "hang") == 0) for (;;) pause();
}

static int c_create(const nazar_host_api *api, nazar_host *host, const char *json, void **inst, nazar_error *err) {
    (void)err;
    crashy *c = calloc(1, sizeof *c);
    c->api = api; c->host = host;
    strcpy(c->crash, "none");
    str_field(json, "crash", c->crash, sizeof c->crash);
    str_field(json, "once_file", c->once_file, sizeof c->once_file);
    str_field(json, "out", c->out, sizeof c->out);
    const char *n = strstr(json, "\"on_call\":");
    c->on_call = n ? atol(n + 10) : 1;
    if (strstr(json, "\"in_create\":true")) maybe_misbehave(c);
    *inst = c;
    return NAZAR_OK;
}

static void c_destroy(void *i) { free(i); }

static int work_call(crashy *c) {
    c->calls++;
    if (c->calls == c->on_call) maybe_misbehave(c);
    return NAZAR_OK;
}

#if defined(CRASHY_DETECTOR)
static int c_on_points(void *inst, const nazar_point_batch *b, nazar_error *err) {
    (void)err;
    crashy *c = inst;
    work_call(c);
    for (uint64_t i = 0; i < b->count; i++) { c->points++; c->sum += NAZAR_BATCH_POINT(b, i)->value; }
    if (c->out[0]) {
        FILE *f = fopen(c->out, "w");
        if (f) { fprintf(f, "%llu %.17g\n", c->points, c->sum); fclose(f); }
    }
    return NAZAR_OK;
}
static const nazar_plugin desc = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_DETECTOR,
    .name = "crashy-detector", .version = "1", .create = c_create, .destroy = c_destroy, .on_points = c_on_points,
};
#elif defined(CRASHY_NOTIFIER)
static int c_notify(void *inst, const nazar_alert *a, nazar_error *err) {
    crashy *c = inst;
    work_call(c);
    FILE *f = fopen(c->out, "a");
    if (!f) { nazar_error_set(err, "cannot open %s", c->out); return NAZAR_ERROR; }
    fprintf(f, "%s %s %s\n", a->state == NAZAR_ALERT_FIRING ? "firing" : "resolved", a->rule, a->summary ? a->summary : "");
    fclose(f);
    return NAZAR_OK;
}
static const nazar_plugin desc = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_NOTIFIER,
    .name = "crashy-notifier", .version = "1", .create = c_create, .destroy = c_destroy, .notify = c_notify,
};
#else
static int c_collect(void *inst, int64_t now, nazar_error *err) {
    (void)err;
    crashy *c = inst;
    work_call(c);
    nazar_point pts[2] = {
        { .struct_size = sizeof(nazar_point), .name = "crashy.calls", .timestamp_ns = now, .value = (double)c->calls },
        { .struct_size = sizeof(nazar_point), .name = "crashy.pid", .timestamp_ns = now, .value = (double)getpid() },
    };
    nazar_point_batch b = { sizeof b, sizeof(nazar_point), 2, pts };
    return c->api->publish(c->host, &b);
}
static const nazar_plugin desc = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_COLLECTOR,
    .name = "crashy", .version = "1", .create = c_create, .destroy = c_destroy, .collect = c_collect,
};
#endif

NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &desc; }
