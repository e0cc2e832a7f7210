/*
 * Test detector that records every point it receives: for each point it appends the
 * point's value (an int64 sequence number in the tests' streams, one per (series,
 * timestamp)) to the file named by config "out", with one write(2) per batch before
 * on_points returns. A write that returned is in the page cache, so it survives a
 * SIGKILL of nazard: after a kill, the file says exactly what on_points saw, and the
 * broker's redelivery of what was not acknowledged shows up as later records.
 */
#include <nazar/plugin.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

typedef struct rec { int fd; int64_t *buf; size_t cap; } rec;

static int r_create(const nazar_host_api *api, nazar_host *host, const char *json, void **inst, nazar_error *err) {
    (void)api; (void)host;
    const char *p = strstr(json, "\"out\":\"");
    if (!p) { nazar_error_set(err, "config needs \"out\""); return NAZAR_ERROR; }
    p += 7;
    const char *e = strchr(p, '"');
    if (!e || e - p > 1000) { nazar_error_set(err, "bad \"out\""); return NAZAR_ERROR; }
    char path[1024];
    memcpy(path, p, (size_t)(e - p));
    path[e - p] = 0;
    rec *r = calloc(1, sizeof *r);
    r->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (r->fd < 0) { nazar_error_set(err, "cannot open out file"); free(r); return NAZAR_ERROR; }
    *inst = r;
    return NAZAR_OK;
}

static void r_destroy(void *inst) { rec *r = inst; close(r->fd); free(r->buf); free(r); }

static int r_on_points(void *inst, const nazar_point_batch *b, nazar_error *err) {
    rec *r = inst;
    if (b->count > r->cap) {
        free(r->buf);
        r->cap = b->count;
        r->buf = malloc(r->cap * sizeof(int64_t));
    }
    for (uint64_t i = 0; i < b->count; i++) {
        const nazar_point *pt = NAZAR_BATCH_POINT(b, i);
        r->buf[i] = (int64_t)pt->value;
    }
    size_t len = b->count * sizeof(int64_t), off = 0;
    while (off < len) {
        ssize_t n = write(r->fd, (const char *)r->buf + off, len - off);
        if (n <= 0) { nazar_error_set(err, "write failed"); return NAZAR_ERROR; }
        off += (size_t)n;
    }
    return NAZAR_OK;
}

static const nazar_plugin descriptor = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_DETECTOR,
    .name = "recorder-detector", .version = "1", .create = r_create, .destroy = r_destroy, .on_points = r_on_points,
};

NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &descriptor; }
