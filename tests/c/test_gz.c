/* test_gz.c — gzip streams: chunked reads, concatenated members, damage. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "supervox/gz.h"

static unsigned char *pattern(size_t n)
{
    unsigned char *p = (unsigned char *)malloc(n);
    size_t i;
    unsigned x = 12345;
    for (i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (unsigned char)((i % 251) ^ ((x >> 16) & 0x0f)); /* compressible but not trivial */
    }
    return p;
}

static void roundtrip_in_odd_chunks(void)
{
    const size_t n = 100003;
    unsigned char *src = pattern(n), *dst = (unsigned char *)calloc(1, n + 10), *gz;
    size_t gzlen, pos = 0, got, step = 1;
    sv_gz_stream *s;
    CHECK_EQ_INT(sv_gz_compress(src, n, 6, &gz, &gzlen), SV_OK);
    CHECK(sv_gz_is_gzip(gz, gzlen));
    CHECK(gzlen < n);
    CHECK_EQ_INT(sv_gz_open(gz, gzlen, &s), SV_OK);
    CHECK(sv_gz_compressed(s));
    while (pos < n) {
        CHECK_EQ_INT(sv_gz_read(s, dst + pos, step, &got), SV_OK);
        if (got == 0) break;
        pos += got;
        step = step * 3 + 1; /* 1, 4, 13, 40, ... */
    }
    CHECK_EQ_INT(pos, n);
    CHECK(memcmp(src, dst, n) == 0);
    CHECK_EQ_INT(sv_gz_read(s, dst, 10, &got), SV_OK); /* at the end: nothing more */
    CHECK_EQ_INT(got, 0);
    CHECK_EQ_INT(sv_gz_consumed(s), gzlen);
    sv_gz_close(s);
    sv_free(gz);
    free(src);
    free(dst);
}

static void concatenated_members_read_as_one(void)
{
    unsigned char a[] = "first member;", b[] = "second member", *ga, *gb, *both, out[64];
    size_t la, lb, got;
    sv_gz_stream *s;
    CHECK_EQ_INT(sv_gz_compress(a, 13, 1, &ga, &la), SV_OK);
    CHECK_EQ_INT(sv_gz_compress(b, 13, 9, &gb, &lb), SV_OK);
    both = (unsigned char *)malloc(la + lb);
    memcpy(both, ga, la);
    memcpy(both + la, gb, lb);
    CHECK_EQ_INT(sv_gz_open(both, la + lb, &s), SV_OK);
    CHECK_EQ_INT(sv_gz_read(s, out, sizeof out, &got), SV_OK);
    CHECK_EQ_INT(got, 26);
    CHECK(memcmp(out, "first member;second member", 26) == 0);
    sv_gz_close(s);
    sv_free(ga);
    sv_free(gb);
    free(both);
}

static void plain_passthrough_and_skip(void)
{
    unsigned char buf[] = "0123456789", out[4];
    size_t got;
    sv_gz_stream *s;
    CHECK_EQ_INT(sv_gz_open(buf, 10, &s), SV_OK);
    CHECK(!sv_gz_compressed(s));
    CHECK_EQ_INT(sv_gz_skip(s, 3, &got), SV_OK);
    CHECK_EQ_INT(got, 3);
    CHECK_EQ_INT(sv_gz_read(s, out, 4, &got), SV_OK);
    CHECK(memcmp(out, "3456", 4) == 0);
    CHECK_EQ_INT(sv_gz_skip(s, 100, &got), SV_OK);
    CHECK_EQ_INT(got, 3);
    sv_gz_close(s);
}

static void truncated_and_corrupt_streams_fail(void)
{
    const size_t n = 50000;
    unsigned char *src = pattern(n), *dst = (unsigned char *)malloc(n), *gz;
    size_t gzlen, got, cut;
    sv_gz_stream *s;
    CHECK_EQ_INT(sv_gz_compress(src, n, 6, &gz, &gzlen), SV_OK);
    for (cut = 2; cut < gzlen; cut += gzlen / 37 + 1) {
        CHECK_EQ_INT(sv_gz_open(gz, cut, &s), SV_OK);
        CHECK(sv_gz_read(s, dst, n, &got) == SV_EFORMAT || got < n);
        sv_gz_close(s);
    }
    gz[gzlen / 2] ^= 0xff;
    gz[gzlen / 2 + 1] ^= 0x55;
    CHECK_EQ_INT(sv_gz_open(gz, gzlen, &s), SV_OK);
    CHECK_EQ_INT(sv_gz_read(s, dst, n, &got), SV_EFORMAT);
    sv_gz_close(s);
    {
        unsigned char *none = (unsigned char *)1;
        CHECK_EQ_INT(sv_gz_compress(src, 10, 0, &none, &got), SV_EINVAL);
        CHECK(none == NULL);
    }
    sv_free(gz);
    free(src);
    free(dst);
}

void suite_gz(void)
{
    RUN(roundtrip_in_odd_chunks);
    RUN(concatenated_members_read_as_one);
    RUN(plain_passthrough_and_skip);
    RUN(truncated_and_corrupt_streams_fail);
}
