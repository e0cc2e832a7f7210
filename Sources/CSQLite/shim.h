// libsqlite3 (Debian: libsqlite3-dev), used directly by Host/Storage/SQLite.
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import: the host always binds with
// SQLITE_STATIC (buffers outlive the step) or this copy-requesting destructor.
static inline sqlite3_destructor_type nazar_sqlite_transient(void) { return SQLITE_TRANSIENT; }

#include <regex.h>
#include <stdlib.h>
#include <string.h>

// nazar_regexp(pattern, value): 1 when `value` (NULL as '') matches `pattern`, a POSIX
// extended regular expression anchored at both ends, compiled exactly as LabelMatcher
// compiles it ("^(" pattern ")$", REG_EXTENDED | REG_NOSUB), so SQL and Swift agree.
// The compiled pattern is kept per statement (sqlite3_set_auxdata): a series lookup
// compiles once, not once per row. In C because the callback runs for every row.
static void nazar_regexp_free(void *p) { regfree((regex_t *)p); free(p); }

static void nazar_regexp_func(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    regex_t *re = (regex_t *)sqlite3_get_auxdata(ctx, 0);
    int compiled_here = 0;
    if (!re) {
        const char *pattern = (const char *)sqlite3_value_text(argv[0]);
        if (!pattern) { sqlite3_result_null(ctx); return; }
        size_t n = strlen(pattern);
        char *anchored = (char *)malloc(n + 5);
        re = (regex_t *)malloc(sizeof *re);
        if (!anchored || !re) { free(anchored); free(re); sqlite3_result_error_nomem(ctx); return; }
        memcpy(anchored, "^(", 2);
        memcpy(anchored + 2, pattern, n);
        memcpy(anchored + 2 + n, ")$", 3);
        int rc = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
        free(anchored);
        if (rc != 0) { free(re); sqlite3_result_error(ctx, "nazar_regexp: invalid regular expression", -1); return; }
        compiled_here = 1;
    }
    const char *value = (const char *)sqlite3_value_text(argv[1]);
    int matched = regexec(re, value ? value : "", 0, NULL, 0) == 0;
    // After the match: SQLite may free the pattern at once if it cannot keep it.
    if (compiled_here) sqlite3_set_auxdata(ctx, 0, re, nazar_regexp_free);
    sqlite3_result_int(ctx, matched);
}

// Registers nazar_regexp on a connection; returns an SQLite result code.
static inline int nazar_sqlite_register_regexp(sqlite3 *db) {
    return sqlite3_create_function_v2(db, "nazar_regexp", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                      nazar_regexp_func, NULL, NULL, NULL);
}
