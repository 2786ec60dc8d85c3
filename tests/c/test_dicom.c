/* test_dicom.c — the DICOM reader on hand-built files (every transfer syntax,
 * sequences, odd lengths, truncation at every length, refusals) and on the
 * pydicom test files in ../shared/data/dicom_edge. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "supervox/dicom.h"
#include "supervox/files.h"
#include "supervox/nifti.h"

/* --- a tiny DICOM writer ----------------------------------------------------- */

enum { IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE };

typedef struct dbuf {
    uint8_t *p;
    size_t len, cap;
    int enc; /* encoding of the elements being written */
} dbuf;

static void put(dbuf *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 1024;
        while (ncap < b->len + n) ncap *= 2;
        b->p = (uint8_t *)realloc(b->p, ncap);
        b->cap = ncap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}
static void put16(dbuf *b, uint16_t v)
{
    uint8_t x[2];
    if (b->enc == EXPLICIT_BE) x[0] = (uint8_t)(v >> 8), x[1] = (uint8_t)v;
    else x[0] = (uint8_t)v, x[1] = (uint8_t)(v >> 8);
    put(b, x, 2);
}
static void put32(dbuf *b, uint32_t v)
{
    if (b->enc == EXPLICIT_BE) {
        put16(b, (uint16_t)(v >> 16));
        put16(b, (uint16_t)v);
    } else {
        put16(b, (uint16_t)v);
        put16(b, (uint16_t)(v >> 16));
    }
}

static int is_long_vr(const char *vr)
{
    return !strcmp(vr, "OB") || !strcmp(vr, "OW") || !strcmp(vr, "SQ") || !strcmp(vr, "UN") || !strcmp(vr, "UT");
}

/* An element header in the current encoding; len may be 0xFFFFFFFF. */
static void hdr(dbuf *b, uint16_t g, uint16_t e, const char *vr, uint32_t len)
{
    put16(b, g);
    put16(b, e);
    if (b->enc == IMPLICIT_LE) {
        put32(b, len);
    } else if (is_long_vr(vr)) {
        put(b, vr, 2);
        put16(b, 0);
        put32(b, len);
    } else {
        put(b, vr, 2);
        put16(b, (uint16_t)len);
    }
}
static void el_raw(dbuf *b, uint16_t g, uint16_t e, const char *vr, const void *v, uint32_t len)
{
    hdr(b, g, e, vr, len);
    put(b, v, len);
}
/* a text value padded to even length (UI with NUL, others with space) */
static void el_str(dbuf *b, uint16_t g, uint16_t e, const char *vr, const char *s)
{
    size_t n = strlen(s);
    hdr(b, g, e, vr, (uint32_t)(n + (n & 1)));
    put(b, s, n);
    if (n & 1) put(b, strcmp(vr, "UI") ? " " : "", 1);
}
static void el_us(dbuf *b, uint16_t g, uint16_t e, uint16_t v)
{
    hdr(b, g, e, "US", 2);
    put16(b, v);
}
static void item(dbuf *b, uint32_t len) { put16(b, 0xFFFE), put16(b, 0xE000), put32(b, len); }
static void item_end(dbuf *b) { put16(b, 0xFFFE), put16(b, 0xE00D), put32(b, 0); }
static void seq_end(dbuf *b) { put16(b, 0xFFFE), put16(b, 0xE0DD), put32(b, 0); }

/* What a test image looks like. */
typedef struct spec {
    int enc;            /* data set encoding */
    int meta;           /* 1: preamble + DICM + meta group; 0: bare data set */
    const char *ts;     /* transfer syntax in the meta group (NULL: the one of enc) */
    int rows, cols, bits, pixrep;
    double z;           /* ImagePositionPatient z (x = -10, y = -20) */
    const char *iop;    /* ImageOrientationPatient text */
    const char *ipp;    /* overrides the position text if set */
    int instance, series_number;
    const char *series_uid;
    const char *slope, *inter; /* NULL: absent */
    const char *wcenter, *wwidth; /* WindowCenter, WindowWidth (NULL: absent) */
    int seed;           /* pixel pattern */
    int with_sequences; /* add nested undefined-length sequences (with traps) */
    int no_pixels;
    const char *pname;  /* PatientName (NULL: Doe^Jane) */
    int no_geometry;    /* leave out ImagePositionPatient, ImageOrientationPatient, PixelSpacing */
} spec;

static void default_spec(spec *s)
{
    memset(s, 0, sizeof *s);
    s->enc = EXPLICIT_LE;
    s->meta = 1;
    s->rows = 3;
    s->cols = 5;
    s->bits = 16;
    s->pixrep = 1;
    s->iop = "1\\0\\0\\0\\1\\0";
    s->instance = 1;
    s->series_number = 7;
    s->series_uid = "1.2.3.4.5";
}

/* the pixel (row r, column c) of a spec's image, as stored */
static int32_t pixel_of(const spec *s, int r, int c)
{
    int32_t v = (int32_t)(r * 100 + c * 7 + s->seed * 1000) - (s->pixrep ? 150 : 0);
    if (s->bits == 8) v = s->pixrep ? (int8_t)v : (uint8_t)v;
    return v;
}

static const char *ts_of(int enc)
{
    return enc == IMPLICIT_LE ? "1.2.840.10008.1.2" : enc == EXPLICIT_LE ? "1.2.840.10008.1.2.1" : "1.2.840.10008.1.2.2";
}

