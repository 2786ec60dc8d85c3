/* status.c — status names and the last-error buffer. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

/* per thread: a piece of a parallel stage that fails on a pool thread sets its
   own, and sv_parallel_for hands it to the caller's */
static SV_TLS char g_last_error[512];

const char *sv_status_name(sv_status st)
{
    switch (st) {
    case SV_OK: return "SV_OK";
    case SV_EINVAL: return "SV_EINVAL";
    case SV_ENOMEM: return "SV_ENOMEM";
    case SV_EFORMAT: return "SV_EFORMAT";
    case SV_EUNSUPPORTED: return "SV_EUNSUPPORTED";
    case SV_ERANGE: return "SV_ERANGE";
    case SV_EIO: return "SV_EIO";
    case SV_ECANCELLED: return "SV_ECANCELLED";
    }
    return "SV_EUNKNOWN";
}

const char *sv_last_error(void) { return g_last_error; }

sv_status sv_fail(sv_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_last_error, sizeof g_last_error, fmt, ap);
    va_end(ap);
    return st;
}

void sv_free(void *p) { SV_FREE(p); }
