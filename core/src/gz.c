/* gz.c — gzip streams over memory, with zlib.
 *
 * ALGORITHM: zlib's inflate with windowBits 15+16 (gzip only: the caller
 * decides by magic bytes whether to use it at all). On Z_STREAM_END with more
 * input that starts with the gzip magic, inflateReset() continues with the next
 * member, as gunzip does. zlib's avail_in/avail_out are 32-bit, so large
 * buffers are fed in slices of at most 1 GiB.
 * MEMORY: one z_stream (~7 KB plus a 32 KB window), nothing per byte.
 * PERFORMANCE: inflate runs at ~300-500 MB/s of output natively, 1.1-1.2x that
 * time in wasm.
 */
#include <string.h>
#include <zlib.h>

#include "internal.h"
#include "supervox/gz.h"

#define SLICE ((size_t)1 << 30)

struct sv_gz_stream {
    const uint8_t *buf;
    size_t len, pos; /* pos: next unread input byte (plain) or next byte to feed zlib */
    int compressed;
    int zinit, ended;
    z_stream z;
};

int sv_gz_is_gzip(const uint8_t *buf, size_t len) { return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b; }

sv_status sv_gz_open(const uint8_t *buf, size_t len, sv_gz_stream **out)
{
    sv_gz_stream *s = (sv_gz_stream *)SV_CALLOC(1, sizeof *s);
    *out = NULL;
    if (!s) return sv_fail(SV_ENOMEM, "out of memory opening a stream");
    s->buf = buf;
    s->len = len;
    s->compressed = sv_gz_is_gzip(buf, len);
    if (s->compressed) {
        if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
            SV_FREE(s);
            return sv_fail(SV_ENOMEM, "out of memory starting gzip decompression");
        }
        s->zinit = 1;
    }
    *out = s;
    return SV_OK;
}

int sv_gz_compressed(const sv_gz_stream *s) { return s->compressed; }

size_t sv_gz_consumed(const sv_gz_stream *s)
{
    return s->compressed ? s->pos - s->z.avail_in : s->pos;
}

static void feed(sv_gz_stream *s)
{
    size_t left;
    if (s->z.avail_in > 0) return;
    left = s->len - s->pos;
    if (left > SLICE) left = SLICE;
    s->z.next_in = (Bytef *)(uintptr_t)(s->buf + s->pos);
    s->z.avail_in = (uInt)left;
    s->pos += left;
}

sv_status sv_gz_read(sv_gz_stream *s, void *dst, size_t n, size_t *got)
{
    uint8_t *d = (uint8_t *)dst;
    size_t done = 0;
    *got = 0;
    if (!s->compressed) {
        size_t left = s->len - s->pos;
        if (n > left) n = left;
        if (d) memcpy(d, s->buf + s->pos, n);
        s->pos += n;
        *got = n;
        return SV_OK;
    }
    while (done < n && !s->ended) {
        size_t want = n - done;
        int zr;
        uInt before;
        if (want > SLICE) want = SLICE;
        feed(s);
        s->z.next_out = d + done;
        s->z.avail_out = (uInt)want;
        before = s->z.avail_out;
        zr = inflate(&s->z, Z_NO_FLUSH);
        done += before - s->z.avail_out;
        if (zr == Z_STREAM_END) {
            /* another gzip member may follow */
            size_t rest = s->len - sv_gz_consumed(s);
            const uint8_t *next = s->buf + sv_gz_consumed(s);
            if (rest >= 2 && next[0] == 0x1f && next[1] == 0x8b) {
                if (inflateReset(&s->z) != Z_OK) return sv_fail(SV_EFORMAT, "corrupt gzip stream");
                continue;
            }
            s->ended = 1;
            break;
        }
        if (zr == Z_BUF_ERROR && s->z.avail_in == 0 && s->pos >= s->len) {
            /* input exhausted before the end-of-stream marker */
            *got = done;
            return sv_fail(SV_EFORMAT, "the gzip stream ends early (the file is truncated)");
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            *got = done;
            return sv_fail(SV_EFORMAT, "corrupt gzip data (%s)", s->z.msg ? s->z.msg : "inflate failed");
        }
    }
    *got = done;
    return SV_OK;
}

sv_status sv_gz_skip(sv_gz_stream *s, size_t n, size_t *got)
{
    uint8_t tmp[4096];
    size_t total = 0;
    *got = 0;
    if (!s->compressed) return sv_gz_read(s, NULL, n, got);
    while (total < n) {
        size_t g, want = n - total < sizeof tmp ? n - total : sizeof tmp;
        sv_status st = sv_gz_read(s, tmp, want, &g);
        total += g;
        if (st != SV_OK) {
            *got = total;
            return st;
        }
        if (g < want) break;
    }
    *got = total;
    return SV_OK;
}

void sv_gz_close(sv_gz_stream *s)
{
    if (!s) return;
    if (s->zinit) inflateEnd(&s->z);
    SV_FREE(s);
}

sv_status sv_gz_compress(const uint8_t *buf, size_t len, int level, uint8_t **out, size_t *outlen)
{
    z_stream z;
    uint8_t *dst = NULL;
    size_t cap, pos = 0, fed = 0;
    sv_status st = SV_OK;
    int zr;
    *out = NULL;
    *outlen = 0;
    if (level < 1 || level > 9) return sv_fail(SV_EINVAL, "gzip level %d is outside 1..9", level);
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return sv_fail(SV_ENOMEM, "out of memory starting gzip compression");
    /* deflateBound is exact for the worst case; it takes a uLong (64-bit natively, 32 in wasm) */
    cap = len < (size_t)ULONG_MAX / 2 ? (size_t)deflateBound(&z, (uLong)len) : len + len / 1000 + 64;
    if (cap < 64) cap = 64;
    dst = (uint8_t *)SV_MALLOC(cap);
    if (!dst) {
        st = sv_fail(SV_ENOMEM, "out of memory allocating %zu bytes for compressed output", cap);
        goto done;
    }
    do {
        size_t in_slice = len - fed, out_room = cap - pos;
        if (z.avail_in == 0) {
            if (in_slice > SLICE) in_slice = SLICE;
            z.next_in = (Bytef *)(uintptr_t)(buf + fed);
            z.avail_in = (uInt)in_slice;
            fed += in_slice;
        }
        if (out_room == 0) {
            /* deflateBound was exceeded (cannot happen with zlib's bound; be safe) */
            size_t ncap;
            uint8_t *nd;
            if (!sv_mul_size(cap, 2, &ncap)) {
                st = sv_fail(SV_ERANGE, "compressed output too large");
                goto done;
            }
            nd = (uint8_t *)SV_REALLOC(dst, ncap);
            if (!nd) {
                st = sv_fail(SV_ENOMEM, "out of memory growing compressed output");
                goto done;
            }
            dst = nd;
            cap = ncap;
            out_room = cap - pos;
        }
        if (out_room > SLICE) out_room = SLICE;
        z.next_out = dst + pos;
        z.avail_out = (uInt)out_room;
        zr = deflate(&z, fed == len ? Z_FINISH : Z_NO_FLUSH);
        pos += out_room - z.avail_out;
        if (zr == Z_STREAM_ERROR) {
            st = sv_fail(SV_EINVAL, "gzip compression failed");
            goto done;
        }
    } while (zr != Z_STREAM_END);
    *out = dst;
    *outlen = pos;
    dst = NULL;
done:
    deflateEnd(&z);
    SV_FREE(dst);
    return st;
}