static uint8_t *make_dicom(const spec *s, size_t *len)
{
    dbuf b;
    char text[128];
    int r, c;
    memset(&b, 0, sizeof b);
    if (s->meta) {
        uint8_t pre[128];
        dbuf m;
        memset(pre, 0, sizeof pre);
        put(&b, pre, 128);
        put(&b, "DICM", 4);
        memset(&m, 0, sizeof m);
        m.enc = EXPLICIT_LE;
        el_raw(&m, 0x0002, 0x0001, "OB", "\0\1", 2);
        el_str(&m, 0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.2");
        el_str(&m, 0x0002, 0x0010, "UI", s->ts ? s->ts : ts_of(s->enc));
        b.enc = EXPLICIT_LE;
        hdr(&b, 0x0002, 0x0000, "UL", 4);
        put32(&b, (uint32_t)m.len);
        put(&b, m.p, m.len);
        free(m.p);
    }
    b.enc = s->enc;
    el_str(&b, 0x0008, 0x0008, "CS", "ORIGINAL\\PRIMARY\\AXIAL");
    el_str(&b, 0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.2");
    el_str(&b, 0x0008, 0x0020, "DA", "20240102");
    el_str(&b, 0x0008, 0x0060, "CS", "CT");
    el_str(&b, 0x0008, 0x103E, "LO", "Test series");
    if (s->with_sequences) {
        /* an undefined-length sequence holding an undefined-length item and a
         * defined-length item, each with a Rows element that must be ignored */
        dbuf inner;
        hdr(&b, 0x0008, 0x1140, "SQ", 0xFFFFFFFFu);
        item(&b, 0xFFFFFFFFu);
        el_us(&b, 0x0028, 0x0010, 999);
        hdr(&b, 0x0008, 0x1150, "SQ", 0xFFFFFFFFu); /* nested, empty item list */
        seq_end(&b);
        item_end(&b);
        memset(&inner, 0, sizeof inner);
        inner.enc = s->enc;
        el_us(&inner, 0x0028, 0x0011, 888);
        el_str(&inner, 0x0008, 0x1155, "UI", "1.2.3");
        item(&b, (uint32_t)inner.len);
        put(&b, inner.p, inner.len);
        free(inner.p);
        seq_end(&b);
    }
    el_str(&b, 0x0010, 0x0010, "PN", s->pname ? s->pname : "Doe^Jane");
    el_str(&b, 0x0010, 0x0020, "LO", "PID-4711");
    el_str(&b, 0x0010, 0x0040, "CS", "F");
    el_str(&b, 0x0010, 0x1010, "AS", "042Y");
    if (s->with_sequences && s->enc != IMPLICIT_LE) {
        /* a private UN sequence of undefined length: implicit VR LE inside */
        int keep = b.enc;
        hdr(&b, 0x0011, 0x1010, "UN", 0xFFFFFFFFu);
        b.enc = IMPLICIT_LE;
        item(&b, 0xFFFFFFFFu);
        el_us(&b, 0x0028, 0x0010, 777);
        item_end(&b);
        seq_end(&b);
        b.enc = keep;
    }
    el_str(&b, 0x0018, 0x0050, "DS", "2.5");
    el_str(&b, 0x0020, 0x000D, "UI", "1.2.3.4");
    el_str(&b, 0x0020, 0x000E, "UI", s->series_uid);
    el_str(&b, 0x0020, 0x0010, "SH", "STUDY9");
    snprintf(text, sizeof text, "%d", s->series_number);
    el_str(&b, 0x0020, 0x0011, "IS", text);
    snprintf(text, sizeof text, "%d", s->instance);
    el_str(&b, 0x0020, 0x0013, "IS", text);
    snprintf(text, sizeof text, "-10\\-20\\%g", s->z);
    if (!s->no_geometry) {
        el_str(&b, 0x0020, 0x0032, "DS", s->ipp ? s->ipp : text);
        el_str(&b, 0x0020, 0x0037, "DS", s->iop);
    }
    el_us(&b, 0x0028, 0x0002, 1);
    el_str(&b, 0x0028, 0x0004, "CS", "MONOCHROME2");
    el_us(&b, 0x0028, 0x0010, (uint16_t)s->rows);
    el_us(&b, 0x0028, 0x0011, (uint16_t)s->cols);
    if (!s->no_geometry) el_str(&b, 0x0028, 0x0030, "DS", "0.5\\0.75"); /* row spacing 0.5, column spacing 0.75 */
    el_us(&b, 0x0028, 0x0100, (uint16_t)s->bits);
    el_us(&b, 0x0028, 0x0101, (uint16_t)s->bits);
    el_us(&b, 0x0028, 0x0103, (uint16_t)s->pixrep);
    if (s->wcenter) el_str(&b, 0x0028, 0x1050, "DS", s->wcenter);
    if (s->wwidth) el_str(&b, 0x0028, 0x1051, "DS", s->wwidth);
    if (s->inter) el_str(&b, 0x0028, 0x1052, "DS", s->inter);
    if (s->slope) el_str(&b, 0x0028, 0x1053, "DS", s->slope);
    if (!s->no_pixels) {
        size_t n = (size_t)s->rows * s->cols, bytes = n * (size_t)(s->bits / 8), pad = bytes & 1;
        hdr(&b, 0x7FE0, 0x0010, s->bits == 8 ? "OB" : "OW", (uint32_t)(bytes + pad));
        for (r = 0; r < s->rows; r++)
            for (c = 0; c < s->cols; c++) {
                int32_t v = pixel_of(s, r, c);
                if (s->bits == 8) {
                    uint8_t x = (uint8_t)v;
                    put(&b, &x, 1);
                } else if (s->bits == 16) {
                    put16(&b, (uint16_t)v);
                } else {
                    put32(&b, (uint32_t)v);
                }
            }
        if (pad) put(&b, "", 1);
    }
    *len = b.len;
    return b.p;
}

/* scan one buffer */
static sv_dicom_scan *scan1(const char *name, const uint8_t *buf, size_t len, sv_file *f)
{
    sv_dicom_scan *s = NULL;
    f->name = name;
    f->bytes = buf;
    f->len = len;
    CHECK_EQ_INT(sv_dicom_scan_files(f, 1, &s), SV_OK);
    return s;
}

/* a series' metadata JSON, malloc'd (the caller frees it) */
static char *metadata_of(const sv_dicom_scan *sc, size_t series)
{
    size_t need = sv_dicom_metadata_json(sc, series, NULL, 0);
    char *json = (char *)malloc(need + 1);
    if (json) sv_dicom_metadata_json(sc, series, json, need + 1);
    return json;
}

/* the stored image must be spec's pixels, i = column, j = row */
static int count_wrong(const sv_volume *v, const spec *s, int k, double slope, double inter)
{
    int r, c, bad = 0;
    for (r = 0; r < s->rows; r++)
        for (c = 0; c < s->cols; c++) {
            size_t idx = ((size_t)k * s->rows + r) * s->cols + c;
            if (sv_volume_get(v, idx) != pixel_of(s, r, c) * slope + inter) bad++;
        }
    return bad;
}

static void every_transfer_syntax_reads_the_same(void)
{
    /* the same 5x3 signed image in each encoding, with and without meta */
    static const int encs[] = {IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE};
    int e, meta, bits;
    for (bits = 8; bits <= 32; bits *= 2)
        for (e = 0; e < 3; e++)
            for (meta = 0; meta <= 1; meta++) {
                spec s;
                size_t len;
                uint8_t *buf;
                sv_file f;
                sv_dicom_scan *sc;
                sv_volume *v = NULL;
                default_spec(&s);
                s.enc = encs[e];
                s.meta = meta;
                s.bits = bits;
                s.cols = 5; /* odd: 8-bit pixel data gets a pad byte */
                s.inter = "-1024";
                s.slope = "1";
                buf = make_dicom(&s, &len);
                sc = scan1("one.dcm", buf, len, &f);
                if (sc) {
                    CHECK_EQ_INT(sc->nseries, 1);
                    if (sc->nskipped) fprintf(stderr, "    %s\n", sc->skipped[0].reason);
                    if (sc->nseries == 1 && sv_dicom_read_series(sc, 0, &v) == SV_OK) {
                        CHECK_EQ_INT(v->dim[0], 5);
                        CHECK_EQ_INT(v->dim[1], 3);
                        CHECK_EQ_INT(v->dim[2], 1);
                        CHECK_EQ_INT(v->dtype, SV_DT_INT16); /* values -1174..-746 fit, whatever the bits */
                        CHECK_EQ_INT(count_wrong(v, &s, 0, 1, -1024), 0);
                        /* i along +x LPS = -x RAS at the column spacing; j along +y LPS at the row spacing */
                        CHECK_NEAR(v->affine[0][0], -0.75, 1e-12);
                        CHECK_NEAR(v->affine[1][1], -0.5, 1e-12);
                        CHECK_NEAR(v->affine[2][2], 2.5, 1e-12); /* one slice: SliceThickness */
                        CHECK_NEAR(v->affine[0][3], 10, 1e-12);
                        CHECK_NEAR(v->affine[1][3], 20, 1e-12);
                        CHECK_NEAR(v->affine[2][3], 0, 1e-12);
                        CHECK(v->meta.descrip[0] == '\0');
                    } else {
                        CHECK(0);
                    }
                }
                sv_volume_free(v);
                sv_dicom_scan_free(sc);
                free(buf);
            }
}

static void sequences_of_every_kind_are_skipped(void)
{
    static const int encs[] = {IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE};
    int e;
    for (e = 0; e < 3; e++) {
        spec s;
        size_t len;
        uint8_t *buf;
        sv_file f;
        sv_dicom_scan *sc;
        sv_volume *v = NULL;
        default_spec(&s);
        s.enc = encs[e];
        s.with_sequences = 1;
        buf = make_dicom(&s, &len);
        sc = scan1("seq.dcm", buf, len, &f);
        if (sc && sc->nseries == 1) {
            /* the Rows/Columns inside the items (999, 888, 777) were not taken */
            CHECK_EQ_INT(sc->series[0].rows, 3);
            CHECK_EQ_INT(sc->series[0].cols, 5);
            CHECK_EQ_INT(sv_dicom_read_series(sc, 0, &v), SV_OK);
            if (v) CHECK_EQ_INT(count_wrong(v, &s, 0, 1, 0), 0);
        } else {
            CHECK(0);
            if (sc && sc->nskipped) fprintf(stderr, "    %s\n", sc->skipped[0].reason);
        }
        sv_volume_free(v);
        sv_dicom_scan_free(sc);
        free(buf);
    }
}

static void truncated_at_every_length_fails_cleanly(void)
{
    static const int encs[] = {IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE};
    int e;
    for (e = 0; e < 3; e++) {
        spec s;
        size_t len, n, bad = 0;
        uint8_t *buf, *cut;
        default_spec(&s);
        s.enc = encs[e];
        s.with_sequences = 1;
        buf = make_dicom(&s, &len);
        for (n = 0; n < len; n++) {
            sv_file f;
            sv_dicom_scan *sc;
            cut = (uint8_t *)malloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */
            memcpy(cut, buf, n);
            f.name = "cut.dcm";
            f.bytes = cut;
            f.len = n;
            if (sv_dicom_scan_files(&f, 1, &sc) != SV_OK) {
                bad++;
            } else {
                /* never an image; always a reason that names the file */
                if (sc->nseries != 0 || sc->nskipped != 1 || strncmp(sc->skipped[0].reason, "cut.dcm: ", 9) != 0 ||
                    (sc->skipped[0].status != SV_EFORMAT && sc->skipped[0].status != SV_EUNSUPPORTED))
                    bad++;
                sv_dicom_scan_free(sc);
            }
            free(cut);
        }
        CHECK_EQ_INT(bad, 0);
        free(buf);
    }
}

static void truncated_real_file_at_every_length(void)
{
    char path[4200];
    size_t len, n, loaded = 0, bad = 0, first_loaded = 0;
    uint8_t *buf;
    snprintf(path, sizeof path, "%s/dicom_edge/pydicom/MR_small.dcm", sv_test_data);
    buf = sv_test_read_file(path, &len);
    CHECK(buf != NULL);
    if (!buf) return;
    for (n = 0; n <= len; n++) {
        sv_file f;
        sv_dicom_scan *sc;
        uint8_t *cut = (uint8_t *)malloc(n ? n : 1);
        memcpy(cut, buf, n);
        f.name = "MR_small.dcm";
        f.bytes = cut;
        f.len = n;
        if (sv_dicom_scan_files(&f, 1, &sc) == SV_OK) {
            if (sc->nseries) {
                sv_volume *v = NULL;
                if (!loaded++) first_loaded = n;
                if (sv_dicom_read_series(sc, 0, &v) != SV_OK) bad++;
                sv_volume_free(v);
            } else if (sc->nskipped != 1 || !strstr(sc->skipped[0].reason, "MR_small.dcm: ")) {
                bad++;
            }
            sv_dicom_scan_free(sc);
        } else {
            bad++;
        }
        free(cut);
    }
    CHECK_EQ_INT(bad, 0);
    /* it loads once the pixel data is complete: only the 138-byte trailing
     * padding element (FFFC,FFFC) after it may be cut */
    CHECK_EQ_INT(len - first_loaded, 138);
    CHECK_EQ_INT(loaded, 139);
    free(buf);
}

static void odd_lengths_and_no_pixel_data(void)
{
    spec s;
    size_t len;
    uint8_t *buf;
    sv_file f;
    sv_dicom_scan *sc;
    dbuf b;
    sv_volume *v = NULL;
    /* odd-length values (a 3-byte private OB, a 5-byte LO) before the image */
    default_spec(&s);
    buf = make_dicom(&s, &len);
    memset(&b, 0, sizeof b);
    b.enc = EXPLICIT_LE;
    put(&b, buf, 132);
    {
        /* copy the meta group as is, then insert odd elements at the data set start */
        uint32_t glen = (uint32_t)buf[140] | ((uint32_t)buf[141] << 8);
        size_t ds = 144 + glen;
        put(&b, buf + 132, ds - 132);
        el_raw(&b, 0x0009, 0x0010, "LO", "ODDLO", 5);
        el_raw(&b, 0x0009, 0x1001, "OB", "abc", 3);
        put(&b, buf + ds, len - ds);
    }
    sc = scan1("odd.dcm", b.p, b.len, &f);
    if (sc) {
        CHECK_EQ_INT(sc->nseries, 1);
        if (sc->nseries == 1 && sv_dicom_read_series(sc, 0, &v) == SV_OK) CHECK_EQ_INT(count_wrong(v, &s, 0, 1, 0), 0);
        if (sc->nskipped) fprintf(stderr, "    %s\n", sc->skipped[0].reason);
    }
    sv_volume_free(v);
    sv_dicom_scan_free(sc);
    free(b.p);
    free(buf);
    /* no pixel data: skipped, named, "not an image" */
    default_spec(&s);
    s.no_pixels = 1;
    buf = make_dicom(&s, &len);
    sc = scan1("report.dcm", buf, len, &f);
    if (sc) {
        CHECK_EQ_INT(sc->nseries, 0);
        CHECK_EQ_INT(sc->nskipped, 1);
        if (sc->nskipped) {
            CHECK_EQ_INT(sc->skipped[0].status, SV_EUNSUPPORTED);
            CHECK(strstr(sc->skipped[0].reason, "report.dcm: not an image") != NULL);
        }
    }
    sv_dicom_scan_free(sc);
    free(buf);
}

static void compressed_and_unknown_syntaxes_are_refused_by_name(void)
{
    static const struct {
        const char *uid, *name;
    } cases[] = {
        {"1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)"},
        {"1.2.840.10008.1.2.4.50", "JPEG Baseline"},
        {"1.2.840.10008.1.2.4.70", "JPEG Lossless"},
        {"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"},
        {"1.2.840.10008.1.2.5", "RLE Lossless"},
        {"1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian"},
        {"1.2.3.4.999", "unknown transfer syntax"},
    };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        spec s;
        size_t len;
        uint8_t *buf;
        sv_file f;
        sv_dicom_scan *sc;
        char want[300];
        default_spec(&s);
        s.ts = cases[k].uid;
        buf = make_dicom(&s, &len);
        sc = scan1("packed.dcm", buf, len, &f);
        if (sc) {
            CHECK_EQ_INT(sc->nseries, 0);
            CHECK_EQ_INT(sc->nskipped, 1);
            if (sc->nskipped) {
                CHECK_EQ_INT(sc->skipped[0].status, SV_EUNSUPPORTED);
                snprintf(want, sizeof want, "packed.dcm: not supported: %s", cases[k].name);
                CHECK(strncmp(sc->skipped[0].reason, want, strlen(want)) == 0);
                CHECK(strstr(sc->skipped[0].reason, cases[k].uid) != NULL);
            }
        }
        sv_dicom_scan_free(sc);
        free(buf);
    }
    CHECK(sv_dicom_transfer_syntax_name("1.2.840.10008.1.2.2") != NULL);
    CHECK(sv_dicom_transfer_syntax_name("9.9") == NULL);
}

static void not_dicom_inputs_are_skipped_with_reasons(void)
{
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
    sv_file f[4];
    sv_dicom_scan *sc = NULL;
    size_t k;
    f[0].name = "README.txt";
    f[0].bytes = (const uint8_t *)"This folder holds a CT series.\n";
    f[0].len = 31;
    f[1].name = "empty.dcm";
    f[1].bytes = NULL;
    f[1].len = 0;
    f[2].name = "picture.png";
    f[2].bytes = png;
    f[2].len = sizeof png;
    f[3].name = NULL;
    f[3].bytes = (const uint8_t *)"\x08\x00";
    f[3].len = 2;
    CHECK_EQ_INT(sv_dicom_scan_files(f, 4, &sc), SV_OK);
    if (sc) {
        CHECK_EQ_INT(sc->nseries, 0);
        CHECK_EQ_INT(sc->nskipped, 4);
        for (k = 0; k < sc->nskipped; k++) {
            CHECK_EQ_INT(sc->skipped[k].status, SV_EFORMAT);
            CHECK(strstr(sc->skipped[k].reason, sc->skipped[k].file == 3 ? "(unnamed)" : f[sc->skipped[k].file].name) != NULL);
        }
    }
    sv_dicom_scan_free(sc);
    CHECK(!sv_dicom_sniff((const uint8_t *)"This folder", 11));
    CHECK(!sv_dicom_sniff(png, sizeof png));
    CHECK_EQ_INT(sv_dicom_scan_files(NULL, 3, &sc), SV_EINVAL);
    CHECK_EQ_INT(sv_dicom_scan_files(NULL, 0, &sc), SV_OK);
    if (sc) CHECK_EQ_INT(sc->nseries, 0);
    sv_dicom_scan_free(sc);
}

/* Build n slices of one series; positions z[k], instance numbers inst[k]. */
static void make_series(spec *base, size_t n, const double *z, const int *inst, uint8_t **bufs, size_t *lens, sv_file *files,
                        char names[][32], const char *const *name_list)
{
    size_t k;
    for (k = 0; k < n; k++) {
        spec s = *base;
        s.z = z[k];
        s.instance = inst[k];
        s.seed = (int)k;
        bufs[k] = make_dicom(&s, &lens[k]);
        snprintf(names[k], 32, "%s", name_list[k]);
        files[k].name = names[k];
        files[k].bytes = bufs[k];
        files[k].len = lens[k];
    }
}

static void slices_sort_by_position_not_name_or_instance(void)
{
    /* positions shuffled; instance numbers run against position; names in a third order */
    static const double z[5] = {7, 1, 13, 4, 10};
    static const int inst[5] = {3, 5, 1, 4, 2};
    static const char *const nm[5] = {"b", "e", "a", "c", "d"};
    spec base;
    uint8_t *bufs[5];
    size_t lens[5], k;
    sv_file files[5];
    char names[5][32];
    sv_dicom_scan *sc = NULL;
    sv_volume *v = NULL;
    default_spec(&base);
    make_series(&base, 5, z, inst, bufs, lens, files, names, nm);
    CHECK_EQ_INT(sv_dicom_scan_files(files, 5, &sc), SV_OK);
    if (sc && sc->nseries == 1) {
        static const size_t want[5] = {1, 3, 0, 4, 2}; /* z = 1, 4, 7, 10, 13 */
        for (k = 0; k < 5; k++) CHECK_EQ_INT(sc->series[0].files[k], want[k]);
        CHECK(sc->series[0].warning[0] == '\0');
        CHECK_EQ_INT(sv_dicom_read_series(sc, 0, &v), SV_OK);
        if (v) {
            spec s = base;
            CHECK_EQ_INT(v->dim[2], 5);
            for (k = 0; k < 5; k++) {
                s.seed = (int)want[k];
                CHECK_EQ_INT(count_wrong(v, &s, (int)k, 1, 0), 0);
            }
            CHECK_NEAR(v->affine[2][2], 3.0, 1e-12);
            CHECK_NEAR(v->affine[2][3], 1.0, 1e-12);
            CHECK_NEAR(v->spacing[2], 3.0, 1e-12);
        }
    } else {
        CHECK(0);
    }
    sv_volume_free(v);
    sv_dicom_scan_free(sc);
    for (k = 0; k < 5; k++) free(bufs[k]);
}

static void oblique_geometry_matches_the_formula(void)
{
    /* sagittal-ish oblique: rows along +y, columns along -z tilted; slices along the normal */
    static const char *const nm[3] = {"s1", "s2", "s3"};
    const double c30 = 0.86602540378443865, s30 = 0.5;
    char iop[200], ipp[3][100];
    double r[3] = {0, c30, s30}, c[3] = {0, s30, -c30}, n[3], p0[3] = {5, -7, 11};
    spec base;
    uint8_t *bufs[3];
    size_t lens[3], k;
    sv_file files[3];
    char names[3][32];
    sv_dicom_scan *sc = NULL;
    sv_volume *v = NULL;
    int a, ii;
    n[0] = r[1] * c[2] - r[2] * c[1];
    n[1] = r[2] * c[0] - r[0] * c[2];
    n[2] = r[0] * c[1] - r[1] * c[0];
    snprintf(iop, sizeof iop, "%.17g\\%.17g\\%.17g\\%.17g\\%.17g\\%.17g", r[0], r[1], r[2], c[0], c[1], c[2]);
    default_spec(&base);
    base.iop = iop;
    for (k = 0; k < 3; k++) {
        spec s = base;
        size_t q = 2 - k; /* files in reverse position order */
        snprintf(ipp[k], sizeof ipp[k], "%.17g\\%.17g\\%.17g", p0[0] + 1.5 * q * n[0], p0[1] + 1.5 * q * n[1], p0[2] + 1.5 * q * n[2]);
        s.ipp = ipp[k];
        s.seed = (int)k;
        bufs[k] = make_dicom(&s, &lens[k]);
        snprintf(names[k], 32, "%s", nm[k]);
        files[k].name = names[k];
        files[k].bytes = bufs[k];
        files[k].len = lens[k];
    }
    CHECK_EQ_INT(sv_dicom_scan_files(files, 3, &sc), SV_OK);
    if (sc && sc->nseries == 1 && sv_dicom_read_series(sc, 0, &v) == SV_OK) {
        CHECK(sc->series[0].warning[0] == '\0');
        for (a = 0; a < 3; a++) {
            double sign = a < 2 ? -1 : 1; /* LPS -> RAS */
            CHECK_NEAR(v->affine[a][0], sign * r[a] * 0.75, 1e-9);
            CHECK_NEAR(v->affine[a][1], sign * c[a] * 0.5, 1e-9);
            CHECK_NEAR(v->affine[a][2], sign * n[a] * 1.5, 1e-9);
            CHECK_NEAR(v->affine[a][3], sign * p0[a], 1e-9);
        }
        /* k = 0 is the slice at p0: file 2 */
        {
            spec s = base;
            s.seed = 2;
            CHECK_EQ_INT(count_wrong(v, &s, 0, 1, 0), 0);
        }
        for (ii = 0; ii < 3; ii++) CHECK_NEAR(v->spacing[ii], ii == 0 ? 0.75 : ii == 1 ? 0.5 : 1.5, 1e-9);
    } else {
        CHECK(0);
    }
    sv_volume_free(v);
    sv_dicom_scan_free(sc);
    for (k = 0; k < 3; k++) free(bufs[k]);
}

static void tilt_uneven_and_repeated_positions_are_reported(void)
{
    static const char *const nm[4] = {"1", "2", "3", "4"};
    static const int inst[4] = {1, 2, 3, 4};
    spec base;
    uint8_t *bufs[4];
    size_t lens[4], k;
    sv_file files[4];
    char names[4][32], ipp[4][64];
    sv_dicom_scan *sc = NULL;
    sv_volume *v = NULL;
    /* uneven: steps 2, 2, 3 */
    {
        static const double z[4] = {0, 2, 4, 7};
        default_spec(&base);
        make_series(&base, 4, z, inst, bufs, lens, files, names, nm);
        CHECK_EQ_INT(sv_dicom_scan_files(files, 4, &sc), SV_OK);
        if (sc && sc->nseries == 1) {
            CHECK(strstr(sc->series[0].warning, "Uneven slice spacing") != NULL);
            CHECK(sc->series[0].buildable);
        }
        sv_dicom_scan_free(sc);
        for (k = 0; k < 4; k++) free(bufs[k]);
    }
    /* repeated: two slices at z = 2 */
    {
        static const double z[4] = {0, 2, 2, 4};
        default_spec(&base);
        make_series(&base, 4, z, inst, bufs, lens, files, names, nm);
        CHECK_EQ_INT(sv_dicom_scan_files(files, 4, &sc), SV_OK);
        if (sc && sc->nseries == 1) {
            CHECK(strstr(sc->series[0].warning, "repeat the position") != NULL);
            CHECK(!sc->series[0].buildable);
            CHECK_EQ_INT(sv_dicom_read_series(sc, 0, &v), SV_EUNSUPPORTED);
            CHECK(v == NULL);
            CHECK(strstr(sv_last_error(), "several volumes") != NULL);
        }
        sv_dicom_scan_free(sc);
        for (k = 0; k < 4; k++) free(bufs[k]);
    }
    /* gantry tilt: y moves 0.5 mm per 2 mm slice step; voxels keep their true positions */
    default_spec(&base);
    for (k = 0; k < 4; k++) {
        spec s = base;
        snprintf(ipp[k], sizeof ipp[k], "-10\\%g\\%g", -20 + 0.5 * (double)k, 2.0 * (double)k);
        s.ipp = ipp[k];
        s.instance = (int)k;
        bufs[k] = make_dicom(&s, &lens[k]);
        files[k].name = nm[k];
        files[k].bytes = bufs[k];
        files[k].len = lens[k];
    }
    CHECK_EQ_INT(sv_dicom_scan_files(files, 4, &sc), SV_OK);
    if (sc && sc->nseries == 1) {
        CHECK(strstr(sc->series[0].warning, "Gantry tilt") != NULL);
        CHECK_EQ_INT(sv_dicom_read_series(sc, 0, &v), SV_OK);
        if (v)
            for (k = 0; k < 4; k++) {
                /* world of voxel (0, 0, k) = RAS of slice k's position */
                CHECK_NEAR(v->affine[0][2] * (double)k + v->affine[0][3], 10, 1e-9);
                CHECK_NEAR(v->affine[1][2] * (double)k + v->affine[1][3], 20 - 0.5 * (double)k, 1e-9);
                CHECK_NEAR(v->affine[2][2] * (double)k + v->affine[2][3], 2.0 * (double)k, 1e-9);
            }
    }
    sv_volume_free(v);
    sv_dicom_scan_free(sc);
    for (k = 0; k < 4; k++) free(bufs[k]);
}

static void missing_geometry_falls_back_with_warnings(void)
{
    /* no positions: ordered by InstanceNumber, spaced by SliceThickness (2.5), axial, 1 mm pixels */
    static const double z[3] = {0, 0, 0};
    static const int inst[3] = {3, 1, 2};
    static const char *const nm[3] = {"a", "b", "c"};
    spec base;
    uint8_t *bufs[3];
    size_t lens[3], k;
    sv_file files[3];
    char names[3][32];
    sv_dicom_scan *sc = NULL;
    sv_volume *v = NULL;
    default_spec(&base);
    base.no_geometry = 1;
    make_series(&base, 3, z, inst, bufs, lens, files, names, nm);
    CHECK_EQ_INT(sv_dicom_scan_files(files, 3, &sc), SV_OK);
    if (sc && sc->nseries == 1) {
        const char *w = sc->series[0].warning;
        CHECK(strstr(w, "No ImageOrientationPatient") && strstr(w, "No PixelSpacing") && strstr(w, "ordered by InstanceNumber"));
        CHECK_EQ_INT(sc->series[0].files[0], 1);
        CHECK_EQ_INT(sc->series[0].files[1], 2);
        CHECK_EQ_INT(sc->series[0].files[2], 0);
        CHECK_EQ_INT(sv_dicom_read_series(sc, 0, &v), SV_OK);
        if (v) {
            CHECK_NEAR(v->affine[0][0], -1, 0);
            CHECK_NEAR(v->affine[1][1], -1, 0);
            CHECK_NEAR(v->affine[2][2], 2.5, 0);
            CHECK_NEAR(v->affine[2][3], 0, 0);
        }
    } else {
        CHECK(0);
    }
    sv_volume_free(v);
    sv_dicom_scan_free(sc);
    for (k = 0; k < 3; k++) free(bufs[k]);
}

static void series_are_grouped_and_ordered(void)
{
    /* series 9 (uid B, 2 slices), series 3 (uid A, 1 slice), and uid A
     * again at another size: three series, ordered 3, 3 (the bigger), 9 */
    spec s[4];
    uint8_t *bufs[4];
    size_t lens[4], k;
    sv_file files[4];
    sv_dicom_scan *sc = NULL;
    char *json;
    size_t need;
    for (k = 0; k < 4; k++) default_spec(&s[k]);
    s[0].series_uid = "B";
    s[0].series_number = 9;
    s[1] = s[0];
    s[1].z = 1;
    s[2].series_uid = "A";
    s[2].series_number = 3;
    s[3] = s[2];
    s[3].rows = 4;
    for (k = 0; k < 4; k++) {
        static const char *const nm[4] = {"x1", "x2", "x3", "x4"};
        bufs[k] = make_dicom(&s[k], &lens[k]);
        files[k].name = nm[k];
        files[k].bytes = bufs[k];
        files[k].len = lens[k];
    }
    CHECK_EQ_INT(sv_dicom_scan_files(files, 4, &sc), SV_OK);
    if (sc) {
        CHECK_EQ_INT(sc->nseries, 3);
        if (sc->nseries == 3) {
            CHECK(strcmp(sc->series[0].uid, "A") == 0 && sc->series[0].rows == 3);
            CHECK(strcmp(sc->series[1].uid, "A") == 0 && sc->series[1].rows == 4);
            CHECK(strcmp(sc->series[2].uid, "B") == 0 && sc->series[2].nfiles == 2);
            CHECK(strstr(sc->series[0].warning, "other group") != NULL);
            CHECK_EQ_INT(sc->series[2].number, 9);
        }
        need = sv_dicom_scan_json(sc, NULL, 0);
        json = (char *)malloc(need + 1);
        CHECK_EQ_INT(sv_dicom_scan_json(sc, json, need + 1), need);
        CHECK(strstr(json, "\"uid\": \"B\"") != NULL && strstr(json, "\"files\": 2") != NULL);
        free(json);
        {
            sv_volume *none = NULL;
            CHECK_EQ_INT(sv_dicom_read_series(sc, 3, &none), SV_EINVAL);
            CHECK(none == NULL);
        }
    }
    sv_dicom_scan_free(sc);
    for (k = 0; k < 4; k++) free(bufs[k]);
}

static void stored_type_follows_the_rescale_rule(void)
{
    static const struct {
        int bits, pixrep;
        const char *slope, *inter, *slope2;
        sv_dtype want;
        double scl_slope, scl_inter;
    } cases[] = {
        {16, 1, "1", "-1024", NULL, SV_DT_INT16, 1, 0},        /* CT: HU as int16 */
        {16, 0, NULL, NULL, NULL, SV_DT_INT16, 1, 0},          /* small unsigned values fit int16 */
        {8, 0, NULL, NULL, NULL, SV_DT_UINT8, 1, 0},           /* 8-bit stays 8-bit */
        {16, 1, "0.5", "3.25", NULL, SV_DT_INT16, 0.5, 3.25},  /* shared non-integral scaling: raw + scl */
        {16, 1, "0.5", "3.25", "0.25", SV_DT_FLOAT32, 1, 0},   /* per-slice scaling differs: float32 */
        {32, 0, "1", "0", NULL, SV_DT_INT16, 1, 0},            /* 32-bit of small values */
        {16, 1, "2", "70000", NULL, SV_DT_INT32, 1, 0},        /* integral, beyond 16 bits */
    };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        static const char *const nm[2] = {"p", "q"};
        spec s[2];
        uint8_t *bufs[2];
        size_t lens[2], q;
        sv_file files[2];
        sv_dicom_scan *sc = NULL;
        sv_volume *v = NULL;
        for (q = 0; q < 2; q++) {
            default_spec(&s[q]);
            s[q].bits = cases[k].bits;
            s[q].pixrep = cases[k].pixrep;
            s[q].slope = q && cases[k].slope2 ? cases[k].slope2 : cases[k].slope;
            s[q].inter = cases[k].inter;
            s[q].z = (double)q;
            s[q].seed = (int)q;
            bufs[q] = make_dicom(&s[q], &lens[q]);
            files[q].name = nm[q];
            files[q].bytes = bufs[q];
            files[q].len = lens[q];
        }
        CHECK_EQ_INT(sv_dicom_scan_files(files, 2, &sc), SV_OK);
        if (sc && sc->nseries == 1 && sv_dicom_read_series(sc, 0, &v) == SV_OK) {
            CHECK_EQ_INT(v->dtype, cases[k].want);
            CHECK_NEAR(v->scl_slope, cases[k].scl_slope, 0);
            CHECK_NEAR(v->scl_inter, cases[k].scl_inter, 0);
            for (q = 0; q < 2; q++) {
                double sl = s[q].slope ? atof(s[q].slope) : 1, in = s[q].inter ? atof(s[q].inter) : 0;
                CHECK_EQ_INT(count_wrong(v, &s[q], (int)q, sl, in), 0);
            }
        } else {
            CHECK(0);
        }
        sv_volume_free(v);
        sv_dicom_scan_free(sc);
        for (q = 0; q < 2; q++) free(bufs[q]);
    }
}

