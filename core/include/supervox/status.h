/* supervox/status.h — status codes, the last error message, the allocator hook.
 *
 * Every fallible function in the core returns an sv_status. On any status other
 * than SV_OK it also leaves a one-sentence, human-readable reason in a buffer
 * read with sv_last_error(). The core never prints, aborts or exits.
 *
 * The core is driven by one thread at a time (the CLI's main thread, or the
 * wasm worker); the message is that thread's (per thread in a build with
 * threads, where a parallel stage hands a failure on its pool's threads back
 * to the caller, see supervox/parallel.h).
 */
#ifndef SUPERVOX_STATUS_H
#define SUPERVOX_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sv_status {
    SV_OK = 0,
    SV_EINVAL = 1,       /* a parameter is out of range (a caller bug or bad user input) */
    SV_ENOMEM = 2,       /* an allocation failed */
    SV_EFORMAT = 3,      /* the file is not what it claims, or is damaged/truncated */
    SV_EUNSUPPORTED = 4, /* a valid file using a feature we do not handle (RGB, complex, ...) */
    SV_ERANGE = 5,       /* a size or index exceeds what can be represented or allocated */
    SV_EIO = 6,          /* reading or writing a file failed (CLI only) */
    SV_ECANCELLED = 7    /* the caller asked to stop */
} sv_status;

/* Name of a status code, e.g. "SV_EFORMAT". Never NULL; a static string. */
const char *sv_status_name(sv_status st);

/* The message set by the last failing call: one sentence, no trailing newline.
 * Borrowed; valid until the next failing call. "" if nothing failed yet. */
const char *sv_last_error(void);

/* Free a buffer that a core function returned to the caller (NULL is fine). */
void sv_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
