/* json.c — the small JSON writer the core's *_json functions share: into a
 * caller's buffer, never past its end, counting what the whole text needs
 * (so a caller can size the buffer and call again). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

void jput(jbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *dst = b->len < b->cap ? b->p + b->len : NULL;
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    va_start(ap, fmt);
    n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0) b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (2..4), or 0. */
static int utf8_len(const unsigned char *s)
{
    int n, k;
    unsigned cp;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) n = 2, cp = s[0] & 0x1Fu;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) n = 3, cp = s[0] & 0x0Fu;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) n = 4, cp = s[0] & 0x07u;
    else return 0;
    for (k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0; /* also stops at the NUL */
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    return n;
}

/* A JSON string. Valid UTF-8 (file names from the browser, DICOM text in
 * ISO_IR 192) passes through; any other byte outside printable ASCII becomes
 * \u00XX, which is right for DICOM's default ISO_IR 100 (Latin-1: byte value
 * = code point). */
void jstr(jbuf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    jput(b, "\"");
    while (*s) {
        int n = *s >= 0x80 ? utf8_len(s) : 0;
        if (n) {
            jput(b, "%.*s", n, (const char *)s);
            s += n;
            continue;
        }
        if (*s == '"' || *s == '\\')
            jput(b, "\\%c", *s);
        else if (*s < 0x20 || *s >= 0x7f)
            jput(b, "\\u%04x", *s);
        else
            jput(b, "%c", *s);
        s++;
    }
    jput(b, "\"");
}

void jinit(jbuf *b, char *buf, size_t cap)
{
    b->p = buf;
    b->cap = cap;
    b->len = 0;
    if (cap) buf[0] = '\0';
}

/* JSON has no NaN or infinity: write null for them. %.17g round-trips a double. */
void jnum(jbuf *b, double x)
{
    if (isfinite(x))
        jput(b, "%.17g", x);
    else
        jput(b, "null");
}