static void metadata_is_shown_but_never_exported(void)
{
    spec s;
    size_t len, outlen, i;
    uint8_t *buf, *nii = NULL;
    sv_file f;
    sv_dicom_scan *sc;
    sv_volume *v = NULL;
    char *json;
    default_spec(&s);
    buf = make_dicom(&s, &len);
    sc = scan1("pat.dcm", buf, len, &f);
    if (sc && sc->nseries == 1) {
        json = metadata_of(sc, 0);
        CHECK(strstr(json, "\"patient_name\": \"Doe^Jane\"") != NULL);
        CHECK(strstr(json, "\"patient_id\": \"PID-4711\"") != NULL);
        CHECK(strstr(json, "\"patient_age\": \"042Y\"") != NULL);
        CHECK(strstr(json, "\"patient_sex\": \"F\"") != NULL);
        CHECK(strstr(json, "\"study_id\": \"STUDY9\"") != NULL);
        CHECK(strstr(json, "\"study_date\": \"20240102\"") != NULL);
        CHECK(strstr(json, "\"slice_thickness\": 2.5") != NULL);
        CHECK(strstr(json, "\"modality\": \"CT\"") != NULL);
        CHECK(strstr(json, "\"series_description\": \"Test series\"") != NULL);
        CHECK(strstr(json, "\"window_center\": null, \"window_width\": null") != NULL); /* none in the file */
        free(json);
        CHECK_EQ_INT(sv_dicom_metadata_json(sc, 1, NULL, 0), 0);
        CHECK_EQ_INT(sv_dicom_read_series(sc, 0, &v), SV_OK);
        if (v) {
            CHECK_EQ_INT(sv_nifti_write(v, 0, &nii, &outlen), SV_OK);
            for (i = 0; nii && i + 8 <= outlen; i++) {
                CHECK(memcmp(nii + i, "Doe^Jane", 8) != 0);
                CHECK(memcmp(nii + i, "PID-4711", 8) != 0);
                CHECK(memcmp(nii + i, "STUDY9", 6) != 0);
            }
        }
    } else {
        CHECK(0);
    }
    sv_free(nii);
    sv_volume_free(v);
    sv_dicom_scan_free(sc);
    free(buf);
}

