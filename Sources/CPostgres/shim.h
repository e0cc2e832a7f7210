// libpq (Debian: libpq-dev), used directly by Host/Storage/Postgres.
#include <libpq-fe.h>
