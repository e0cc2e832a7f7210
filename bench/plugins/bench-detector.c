/* Benchmark detector: touches every point of every batch (sums values, reads the
 * series id and name pointer) so delivery cannot be optimised away. */
#include <nazar/plugin.h>
#include <stdlib.h>

typedef struct bd { double sum; uint64_t ids; uint64_t count; } bd;

static int d_create(const nazar_host_api *a, nazar_host *h, const char *j, void **i, nazar_error *e) {
    (void)a; (void)h; (void)j; (void)e;
    *i = calloc(1, sizeof(bd));
    return NAZAR_OK;
}
static void d_destroy(void *i) { free(i); }
static int d_on_points(void *inst, const nazar_point_batch *b, nazar_error *e) {
    (void)e;
    bd *d = inst;
    for (uint64_t i = 0; i < b->count; i++) {
        const nazar_point *p = NAZAR_BATCH_POINT(b, i);
        d->sum += p->value;
        d->ids ^= p->series + (uint64_t)(uintptr_t)p->name;
    }
    d->count += b->count;
    return NAZAR_OK;
}
static const nazar_plugin d = {
    .struct_size = sizeof(nazar_plugin), .abi_version = NAZAR_ABI_VERSION, .kind = NAZAR_KIND_DETECTOR,
    .name = "bench-detector", .version = "1", .create = d_create, .destroy = d_destroy, .on_points = d_on_points,
};
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return &d; }
