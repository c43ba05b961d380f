// The system's SQLite (Debian: libsqlite3-dev), for Examples/Flack's store.
#include <sqlite3.h>
