// libsqlite3 (Debian: libsqlite3-dev), used directly by Host/Storage/SQLite.
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import: the host always binds with
// SQLITE_STATIC (buffers outlive the step) or this copy-requesting destructor.
static inline sqlite3_destructor_type nazar_sqlite_transient(void) { return SQLITE_TRANSIENT; }
