/*
 * A collector that hangs on purpose, for the quarantine tests: with "hang_in":"create" its
 * create() sleeps `hang_ms`; with "hang_in":"collect" its first collect() does.
 */
#include <nazar/plugin.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct hang { long ms; int in_collect; int rounds; } hang;

static void sleep_ms(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0) {}
}

static int h_create(const nazar_host_api *a, nazar_host *host, const char *json, void **inst, nazar_error *e) {
    (void)a; (void)host; (void)e;
    hang *h = calloc(1, sizeof *h);
    const char *m = strstr(json, "\"hang_ms\":");
    h->ms = m ? atol(m + 10) : 1000;
    h->in_collect = strstr(json, "\"hang_in\":\"collect\"") != NULL;
    if (strstr(json, "\"hang_in\":\"create\"")) sleep_ms(h->ms);
    *inst = h;
    return NAZAR_OK;
}
static void h_destroy(void *i) { free(i); }
static int h_collect(void *i, int64_t now, nazar_error *e) {
    (void)now; (void)e;
    hang *h = i;
    if (h->in_collect && h->rounds++ == 0) sleep_ms(h->ms);
    return NAZAR_OK;
}
static const nazar_plugin d = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_COLLECTOR,
    .name = "hang", .version = "1", .create = h_create, .destroy = h_destroy, .collect = h_collect,
};
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &d; }
