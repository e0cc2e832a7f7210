/*
 * Compile-time proof that the v1 layout is what the documentation promises on LP64
 * Linux. If one of these fires, a change broke the ABI for every plugin built so far.
 */
#include <nazar/plugin.h>

#if defined(__LP64__)
_Static_assert(sizeof(nazar_label) == 16, "nazar_label layout changed");
_Static_assert(offsetof(nazar_point, series) == 8, "nazar_point layout changed");
_Static_assert(offsetof(nazar_point, value) == 40, "nazar_point layout changed");
_Static_assert(sizeof(nazar_point) == 48, "nazar_point layout changed");
_Static_assert(sizeof(nazar_point_batch) == 24, "nazar_point_batch layout changed");
_Static_assert(offsetof(nazar_alert, rule) == 16, "nazar_alert layout changed");
_Static_assert(offsetof(nazar_alert, source) == 80, "nazar_alert layout changed");
_Static_assert(sizeof(nazar_error) == 24, "nazar_error layout changed");
_Static_assert(offsetof(nazar_host_api, log) == 8, "nazar_host_api layout changed");
_Static_assert(offsetof(nazar_host_api, state_directory) == 72, "nazar_host_api layout changed");
_Static_assert(offsetof(nazar_host_api, config_path) == 80, "nazar_host_api layout changed");
_Static_assert(offsetof(nazar_plugin, name) == 16, "nazar_plugin layout changed");
_Static_assert(offsetof(nazar_plugin, create) == 40, "nazar_plugin layout changed");
_Static_assert(NAZAR_PLUGIN_MIN_SIZE == 96, "nazar_plugin minimum size changed");
_Static_assert(sizeof(nazar_plugin) == 96, "nazar_plugin layout changed");
#endif

