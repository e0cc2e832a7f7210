/*
 * Deliberately broken plugins, one per loader refusal. Compiled by the tests with
 * -DCASE_<NAME>, each into its own shared object.
 */
#include <nazar/plugin.h>
#include <string.h>

__attribute__((unused)) static int f_create(const nazar_host_api *a, nazar_host *h, const char *c, void **i, nazar_error *e) {
    (void)a; (void)h; (void)c; (void)e; *i = NULL; return NAZAR_OK;
}
__attribute__((unused)) static void f_destroy(void *i) { (void)i; }
__attribute__((unused)) static int f_collect(void *i, int64_t n, nazar_error *e) { (void)i; (void)n; (void)e; return NAZAR_OK; }

#if defined(CASE_NO_ENTRY)
/* Exports something, but not nazar_plugin_entry. */
NAZAR_EXPORT int some_other_symbol(void) { return 1; }
#elif defined(CASE_NULL_ENTRY)
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) { return NULL; }
#else
static nazar_plugin d = {
    .struct_size = sizeof(nazar_plugin),
    .abi_version = NAZAR_ABI_VERSION,
    .kind = NAZAR_KIND_COLLECTOR,
    .name = "fixture",
    .version = "0",
    .create = f_create,
    .destroy = f_destroy,
    .collect = f_collect,
};
NAZAR_EXPORT const nazar_plugin *nazar_plugin_entry(void) {
#if defined(CASE_FUTURE_ABI)
    d.abi_version = NAZAR_ABI_VERSION + 1;
    d.struct_size = sizeof(nazar_plugin) + 16;  /* a future descriptor is larger too */
#elif defined(CASE_TOO_SMALL)
    d.struct_size = 16;
#elif defined(CASE_TOO_LARGE)
    d.struct_size = sizeof(nazar_plugin) + 8;
#elif defined(CASE_UNKNOWN_KIND)
    d.kind = 9;
#elif defined(CASE_MISSING_CALLBACK)
    d.collect = NULL;
#elif defined(CASE_NO_NAME)
    d.name = NULL;
#elif defined(CASE_ABI_ZERO)
    d.abi_version = 0;
#endif
    return &d;
}
#endif
