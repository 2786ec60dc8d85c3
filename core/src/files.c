/* files.c — natural name order for sets of files, and the stable index sort
 * the multi-file loaders share.
 *
 * ALGORITHM: sv_natural_compare walks both names once, comparing digit runs by
 * value (leading zeros skipped, then run length, then digits) and other bytes
 * case-insensitively; O(length). sv_sort_indices is a bottom-up merge sort
 * (stable, O(n log n), no recursion) over an index array.
 * MEMORY: n size_t of scratch for the sort.
 */
#include <string.h>

#include "internal.h"
#include "supervox/files.h"

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c; }

int sv_natural_compare(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)(a ? a : ""), *q = (const unsigned char *)(b ? b : "");
    int zeros_tiebreak = 0; /* fewer leading zeros first, if all else is equal */
    while (*p && *q) {
        if (is_digit(*p) && is_digit(*q)) {
            const unsigned char *s = p, *t = q;
            size_t zs = 0, zt = 0, ls, lt, k;
            while (*s == '0') s++, zs++;
            while (*t == '0') t++, zt++;
            for (ls = 0; is_digit(s[ls]); ls++) {}
            for (lt = 0; is_digit(t[lt]); lt++) {}
            if (ls != lt) return ls < lt ? -1 : 1; /* more significant digits: larger */
            for (k = 0; k < ls; k++)
                if (s[k] != t[k]) return s[k] < t[k] ? -1 : 1;
            if (zs != zt && !zeros_tiebreak) zeros_tiebreak = zs < zt ? -1 : 1;
            p = s + ls;
            q = t + lt;
        } else {
            unsigned char x = lower(*p), y = lower(*q);
            if (x != y) return x < y ? -1 : 1;
            p++;
            q++;
        }
    }
    if (*p || *q) return *p ? 1 : -1; /* a prefix sorts first */
    if (zeros_tiebreak) return zeros_tiebreak;
    return strcmp(a ? a : "", b ? b : "");
}

int sv_sort_indices(size_t *idx, size_t n, sv_index_cmp cmp, const void *ctx)
{
    size_t *tmp, *src = idx, *dst, width;
    if (n < 2) return 1;
    tmp = (size_t *)SV_MALLOC(n * sizeof *tmp);
    if (!tmp) return 0;
    dst = tmp;
    for (width = 1; width < n; width *= 2) {
        size_t lo;
        for (lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = cmp(ctx, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        {
            size_t *t = src;
            src = dst;
            dst = t;
        }
    }
    if (src != idx) memcpy(idx, src, n * sizeof *idx);
    SV_FREE(tmp);
    return 1;
}

static int cmp_names(const void *ctx, size_t a, size_t b)
{
    const sv_file *f = (const sv_file *)ctx;
    return sv_natural_compare(f[a].name, f[b].name);
}

sv_status sv_files_natural_order(const sv_file *files, size_t n, size_t *order)
{
    size_t i;
    for (i = 0; i < n; i++) order[i] = i;
    if (!sv_sort_indices(order, n, cmp_names, files)) return sv_fail(SV_ENOMEM, "out of memory sorting %zu file names", n);
    return SV_OK;
}