/* the display window the file suggests: the first of several; a width under 1
 * or a value that is not a number leaves none, and the image still reads */
static void window_from_the_file(void)
{
    static const struct {
        const char *center, *width, *want;
    } cases[] = {
        {"40\\300", "400\\1500", "\"window_center\": 40, \"window_width\": 400"},
        {" -600 ", "1500", "\"window_center\": -600, \"window_width\": 1500"},
        {"40", "0", "\"window_center\": null, \"window_width\": null"},
        {"forty", "400", "\"window_center\": null, \"window_width\": null"},
        {"40", NULL, "\"window_center\": null, \"window_width\": null"},
    };
    size_t c;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        spec s;
        size_t len;
        uint8_t *buf;
        sv_file f;
        sv_dicom_scan *sc;
        sv_volume *v = NULL;
        char *json;
        default_spec(&s);
        s.wcenter = cases[c].center;
        s.wwidth = cases[c].width;
        buf = make_dicom(&s, &len);
        sc = scan1("win.dcm", buf, len, &f);
        if (sc && sc->nseries == 1) {
            json = metadata_of(sc, 0);
            CHECK(strstr(json, cases[c].want) != NULL);
            free(json);
            CHECK_EQ_INT(sv_dicom_read_series(sc, 0, &v), SV_OK);
            CHECK_EQ_INT(v ? count_wrong(v, &s, 0, 1, 0) : -1, 0);
        } else {
            CHECK(0);
        }
        sv_volume_free(v);
        sv_dicom_scan_free(sc);
        free(buf);
    }
}

