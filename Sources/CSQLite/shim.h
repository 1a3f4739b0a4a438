#ifndef KIMI_PROFILES_CSQLITE_SHIM_H
#define KIMI_PROFILES_CSQLITE_SHIM_H
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a cast macro that Swift cannot import. */
static inline sqlite3_destructor_type kp_sqlite_transient(void) { return SQLITE_TRANSIENT; }

/* sqlite3_config is variadic. N = 0 pages turns off the bulk allocation with which each
   connection's page cache starts (20 pages, every one written): this tool reads a handful of
   pages per run. Must run before SQLite initializes itself. */
static inline int kp_sqlite_no_bulk_page_cache(void) {
    return sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)0, 0, 0);
}
#endif
