/* strokes.c — read the strokes file: a small strict JSON reader for exactly
 * the strokes schema (objects, arrays, strings without escapes beyond \" and
 * \\, numbers, true/false/null), iterative over the text with a depth limit,
 * so damaged input gets a message, never a crash or a runaway recursion.
 * MEMORY: the strokes and their points (24 bytes a point).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "supervox/strokes.h"

typedef struct rd {
    const char *p, *end;
    const char *err;
} rd;

static void ws(rd *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static int eat(rd *r, char c)
{
    ws(r);
    if (r->p < r->end && *r->p == c) {
        r->p++;
        return 1;
    }
    return 0;
}

/* A string into buf (truncated to cap-1); 0 if not a string. */
static int str(rd *r, char *buf, size_t cap)
{
    size_t n = 0;
    ws(r);
    if (r->p >= r->end || *r->p != '"') return 0;
    r->p++;
    while (r->p < r->end && *r->p != '"') {
        char c = *r->p++;
        if (c == '\\' && r->p < r->end) c = *r->p++;
        if (n + 1 < cap) buf[n++] = c;
    }
    if (r->p >= r->end) return 0;
    r->p++;
    buf[n] = '\0';
    return 1;
}

static int num(rd *r, double *out)
{
    char tmp[64];
    size_t n = 0;
    char *e;
    ws(r);
    while (r->p + n < r->end && n < sizeof tmp - 1 && strchr("+-0123456789.eE", r->p[n])) n++;
    if (!n) return 0;
    memcpy(tmp, r->p, n);
    tmp[n] = '\0';
    *out = strtod(tmp, &e);
    if (e != tmp + n || !isfinite(*out)) return 0;
    r->p += n;
    return 1;
}

/* Skip any JSON value (for fields we do not use), depth-limited. */
static int skip(rd *r)
{
    int depth = 0;
    char buf[8];
    double d;
    do {
        ws(r);
        if (r->p >= r->end) return 0;
        if (*r->p == '{' || *r->p == '[') {
            if (++depth > 64) return 0;
            r->p++;
            continue;
        }
        if (*r->p == '}' || *r->p == ']') {
            if (depth == 0) return 0;
            depth--;
            r->p++;
        } else if (*r->p == '"') {
            if (!str(r, buf, sizeof buf)) return 0;
        } else if (*r->p == ',' || *r->p == ':') {
            r->p++;
            continue;
        } else if (r->end - r->p >= 4 && (!memcmp(r->p, "true", 4) || !memcmp(r->p, "null", 4))) {
            r->p += 4;
        } else if (r->end - r->p >= 5 && !memcmp(r->p, "false", 5)) {
            r->p += 5;
        } else if (!num(r, &d)) {
            return 0;
        }
    } while (depth > 0);
    return 1;
}

static int boolean(rd *r, int *out)
{
    ws(r);
    if (r->end - r->p >= 4 && !memcmp(r->p, "true", 4)) {
        r->p += 4;
        *out = 1;
        return 1;
    }
    if (r->end - r->p >= 5 && !memcmp(r->p, "false", 5)) {
        r->p += 5;
        *out = 0;
        return 1;
    }
    return 0;
}

void sv_stroke_list_free(sv_stroke_list *l)
{
    if (!l) return;
    SV_FREE(l->strokes);
    SV_FREE(l->points);
    SV_FREE(l);
}

/* Grow an array of elements of size esz to hold n + 1. */
static int grow(void **a, size_t *cap, size_t n, size_t esz)
{
    size_t ncap;
    void *na;
    if (n < *cap) return 1;
    ncap = *cap ? *cap * 2 : 16;
    if (ncap > SIZE_MAX / esz) return 0;
    na = SV_REALLOC(*a, ncap * esz);
    if (!na) return 0;
    *a = na;
    *cap = ncap;
    return 1;
}