static void json_keeps_utf8_names_and_escapes_latin1(void)
{
    spec s;
    size_t len, need;
    uint8_t *buf;
    sv_file f[2];
    sv_dicom_scan *sc = NULL;
    char *json;
    default_spec(&s);
    s.pname = "M\xfcller^J\"o\\";  /* ISO_IR 100: u-umlaut is one byte */
    buf = make_dicom(&s, &len);
    f[0].name = "Sch\xc3\xa4" "del.dcm"; /* UTF-8 a-umlaut */
    f[0].bytes = buf;
    f[0].len = len;
    f[1].name = "Kn\xc3\xb6" "chel \"1\".txt";
    f[1].bytes = (const uint8_t *)"hello";
    f[1].len = 5;
    CHECK_EQ_INT(sv_dicom_scan_files(f, 2, &sc), SV_OK);
    if (sc && sc->nseries == 1) {
        json = metadata_of(sc, 0);
        CHECK(strstr(json, "\"patient_name\": \"M\\u00fcller^J\\\"o\\\\\"") != NULL);
        free(json);
        need = sv_dicom_scan_json(sc, NULL, 0);
        json = (char *)malloc(need + 1);
        sv_dicom_scan_json(sc, json, need + 1);
        CHECK(strstr(json, "\"file\": \"Kn\xc3\xb6" "chel \\\"1\\\".txt\"") != NULL);
        free(json);
    } else {
        CHECK(0);
    }
    sv_dicom_scan_free(sc);
    free(buf);
}

