/* supervox/gz.h — gzip in and out of memory (zlib), for the file formats.
 *
 * sv_gz_stream reads a memory buffer that may or may not be gzip-compressed
 * (detected by the magic bytes 1f 8b, never by a file name) as a byte stream,
 * so a reader can pull a header, validate it, and then inflate the data straight
 * into its final allocation: memory use is the compressed input plus the output,
 * never an intermediate copy, and never more than the stream really holds.
 * Concatenated gzip members (as `cat a.gz b.gz` makes) are read as one stream.
 */
#ifndef SUPERVOX_GZ_H
#define SUPERVOX_GZ_H

#include <stddef.h>
#include <stdint.h>

#include "supervox/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sv_gz_stream sv_gz_stream;

/* 1 if buf starts with the gzip magic bytes. */
int sv_gz_is_gzip(const uint8_t *buf, size_t len);

/* Open a stream over buf[0..len) (borrowed: it must outlive the stream).
 * *out is caller-owned: close with sv_gz_close(). Returns SV_OK or SV_ENOMEM. */
sv_status sv_gz_open(const uint8_t *buf, size_t len, sv_gz_stream **out);

/* Read up to n bytes into dst; *got is how many were read (less than n only at
 * the end of the stream). Returns SV_OK, or SV_EFORMAT for a corrupt stream. */
sv_status sv_gz_read(sv_gz_stream *s, void *dst, size_t n, size_t *got);

/* Skip n bytes (reads and discards them). *got as for sv_gz_read. */
sv_status sv_gz_skip(sv_gz_stream *s, size_t n, size_t *got);

/* 1 if the stream is compressed. */
int sv_gz_compressed(const sv_gz_stream *s);

/* Compressed input bytes consumed so far (for progress). */
size_t sv_gz_consumed(const sv_gz_stream *s);

/* Close a stream. NULL is fine. */
void sv_gz_close(sv_gz_stream *s);

/* Compress `len` bytes as one gzip member at `level` (1 fastest .. 9 smallest).
 * *out is caller-owned (free with sv_free), *outlen its length.
 * Returns SV_OK, SV_EINVAL (level), SV_ENOMEM, SV_ERANGE. */
sv_status sv_gz_compress(const uint8_t *buf, size_t len, int level, uint8_t **out, size_t *outlen);

#ifdef __cplusplus
}
#endif

#endif