sv_status sv_strokes_parse(const char *text, size_t len, sv_stroke_list **out)
{
    rd r;
    sv_stroke_list *l;
    size_t scap = 0, pcap = 0, npts = 0, *first = NULL, fcap = 0, i;
    int seen_strokes = 0;
    sv_status st;
    char key[32];
    *out = NULL;
    r.p = text;
    r.end = text + len;
    l = (sv_stroke_list *)SV_CALLOC(1, sizeof *l);
    if (!l) return sv_fail(SV_ENOMEM, "out of memory reading strokes");
    if (!eat(&r, '{')) goto bad_top;
    for (;;) {
        if (!str(&r, key, sizeof key) || !eat(&r, ':')) goto bad_top;
        if (strcmp(key, "strokes") != 0) {
            if (!skip(&r)) goto bad_top;
        } else {
            seen_strokes = 1;
            if (!eat(&r, '[')) goto bad_top;
            if (!eat(&r, ']')) {
                do {
                    sv_stroke *sk;
                    int seen_axis = 0, seen_label = 0, seen_points = 0;
                    if (!grow((void **)&l->strokes, &scap, l->count, sizeof *l->strokes) ||
                        !grow((void **)&first, &fcap, l->count, sizeof *first))
                        goto oom;
                    sk = &l->strokes[l->count];
                    memset(sk, 0, sizeof *sk);
                    sk->mode = SV_STROKE_PAINT;
                    sk->width = 1;
                    first[l->count] = npts;
                    l->count++;
                    if (!eat(&r, '{')) {
                        st = sv_fail(SV_EFORMAT, "stroke %zu is not an object", l->count);
                        goto fail;
                    }
                    do {
                        double d;
                        char mode[16];
                        if (!str(&r, key, sizeof key) || !eat(&r, ':')) goto bad_stroke;
                        if (!strcmp(key, "axis")) {
                            if (!num(&r, &d) || (d != 0 && d != 1 && d != 2)) goto bad_field;
                            sk->axis = (int)d;
                            seen_axis = 1;
                        } else if (!strcmp(key, "label")) {
                            if (!num(&r, &d) || d < 0 || d > 255 || d != floor(d)) goto bad_field;
                            sk->label = (uint8_t)d;
                            seen_label = 1;
                        } else if (!strcmp(key, "width")) {
                            if (!num(&r, &d) || d < 1 || d > 1000) goto bad_field;
                            sk->width = d;
                        } else if (!strcmp(key, "mode")) {
                            if (!str(&r, mode, sizeof mode)) goto bad_field;
                            if (!strcmp(mode, "paint")) sk->mode = SV_STROKE_PAINT;
                            else if (!strcmp(mode, "touch")) sk->mode = SV_STROKE_TOUCH;
                            else if (!strcmp(mode, "brush")) sk->mode = SV_STROKE_BRUSH;
                            else if (!strcmp(mode, "erase")) sk->mode = SV_STROKE_ERASE;
                            else goto bad_field;
                        } else if (!strcmp(key, "only_unlabelled")) {
                            if (!boolean(&r, &sk->only_unlabelled)) goto bad_field;
                        } else if (!strcmp(key, "points")) {
                            if (!eat(&r, '[')) goto bad_field;
                            if (!eat(&r, ']')) {
                                do {
                                    int k;
                                    if (!grow((void **)&l->points, &pcap, 3 * npts + 2, sizeof *l->points)) goto oom;
                                    if (!eat(&r, '[')) goto bad_field;
                                    for (k = 0; k < 3; k++) {
                                        if (k && !eat(&r, ',')) goto bad_field;
                                        if (!num(&r, &l->points[3 * npts + k])) goto bad_field;
                                    }
                                    if (!eat(&r, ']')) goto bad_field;
                                    npts++;
                                } while (eat(&r, ','));
                                if (!eat(&r, ']')) goto bad_field;
                            }
                            seen_points = 1;
                        } else if (!skip(&r)) {
                            goto bad_stroke;
                        }
                    } while (eat(&r, ','));
                    if (!eat(&r, '}')) goto bad_stroke;
                    if (!seen_axis || !seen_label || !seen_points || npts == first[l->count - 1]) {
                        st = sv_fail(SV_EFORMAT, "stroke %zu needs \"axis\", \"label\" and at least one point", l->count);
                        goto fail;
                    }
                    sk->npoints = npts - first[l->count - 1];
                    continue;
                bad_field:
                    st = sv_fail(SV_EFORMAT, "stroke %zu: \"%s\" has a wrong type or an out-of-range value", l->count, key);
                    goto fail;
                bad_stroke:
                    st = sv_fail(SV_EFORMAT, "stroke %zu is not valid JSON", l->count);
                    goto fail;
                } while (eat(&r, ','));
                if (!eat(&r, ']')) goto bad_top;
            }
        }
        if (!eat(&r, ',')) break;
    }
    if (!eat(&r, '}')) goto bad_top;
    ws(&r);
    if (r.p != r.end || !seen_strokes) goto bad_top;
    for (i = 0; i < l->count; i++) l->strokes[i].points = l->points + 3 * first[i]; /* points are final now */
    SV_FREE(first);
    *out = l;
    return SV_OK;
bad_top:
    st = sv_fail(SV_EFORMAT, "not a strokes file: expected {\"strokes\": [...]} (damaged near byte %ld)", (long)(r.p - text));
    goto fail;
oom:
    st = sv_fail(SV_ENOMEM, "out of memory reading strokes");
fail:
    sv_stroke_list_free(l);
    SV_FREE(first);
    return st;
}