static void deep_nesting_and_mutations_never_crash(void)
{
    spec s;
    size_t len, k, it;
    uint8_t *buf;
    dbuf b;
    sv_file f;
    sv_dicom_scan *sc;
    uint32_t rng = 12345;
    /* 80 nested undefined-length sequences: refused, not a stack overflow */
    memset(&b, 0, sizeof b);
    b.enc = EXPLICIT_LE;
    el_str(&b, 0x0008, 0x0060, "CS", "CT");
    for (k = 0; k < 80; k++) {
        hdr(&b, 0x0008, 0x1140, "SQ", 0xFFFFFFFFu);
        item(&b, 0xFFFFFFFFu);
    }
    sc = scan1("deep.dcm", b.p, b.len, &f);
    if (sc) {
        CHECK_EQ_INT(sc->nskipped, 1);
        if (sc->nskipped) CHECK(strstr(sc->skipped[0].reason, "nested") != NULL);
    }
    sv_dicom_scan_free(sc);
    free(b.p);
    /* random byte damage to a file with sequences: any outcome but a crash */
    default_spec(&s);
    s.with_sequences = 1;
    buf = make_dicom(&s, &len);
    for (it = 0; it < 3000; it++) {
        uint8_t *m = (uint8_t *)malloc(len);
        int flips = 1 + (int)(it % 4);
        memcpy(m, buf, len);
        while (flips--) {
            rng = rng * 1103515245u + 12345u;
            m[(rng >> 8) % len] = (uint8_t)(rng >> 24);
        }
        f.name = "mut.dcm";
        f.bytes = m;
        f.len = len;
        if (sv_dicom_scan_files(&f, 1, &sc) == SV_OK) {
            if (sc->nseries) {
                sv_volume *v = NULL;
                sv_dicom_read_series(sc, 0, &v);
                sv_volume_free(v);
            }
            sv_dicom_scan_free(sc);
        }
        free(m);
    }
    free(buf);
}

