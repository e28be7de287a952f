#include <sqlite3.h>
/* SQLITE_TRANSIENT is a cast macro Swift does not import: the destructor that makes SQLite copy bound values. */
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