/* --- the pydicom test files ------------------------------------------------------ */

static void ct5n_sorts_against_its_instance_numbers(void)
{
    static const char *const names[5] = {"2062", "2392", "2693", "3023", "3353"};
    uint8_t *bufs[5];
    sv_file files[5];
    char paths[5][4200];
    size_t k;
    sv_dicom_scan *sc = NULL;
    sv_volume *v = NULL;
    for (k = 0; k < 5; k++) {
        snprintf(paths[k], sizeof paths[k], "%s/dicom_edge/pydicom/CT5N/%s", sv_test_data, names[k]);
        bufs[k] = sv_test_read_file(paths[k], &files[k].len);
        files[k].bytes = bufs[k];
        files[k].name = names[k];
        CHECK(bufs[k] != NULL);
    }
    CHECK_EQ_INT(sv_dicom_scan_files(files, 5, &sc), SV_OK);
    if (sc && sc->nseries == 1) {
        /* z falls as the instance number (6..10) rises: k = 0 is 3353 (z = -1.2375) */
        for (k = 0; k < 5; k++) CHECK_EQ_INT(sc->series[0].files[k], 4 - k);
        CHECK_EQ_INT(sv_dicom_read_series(sc, 0, &v), SV_OK);
        if (v) {
            CHECK_NEAR(v->affine[2][3], -1.2375, 1e-9);
            CHECK_NEAR(v->affine[2][2], 2.5, 1e-9);
            CHECK_EQ_INT(v->dtype, SV_DT_INT16);
        }
    } else {
        CHECK(0);
    }
    sv_volume_free(v);
    sv_dicom_scan_free(sc);
    for (k = 0; k < 5; k++) free(bufs[k]);
}

static void natural_order(void)
{
    static const char *const in[] = {"slice_10.png", "slice_2.png", "Slice_1.png", "slice_002.png", "a", "slice_9b.png", "slice_9a.png", NULL};
    static const char *const want[] = {"a", "Slice_1.png", "slice_2.png", "slice_002.png", "slice_9a.png", "slice_9b.png", "slice_10.png", NULL};
    sv_file f[8];
    size_t order[8], k;
    CHECK(sv_natural_compare("slice_2", "slice_10") < 0);
    CHECK(sv_natural_compare("slice_10", "slice_2") > 0);
    CHECK(sv_natural_compare("img7", "img007") < 0); /* equal value: fewer zeros first */
    CHECK(sv_natural_compare("a", "a") == 0);
    CHECK(sv_natural_compare("ab", "a") > 0);
    CHECK(sv_natural_compare("x99999999999999999999999", "x100000000000000000000000") < 0); /* no overflow */
    CHECK(sv_natural_compare(NULL, "") == 0);
    CHECK(sv_natural_compare("A", "a") < 0 && sv_natural_compare("a", "B") < 0);
    for (k = 0; k < 8; k++) {
        f[k].name = in[k];
        f[k].bytes = NULL;
        f[k].len = 0;
    }
    CHECK_EQ_INT(sv_files_natural_order(f, 8, order), SV_OK);
    /* NULL sorts as "" (first) */
    CHECK_EQ_INT(order[0], 7);
    for (k = 0; k < 7; k++) CHECK(strcmp(f[order[k + 1]].name, want[k]) == 0);
}

void suite_dicom(void)
{
    RUN(every_transfer_syntax_reads_the_same);
    RUN(sequences_of_every_kind_are_skipped);
    RUN(truncated_at_every_length_fails_cleanly);
    RUN(truncated_real_file_at_every_length);
    RUN(odd_lengths_and_no_pixel_data);
    RUN(compressed_and_unknown_syntaxes_are_refused_by_name);
    RUN(not_dicom_inputs_are_skipped_with_reasons);
    RUN(slices_sort_by_position_not_name_or_instance);
    RUN(oblique_geometry_matches_the_formula);
    RUN(tilt_uneven_and_repeated_positions_are_reported);
    RUN(missing_geometry_falls_back_with_warnings);
    RUN(series_are_grouped_and_ordered);
    RUN(stored_type_follows_the_rescale_rule);
    RUN(metadata_is_shown_but_never_exported);
    RUN(window_from_the_file);
    RUN(json_keeps_utf8_names_and_escapes_latin1);
    RUN(deep_nesting_and_mutations_never_crash);
    RUN(ct5n_sorts_against_its_instance_numbers);
    RUN(natural_order);
}
