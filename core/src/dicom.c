/* dicom.c — DICOM files to series to volumes, from memory.
 *
 * ALGORITHM: each file is walked once, element by element, from the data set
 * start to Pixel Data (which is located, not read). Every element header is
 * bounds-checked before its value is touched; each step advances at least 8
 * bytes, so any input ends. Sequences are never descended into by recursion:
 * an undefined-length sequence or item pushes the current encoding on a small
 * fixed stack (64 levels) and its delimiter pops it; defined-length sequences
 * and items are skipped whole. Only top-level attributes are kept. Files are
 * grouped into series by (SeriesInstanceUID, SeriesNumber, Rows, Columns,
 * ImageOrientationPatient), each series is sorted by position along its slice
 * normal, and its spacing and tilt are checked. The build decodes each slice
 * to doubles (one slice of scratch), finds the value range, picks the stored
 * type (rules in dicom.h), then decodes again into the volume.
 * MEMORY: sizeof(sv_dicom_hdr) (~1.5 KB) per file for a scan; the volume plus
 * rows*cols doubles for a build. PERFORMANCE: header-bound scan; the build is
 * two passes over the pixel bytes.
 *
 * Reference: DICOM PS3.5 (data structures and encoding: sections 7.1 element
 * encoding, 7.5 nesting, A.4 encapsulation, 10 transfer syntaxes), PS3.10
 * (file format), PS3.3 C.7.6.2 (image plane: IPP, IOP, PixelSpacing).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "supervox/dicom.h"

#define MAX_DEPTH 64
#define UNDEFINED_LENGTH 0xFFFFFFFFu

/* --- transfer syntaxes --------------------------------------------------- */

enum { TS_IMPLICIT_LE = 1, TS_EXPLICIT_LE, TS_EXPLICIT_BE, TS_ENCAPSULATED };

static const struct syntax {
    const char *uid, *name;
    int kind;
} k_syntaxes[] = {
    {"1.2.840.10008.1.2", "Implicit VR Little Endian", TS_IMPLICIT_LE},
    {"1.2.840.10008.1.2.1", "Explicit VR Little Endian", TS_EXPLICIT_LE},
    {"1.2.840.10008.1.2.2", "Explicit VR Big Endian", TS_EXPLICIT_BE},
    {"1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 and 4)", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, Selection Value 1)", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component Image Compression", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.94", "JPIP Referenced", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.5", "RLE Lossless", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.6.1", "RFC 2557 MIME Encapsulation", TS_ENCAPSULATED},
    {"1.2.840.10008.1.2.6.2", "XML Encoding", TS_ENCAPSULATED},
};

static const struct syntax *find_syntax(const char *uid)
{
    size_t i;
    for (i = 0; i < sizeof k_syntaxes / sizeof k_syntaxes[0]; i++)
        if (strcmp(k_syntaxes[i].uid, uid) == 0) return &k_syntaxes[i];
    return NULL;
}

const char *sv_dicom_transfer_syntax_name(const char *uid)
{
    const struct syntax *s = uid ? find_syntax(uid) : NULL;
    return s ? s->name : NULL;
}

/* --- the attributes we read ------------------------------------------------ */

enum kind { K_STR, K_US, K_IS, K_DS };
enum {
    A_IMAGETYPE, A_SOPCLASS, A_STUDYDATE, A_MODALITY, A_SERIESDESC, A_PNAME, A_PID, A_PSEX, A_PAGE, A_THICK,
    A_STUDYUID, A_SERIESUID, A_STUDYID, A_SERIESNUM, A_INSTANCE, A_IPP, A_IOP, A_SPP, A_PHOTO,
    A_FRAMES, A_ROWS, A_COLS, A_PIXSP, A_BITS, A_BSTORED, A_PIXREP, A_WCENTER, A_WWIDTH, A_INTER, A_SLOPE,
    A_PIXELS /* 30: has is an unsigned long, 32 bits in wasm */
};
static const struct attr {
    uint16_t group, elem;
    int kind, id;
    const char *name;
} k_attrs[] = {
    {0x0008, 0x0008, K_STR, A_IMAGETYPE, "ImageType"},
    {0x0008, 0x0016, K_STR, A_SOPCLASS, "SOPClassUID"},
    {0x0008, 0x0020, K_STR, A_STUDYDATE, "StudyDate"},
    {0x0008, 0x0060, K_STR, A_MODALITY, "Modality"},
    {0x0008, 0x103E, K_STR, A_SERIESDESC, "SeriesDescription"},
    {0x0010, 0x0010, K_STR, A_PNAME, "PatientName"},
    {0x0010, 0x0020, K_STR, A_PID, "PatientID"},
    {0x0010, 0x0040, K_STR, A_PSEX, "PatientSex"},
    {0x0010, 0x1010, K_STR, A_PAGE, "PatientAge"},
    {0x0018, 0x0050, K_DS, A_THICK, "SliceThickness"},
    {0x0020, 0x000D, K_STR, A_STUDYUID, "StudyInstanceUID"},
    {0x0020, 0x000E, K_STR, A_SERIESUID, "SeriesInstanceUID"},
    {0x0020, 0x0010, K_STR, A_STUDYID, "StudyID"},
    {0x0020, 0x0011, K_IS, A_SERIESNUM, "SeriesNumber"},
    {0x0020, 0x0013, K_IS, A_INSTANCE, "InstanceNumber"},
    {0x0020, 0x0032, K_DS, A_IPP, "ImagePositionPatient"},
    {0x0020, 0x0037, K_DS, A_IOP, "ImageOrientationPatient"},
    {0x0028, 0x0002, K_US, A_SPP, "SamplesPerPixel"},
    {0x0028, 0x0004, K_STR, A_PHOTO, "PhotometricInterpretation"},
    {0x0028, 0x0008, K_IS, A_FRAMES, "NumberOfFrames"},
    {0x0028, 0x0010, K_US, A_ROWS, "Rows"},
    {0x0028, 0x0011, K_US, A_COLS, "Columns"},
    {0x0028, 0x0030, K_DS, A_PIXSP, "PixelSpacing"},
    {0x0028, 0x0100, K_US, A_BITS, "BitsAllocated"},
    {0x0028, 0x0101, K_US, A_BSTORED, "BitsStored"},
    {0x0028, 0x0103, K_US, A_PIXREP, "PixelRepresentation"},
    {0x0028, 0x1050, K_DS, A_WCENTER, "WindowCenter"},
    {0x0028, 0x1051, K_DS, A_WWIDTH, "WindowWidth"},
    {0x0028, 0x1052, K_DS, A_INTER, "RescaleIntercept"},
    {0x0028, 0x1053, K_DS, A_SLOPE, "RescaleSlope"},
    {0x7FE0, 0x0010, K_STR, A_PIXELS, "PixelData"},
};

#define HAS(id) (1ul << (id))

struct sv_dicom_hdr {
    sv_status status;   /* SV_OK: a usable image */
    char reason[320];   /* why not, naming the file */
    int be;             /* big-endian data set */
    int pixel_ow;       /* Pixel Data's VR was OW (matters for 8-bit big-endian) */
    int mosaic;         /* ImageType says MOSAIC (Siemens: slices tiled in one image) */
    char ts_uid[65];    /* as declared, or the guess for a bare data set */
    char sop_class[65], series_uid[65], study_uid[65];
    char modality[17], photometric[17], series_desc[65];
    char patient_id[65], patient_name[325], patient_age[17], patient_sex[17], study_id[17], study_date[17];
    int32_t rows, cols, bits, pixrep, spp, frames, instance, series_number;
    double ipp[3], iop[6], pixsp[2], slope, inter, thickness; /* mm; IOP as read, normalised after checks */
    double wcenter, wwidth; /* the first display window the file suggests (rescaled units), for display only */
    unsigned long has;  /* HAS(A_...) for attributes present with a valid value */
    char bad[160];      /* the first needed attribute whose value does not parse */
    size_t pix_off, pix_len, file_len;
};

/* --- byte access ---------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p, int be) { return be ? (uint16_t)((p[0] << 8) | p[1]) : (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p, int be)
{
    return be ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]
              : ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

static int is_upper(uint8_t c) { return c >= 'A' && c <= 'Z'; }

/* VRs whose explicit encoding has 2 reserved bytes and a 32-bit length. */
static int long_vr(const char vr[2])
{
    static const char *longs[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"};
    size_t i;
    for (i = 0; i < sizeof longs / sizeof longs[0]; i++)
        if (vr[0] == longs[i][0] && vr[1] == longs[i][1]) return 1;
    return 0;
}

static int known_vr(const uint8_t *v)
{
    static const char *vrs = "AEASATCSDADSDTFLFDISLOLTOBODOFOLOVOWPNSHSLSQSSSTSVTMUCUIULUNURUSUTUV";
    size_t i;
    for (i = 0; vrs[i]; i += 2)
        if (v[0] == (uint8_t)vrs[i] && v[1] == (uint8_t)vrs[i + 1]) return 1;
    return 0;
}

typedef struct elem {
    uint16_t group, el;
    char vr[3];      /* "" when implicit or for item tags */
    uint32_t len;    /* value length, or UNDEFINED_LENGTH */
    size_t hdr;      /* header bytes before the value */
} elem;

/* Decode the element header at pos. 0 ok, -1 cut short, -2 invalid VR. */
static int read_elem(const uint8_t *p, size_t len, size_t pos, int explicit_vr, int be, elem *e)
{
    if (len - pos < 8) return -1;
    e->group = rd16(p + pos, be);
    e->el = rd16(p + pos + 2, be);
    e->vr[0] = e->vr[1] = e->vr[2] = '\0';
    if (e->group == 0xFFFE || !explicit_vr) { /* items and delimiters never carry a VR */
        e->len = rd32(p + pos + 4, be);
        e->hdr = 8;
        return 0;
    }
    if (!is_upper(p[pos + 4]) || !is_upper(p[pos + 5])) return -2;
    e->vr[0] = (char)p[pos + 4];
    e->vr[1] = (char)p[pos + 5];
    if (long_vr(e->vr)) {
        if (len - pos < 12) return -1;
        e->len = rd32(p + pos + 8, be);
        e->hdr = 12;
    } else {
        e->len = rd16(p + pos + 6, be);
        e->hdr = 8;
    }
    return 0;
}

/* --- messages -------------------------------------------------------------- */

static const char *fname(const sv_file *f) { return f->name ? f->name : "(unnamed)"; }

static void hfail(sv_dicom_hdr *h, sv_status st, const sv_file *f, const char *fmt, ...) SV_PRINTF(4, 5);
static void hfail(sv_dicom_hdr *h, sv_status st, const sv_file *f, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(h->reason, sizeof h->reason, "%s: ", fname(f));
    if (n < 0 || (size_t)n >= sizeof h->reason) n = 0;
    va_start(ap, fmt);
    vsnprintf(h->reason + n, sizeof h->reason - (size_t)n, fmt, ap);
    va_end(ap);
    h->status = st;
}

/* --- values ------------------------------------------------------------------ */

/* Copy a text value, trimmed of leading/trailing spaces and trailing NULs,
 * cut at an embedded NUL and at cap - 1 bytes. */
static void copy_text(char *dst, size_t cap, const uint8_t *v, size_t n)
{
    size_t a = 0, b, k;
    for (k = 0; k < n; k++)
        if (v[k] == 0) break;
    n = k;
    while (a < n && v[a] == ' ') a++;
    b = n;
    while (b > a && v[b - 1] == ' ') b--;
    if (b - a > cap - 1) b = a + cap - 1;
    memcpy(dst, v + a, b - a);
    dst[b - a] = '\0';
}

/* Copy a string, cut to cap - 1 bytes. */
static void set_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n > cap - 1) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* An IS value: optional sign and digits, within int32. 1 ok, 0 empty, -1 bad. */
static int parse_is(const char *s, int32_t *out)
{
    long long x = 0;
    int neg = 0, digits = 0;
    if (!*s) return 0;
    if (*s == '+' || *s == '-') neg = (*s++ == '-');
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        x = x * 10 + (*s - '0');
        if (x > 2147483647LL) return -1;
    }
    if (!digits || *s) return -1;
    *out = (int32_t)(neg ? -x : x);
    return 1;
}

/* Up to nmax backslash-separated DS numbers; returns how many, or -1 if one
 * does not parse as a finite number. */
static int parse_ds_list(const char *s, double *out, int nmax)
{
    int n = 0;
    while (*s && n < nmax) {
        char tok[40];
        size_t k = 0;
        const char *e = s;
        char *end;
        double x;
        while (*e && *e != '\\') e++;
        while (s < e && *s == ' ') s++;
        while (e > s && e[-1] == ' ') e--;
        if ((size_t)(e - s) >= sizeof tok) return -1;
        for (; s < e; s++) tok[k++] = *s;
        tok[k] = '\0';
        x = strtod(tok, &end);
        if (!k || *end || !isfinite(x)) return -1;
        out[n++] = x;
        while (*s && *s != '\\') s++;
        if (*s == '\\') s++;
    }
    return n;
}

static void note_bad(sv_dicom_hdr *h, const char *name, const char *text)
{
    if (!h->bad[0]) snprintf(h->bad, sizeof h->bad, "%s '%.60s'", name, text);
}

/* Keep a top-level attribute we need. v points at len value bytes. */
static void take_value(sv_dicom_hdr *h, const elem *e, const uint8_t *v, int be)
{
    const struct attr *a = NULL;
    char text[400];
    size_t i;
    for (i = 0; i < sizeof k_attrs / sizeof k_attrs[0]; i++)
        if (k_attrs[i].group == e->group && k_attrs[i].elem == e->el) {
            a = &k_attrs[i];
            break;
        }
    if (!a || a->id == A_PIXELS) return;
    if (e->len == 0) return; /* present but empty: as absent */
    if (a->kind == K_US) {
        int32_t x;
        int text_vr = e->vr[0] && (strcmp(e->vr, "IS") == 0 || strcmp(e->vr, "DS") == 0);
        if (text_vr) {
            copy_text(text, sizeof text, v, e->len);
            if (parse_is(text, &x) != 1) {
                note_bad(h, a->name, text);
                return;
            }
        } else {
            if (e->len < 2) {
                note_bad(h, a->name, "(1 byte)");
                return;
            }
            x = rd16(v, be);
        }
        switch (a->id) {
        case A_SPP: h->spp = x; break;
        case A_ROWS: h->rows = x; break;
        case A_COLS: h->cols = x; break;
        case A_BITS: h->bits = x; break;
        case A_PIXREP: h->pixrep = x; break;
        default: break; /* BitsStored: noted as present only */
        }
        h->has |= HAS(a->id);
        return;
    }
    copy_text(text, sizeof text, v, e->len);
    if (!text[0]) return;
    if (a->kind == K_IS) {
        int32_t x;
        if (parse_is(text, &x) != 1) {
            /* a bad InstanceNumber or SeriesNumber only costs ordering
             * hints; a bad NumberOfFrames makes the pixel data unreadable */
            if (a->id == A_FRAMES) note_bad(h, a->name, text);
            return;
        }
        if (a->id == A_FRAMES) h->frames = x;
        else if (a->id == A_INSTANCE) h->instance = x;
        else h->series_number = x;
        h->has |= HAS(a->id);
        return;
    }
    if (a->kind == K_DS) {
        double vals[6];
        int want = a->id == A_IPP ? 3 : a->id == A_IOP ? 6 : a->id == A_PIXSP ? 2 : 1;
        int n = parse_ds_list(text, vals, want);
        if (n != want) {
            /* thickness and the window are for display only */
            if (a->id != A_THICK && a->id != A_WCENTER && a->id != A_WWIDTH) note_bad(h, a->name, text);
            return;
        }
        switch (a->id) {
        case A_IPP: memcpy(h->ipp, vals, sizeof h->ipp); break;
        case A_IOP: memcpy(h->iop, vals, sizeof h->iop); break;
        case A_PIXSP: memcpy(h->pixsp, vals, sizeof h->pixsp); break;
        case A_THICK: h->thickness = vals[0]; break;
        case A_WCENTER: h->wcenter = vals[0]; break; /* several windows: the first */
        case A_WWIDTH:
            if (!(vals[0] >= 1)) return; /* the standard's minimum width */
            h->wwidth = vals[0];
            break;
        case A_INTER: h->inter = vals[0]; break;
        case A_SLOPE: h->slope = vals[0]; break;
        default: break;
        }
        h->has |= HAS(a->id);
        return;
    }
    switch (a->id) {
    case A_IMAGETYPE: h->mosaic = strstr(text, "MOSAIC") != NULL; break;
    case A_SOPCLASS: set_str(h->sop_class, sizeof h->sop_class, text); break;
    case A_STUDYDATE: set_str(h->study_date, sizeof h->study_date, text); break;
    case A_MODALITY: set_str(h->modality, sizeof h->modality, text); break;
    case A_SERIESDESC: set_str(h->series_desc, sizeof h->series_desc, text); break;
    case A_PNAME: set_str(h->patient_name, sizeof h->patient_name, text); break;
    case A_PID: set_str(h->patient_id, sizeof h->patient_id, text); break;
    case A_PSEX: set_str(h->patient_sex, sizeof h->patient_sex, text); break;
    case A_PAGE: set_str(h->patient_age, sizeof h->patient_age, text); break;
    case A_STUDYUID: set_str(h->study_uid, sizeof h->study_uid, text); break;
    case A_SERIESUID: set_str(h->series_uid, sizeof h->series_uid, text); break;
    case A_STUDYID: set_str(h->study_id, sizeof h->study_id, text); break;
    case A_PHOTO: set_str(h->photometric, sizeof h->photometric, text); break;
    default: break;
    }
    h->has |= HAS(a->id);
}

/* --- parsing ----------------------------------------------------------------- */

/* Walk the data set from pos to Pixel Data (or the end). Fills h; on a
 * structural error sets h->status/reason and returns it. */
static sv_status walk_dataset(sv_dicom_hdr *h, const sv_file *f, size_t pos, int explicit_vr, int be)
{
    const uint8_t *p = f->bytes;
    size_t len = f->len;
    struct {
        uint8_t explicit_vr, be;
    } stack[MAX_DEPTH];
    int depth = 0;
    while (pos < len) {
        elem e;
        int r = read_elem(p, len, pos, explicit_vr, be, &e);
        size_t room;
        if (r == -1) {
            hfail(h, SV_EFORMAT, f, "the file is truncated: it ends inside the element header at byte %zu", pos);
            return h->status;
        }
        if (r == -2) {
            hfail(h, SV_EFORMAT, f, "damaged data: element (%04X,%04X) at byte %zu has no valid value representation",
                  e.group, e.el, pos);
            return h->status;
        }
        room = len - pos - e.hdr;
        if (e.group == 0xFFFE && (e.el == 0xE00D || e.el == 0xE0DD)) { /* item / sequence delimiter */
            pos += 8;
            if (depth > 0) {
                depth--;
                explicit_vr = stack[depth].explicit_vr;
                be = stack[depth].be;
            }
            continue;
        }
        if (e.len == UNDEFINED_LENGTH) {
            if (depth == 0 && e.group == 0x7FE0 && e.el == 0x0010) {
                hfail(h, SV_EUNSUPPORTED, f, "the pixel data is encapsulated (compressed) although the transfer syntax %s is not; "
                      "such files are not supported", h->ts_uid[0] ? h->ts_uid : "(guessed)");
                return h->status;
            }
            if (depth == MAX_DEPTH) {
                hfail(h, SV_EFORMAT, f, "sequences are nested more than %d deep at byte %zu", MAX_DEPTH, pos);
                return h->status;
            }
            /* an undefined-length sequence or item: its contents follow,
             * up to the matching delimiter */
            stack[depth].explicit_vr = (uint8_t)explicit_vr;
            stack[depth].be = (uint8_t)be;
            depth++;
            if (explicit_vr && e.vr[0] == 'U' && e.vr[1] == 'N') { /* UN sequence: implicit VR little endian inside (PS3.5 6.2.2) */
                explicit_vr = 0;
                be = 0;
            }
            pos += e.hdr;
            continue;
        }
        if (e.len > room) {
            if (depth == 0 && e.group == 0x7FE0 && e.el == 0x0010)
                hfail(h, SV_EFORMAT, f, "the file is truncated: its pixel data should hold %lu bytes but only %zu remain",
                      (unsigned long)e.len, room);
            else
                hfail(h, SV_EFORMAT, f, "the file is truncated: element (%04X,%04X) at byte %zu should hold %lu bytes but only %zu remain",
                      e.group, e.el, pos, (unsigned long)e.len, room);
            return h->status;
        }
        if (depth == 0 && e.group != 0xFFFE) {
            if (e.group == 0x7FE0 && e.el == 0x0010) {
                h->pix_off = pos + e.hdr;
                h->pix_len = e.len;
                h->pixel_ow = e.vr[0] == 'O' && e.vr[1] == 'W';
                h->has |= HAS(A_PIXELS);
                return SV_OK; /* everything we need comes before it */
            }
            take_value(h, &e, p + pos + e.hdr, be);
        }
        pos += e.hdr + e.len;
    }
    if (depth > 0) {
        hfail(h, SV_EFORMAT, f, "the file is truncated: it ends inside a sequence");
        return h->status;
    }
    return SV_OK;
}

/* Is the data set at pos plausibly DICOM when nothing declared it? Sets the
 * guessed encoding. */
static int guess_encoding(const uint8_t *p, size_t len, size_t pos, int need_plausible, int *explicit_vr, int *be)
{
    uint16_t g_le, g_be;
    int vr_ok;
    if (len - pos < 8) return 0;
    g_le = rd16(p + pos, 0);
    g_be = rd16(p + pos, 1);
    vr_ok = known_vr(p + pos + 4);
    if (g_be >= 0x0002 && g_be <= 0x0028 && !(g_be & 1) && g_le > 0x00FF && vr_ok) { /* explicit VR big endian */
        *explicit_vr = 1;
        *be = 1;
        return 1;
    }
    *be = 0;
    *explicit_vr = vr_ok;
    if (!need_plausible) return 1;
    /* a bare data set starts with a low, even group (0008 in practice) */
    return g_le >= 0x0002 && g_le <= 0x0028 && !(g_le & 1);
}

int sv_dicom_sniff(const uint8_t *buf, size_t len)
{
    int explicit_vr, be;
    if (!buf) return 0;
    if (len >= 132 && memcmp(buf + 128, "DICM", 4) == 0) return 1;
    if (len >= 8 && buf[0] == 0x02 && buf[1] == 0x00 && known_vr(buf + 4)) return 1;
    return guess_encoding(buf, len, 0, 1, &explicit_vr, &be);
}

static void parse_file(const sv_file *f, sv_dicom_hdr *h)
{
    const uint8_t *p = f->bytes;
    size_t len = f->len, pos = 0;
    int have_meta = 0, explicit_vr = 1, be = 0;
    const struct syntax *ts = NULL;

    memset(h, 0, sizeof *h);
    h->slope = 1.0;
    h->frames = 1;
    h->spp = 1;
    h->file_len = len;
    if (!p || len == 0) {
        hfail(h, SV_EFORMAT, f, "the file is empty");
        return;
    }
    if (len >= 132 && memcmp(p + 128, "DICM", 4) == 0) {
        pos = 132;
        have_meta = 1;
    } else if (len >= 8 && p[0] == 0x02 && p[1] == 0x00 && known_vr(p + 4)) {
        have_meta = 1; /* a meta group without the preamble */
    }
    if (have_meta) {
        /* the file meta group: always explicit VR little endian (PS3.10 7.1) */
        while (len - pos >= 8 && rd16(p + pos, 0) == 0x0002) {
            elem e;
            int r = read_elem(p, len, pos, 1, 0, &e);
            if (r == 0 && e.len == UNDEFINED_LENGTH) {
                hfail(h, SV_EFORMAT, f, "damaged file meta information: element (0002,%04X) has an undefined length", e.el);
                return;
            }
            if (r == -1 || (r == 0 && e.len > len - pos - e.hdr)) {
                hfail(h, SV_EFORMAT, f, "the file is truncated inside its file meta information (byte %zu)", pos);
                return;
            }
            if (r == -2) {
                hfail(h, SV_EFORMAT, f, "damaged file meta information: element (0002,%04X) has no valid value representation", e.el);
                return;
            }
            if (e.el == 0x0010) copy_text(h->ts_uid, sizeof h->ts_uid, p + pos + e.hdr, e.len);
            pos += e.hdr + e.len;
        }
    }
    if (h->ts_uid[0]) {
        ts = find_syntax(h->ts_uid);
        if (!ts) {
            hfail(h, SV_EUNSUPPORTED, f, "not supported: unknown transfer syntax (%s)", h->ts_uid);
            return;
        }
        if (ts->kind == TS_ENCAPSULATED) {
            hfail(h, SV_EUNSUPPORTED, f, "not supported: %s (%s); decompress it first, e.g. with gdcmconv --raw", ts->name, ts->uid);
            return;
        }
        explicit_vr = ts->kind != TS_IMPLICIT_LE;
        be = ts->kind == TS_EXPLICIT_BE;
        /* some writers declare explicit VR and write implicit: trust the bytes */
        if (explicit_vr && len - pos >= 8 && rd16(p + pos, be) != 0xFFFE && !known_vr(p + pos + 4)) explicit_vr = 0;
    } else {
        if (!guess_encoding(p, len, pos, !have_meta, &explicit_vr, &be)) {
            if (have_meta)
                hfail(h, SV_EFORMAT, f, "the file has DICOM file meta information but no data set after it");
            else
                hfail(h, SV_EFORMAT, f, "not a DICOM file: no DICM marker at byte 128 and no DICOM element at the start");
            return;
        }
        set_str(h->ts_uid, sizeof h->ts_uid, be ? "1.2.840.10008.1.2.2" : explicit_vr ? "1.2.840.10008.1.2.1" : "1.2.840.10008.1.2");
    }
    h->be = be;
    if (walk_dataset(h, f, pos, explicit_vr, be) != SV_OK) return;

    /* is it an image we can read? */
    if (!(h->has & HAS(A_PIXELS))) {
        if (h->modality[0])
            hfail(h, SV_EUNSUPPORTED, f, "not an image: there is no pixel data (modality %s)", h->modality);
        else
            hfail(h, SV_EUNSUPPORTED, f, "not an image: there is no pixel data");
        return;
    }
    if (h->bad[0]) {
        hfail(h, SV_EFORMAT, f, "%s is not a valid value", h->bad);
        return;
    }
    if (!(h->has & HAS(A_ROWS)) || !(h->has & HAS(A_COLS)) || h->rows < 1 || h->cols < 1 || h->rows > 65535 || h->cols > 65535) {
        hfail(h, SV_EFORMAT, f, "the image has pixel data but no valid Rows and Columns (1..65535)");
        return;
    }
    if (h->spp != 1 || (h->photometric[0] && strcmp(h->photometric, "MONOCHROME1") != 0 && strcmp(h->photometric, "MONOCHROME2") != 0)) {
        hfail(h, SV_EUNSUPPORTED, f, "colour images are not supported (PhotometricInterpretation %s, %ld samples per pixel); a greyscale scan is needed",
              h->photometric[0] ? h->photometric : "absent", (long)h->spp);
        return;
    }
    if (!(h->has & HAS(A_BITS)) || (h->bits != 8 && h->bits != 16 && h->bits != 32)) {
        hfail(h, SV_EUNSUPPORTED, f, "BitsAllocated %ld is not supported; 8, 16 or 32 are", (long)h->bits);
        return;
    }
    if (h->pixrep != 0 && h->pixrep != 1) {
        hfail(h, SV_EFORMAT, f, "PixelRepresentation %ld is neither 0 (unsigned) nor 1 (signed)", (long)h->pixrep);
        return;
    }
    if (h->frames < 1) {
        hfail(h, SV_EFORMAT, f, "NumberOfFrames is %ld", (long)h->frames);
        return;
    }
    if (h->frames > 1) {
        hfail(h, SV_EUNSUPPORTED, f, "multi-frame images (%ld frames in one file) are not supported yet", (long)h->frames);
        return;
    }
    {
        size_t need = (size_t)h->rows * (size_t)h->cols * (size_t)(h->bits / 8); /* < 2^34: no overflow on 64-bit; checked below for 32-bit */
        if ((double)h->rows * (double)h->cols * (double)(h->bits / 8) > (double)SIZE_MAX / 2) {
            hfail(h, SV_ERANGE, f, "a %ldx%ld image is too large", (long)h->cols, (long)h->rows);
            return;
        }
        if (h->pix_len < need) {
            hfail(h, SV_EFORMAT, f, "the pixel data holds %zu bytes but %ld x %ld pixels of %ld bits need %zu",
                  h->pix_len, (long)h->cols, (long)h->rows, (long)h->bits, need);
            return;
        }
    }
    if (h->has & HAS(A_PIXSP)) {
        if (!(h->pixsp[0] > 0) || !(h->pixsp[1] > 0)) {
            hfail(h, SV_EFORMAT, f, "PixelSpacing %g\\%g is not two positive sizes", h->pixsp[0], h->pixsp[1]);
            return;
        }
    }
    if (h->has & HAS(A_IOP)) {
        double *r = h->iop, *c = h->iop + 3;
        double nr = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]), nc = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
        double dot = r[0] * c[0] + r[1] * c[1] + r[2] * c[2];
        int k;
        if (fabs(nr - 1) > 0.01 || fabs(nc - 1) > 0.01 || fabs(dot) > 0.01) {
            hfail(h, SV_EFORMAT, f, "ImageOrientationPatient is not two orthogonal unit vectors");
            return;
        }
        for (k = 0; k < 3; k++) {
            r[k] /= nr;
            c[k] /= nc;
        }
    }
    if (h->slope == 0.0) h->slope = 1.0; /* a zero slope is a writer's bug; dcm2niix reads it as 1 */
    h->status = SV_OK;
}

/* --- scan: grouping, ordering, checks ---------------------------------------- */

static const double k_axial[6] = {1, 0, 0, 0, 1, 0};

static const double *iop_of(const sv_dicom_hdr *h) { return (h->has & HAS(A_IOP)) ? h->iop : k_axial; }

static void normal_of(const double *iop, double n[3])
{
    n[0] = iop[1] * iop[5] - iop[2] * iop[4];
    n[1] = iop[2] * iop[3] - iop[0] * iop[5];
    n[2] = iop[0] * iop[4] - iop[1] * iop[3];
}

static int same_group(const sv_dicom_hdr *a, const sv_dicom_hdr *b)
{
    const double *ia = iop_of(a), *ib = iop_of(b);
    int k;
    if (strcmp(a->series_uid, b->series_uid) != 0) return 0;
    if (((a->has ^ b->has) & HAS(A_SERIESNUM)) || ((a->has & HAS(A_SERIESNUM)) && a->series_number != b->series_number)) return 0;
    if (a->rows != b->rows || a->cols != b->cols) return 0;
    for (k = 0; k < 6; k++)
        if (fabs(ia[k] - ib[k]) > 1e-4) return 0;
    return 1;
}

typedef struct order_ctx {
    const sv_dicom_hdr *hdr;
    const sv_file *files;
    double n[3];
    int by_position;
} order_ctx;

static double along(const order_ctx *c, size_t f)
{
    const double *p = c->hdr[f].ipp;
    return p[0] * c->n[0] + p[1] * c->n[1] + p[2] * c->n[2];
}

static int cmp_slices(const void *ctx, size_t a, size_t b)
{
    const order_ctx *c = (const order_ctx *)ctx;
    if (c->by_position) {
        double da = along(c, a), db = along(c, b);
        if (da != db) return da < db ? -1 : 1;
    }
    if (c->hdr[a].instance != c->hdr[b].instance) return c->hdr[a].instance < c->hdr[b].instance ? -1 : 1;
    return sv_natural_compare(c->files[a].name, c->files[b].name);
}

static void add_warning(sv_dicom_series *s, const char *fmt, ...) SV_PRINTF(2, 3);
static void add_warning(sv_dicom_series *s, const char *fmt, ...)
{
    size_t used = strlen(s->warning);
    va_list ap;
    if (used && used + 1 < sizeof s->warning) s->warning[used++] = ' ', s->warning[used] = '\0';
    va_start(ap, fmt);
    vsnprintf(s->warning + used, sizeof s->warning - used, fmt, ap);
    va_end(ap);
}

/* Sort a series' slices and check its geometry. Returns 0 on ENOMEM. */
static int order_series(const sv_dicom_scan *scan, sv_dicom_series *s)
{
    const sv_dicom_hdr *hdr = scan->hdr;
    order_ctx c;
    size_t k, n = s->nfiles, missing_ipp = 0, dup = 0;
    const sv_dicom_hdr *h0 = &hdr[s->files[0]];
    c.hdr = hdr;
    c.files = scan->files;
    normal_of(iop_of(h0), c.n);
    for (k = 0; k < n; k++)
        if (!(hdr[s->files[k]].has & HAS(A_IPP))) missing_ipp++;
    c.by_position = missing_ipp == 0;
    if (!sv_sort_indices(s->files, n, cmp_slices, &c)) return 0;
    s->buildable = 1;
    if (!(h0->has & HAS(A_IOP))) add_warning(s, "No ImageOrientationPatient: axial orientation assumed.");
    if (!(h0->has & HAS(A_PIXSP))) add_warning(s, "No PixelSpacing: 1 mm pixels assumed.");
    if (h0->mosaic)
        add_warning(s, "Siemens mosaic: the slices are tiled in one image, which is read as one 2D slice (mosaics are not split yet).");
    if (!c.by_position) {
        if (n > 1)
            add_warning(s, "%zu of %zu slices have no ImagePositionPatient: slices are ordered by InstanceNumber and spaced by SliceThickness.",
                        missing_ipp, n);
        else
            add_warning(s, "No ImagePositionPatient: the slice is placed at the origin.");
        return 1;
    }
    if (n < 2) return 1;
    {
        double d0 = along(&c, s->files[0]), dn = along(&c, s->files[n - 1]);
        double mean = (dn - d0) / (double)(n - 1), smin = HUGE_VAL, smax = -HUGE_VAL, perp = 0;
        const double *p0 = hdr[s->files[0]].ipp;
        for (k = 0; k + 1 < n; k++) {
            double step = along(&c, s->files[k + 1]) - along(&c, s->files[k]);
            if (step < 1e-3) dup++;
            if (step < smin) smin = step;
            if (step > smax) smax = step;
        }
        if (dup) {
            s->buildable = 0;
            add_warning(s, "%zu slices repeat the position of another: the series holds several volumes (time points, echoes or "
                           "acquisitions) and cannot be stacked into one.", dup);
            return 1;
        }
        for (k = 1; k < n; k++) {
            const double *p = hdr[s->files[k]].ipp;
            double d[3], t, q[3], m;
            int a;
            for (a = 0; a < 3; a++) d[a] = p[a] - p0[a];
            t = d[0] * c.n[0] + d[1] * c.n[1] + d[2] * c.n[2];
            for (a = 0; a < 3; a++) q[a] = d[a] - t * c.n[a];
            m = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
            if (m > perp) perp = m;
        }
        if (perp > 0.01 * mean) {
            const double *pl = hdr[s->files[n - 1]].ipp;
            double d[3], t, q2 = 0;
            int a;
            for (a = 0; a < 3; a++) d[a] = pl[a] - p0[a];
            t = d[0] * c.n[0] + d[1] * c.n[1] + d[2] * c.n[2];
            for (a = 0; a < 3; a++) q2 += (d[a] - t * c.n[a]) * (d[a] - t * c.n[a]);
            add_warning(s, "Gantry tilt: slice positions move up to %.3g mm across the slice normal (about %.2g degrees); "
                           "the affine is sheared so every voxel keeps its true position.",
                        perp, atan2(sqrt(q2), t) * 180.0 / 3.14159265358979323846);
        }
        if (smax - mean > 0.01 * mean || mean - smin > 0.01 * mean)
            add_warning(s, "Uneven slice spacing: steps range from %.4g to %.4g mm (more than 1%% from their mean); "
                           "the volume uses the mean step of %.4g mm.", smin, smax, mean);
    }
    return 1;
}

typedef struct series_ctx {
    const sv_dicom_series *series;
} series_ctx;

static int cmp_series(const void *ctx, size_t a, size_t b)
{
    const sv_dicom_series *s = ((const series_ctx *)ctx)->series, *x = &s[a], *y = &s[b];
    int c;
    if (x->has_number != y->has_number) return x->has_number ? -1 : 1;
    if (x->has_number && x->number != y->number) return x->number < y->number ? -1 : 1;
    if ((c = strcmp(x->uid, y->uid)) != 0) return c;
    if (x->rows != y->rows) return x->rows < y->rows ? -1 : 1;
    if (x->cols != y->cols) return x->cols < y->cols ? -1 : 1;
    return 0;
}

void sv_dicom_scan_free(sv_dicom_scan *scan)
{
    size_t i;
    if (!scan) return;
    for (i = 0; i < scan->nseries; i++) SV_FREE(scan->series[i].files);
    SV_FREE(scan->series);
    SV_FREE(scan->skipped);
    SV_FREE(scan->hdr);
    SV_FREE(scan);
}

sv_status sv_dicom_scan_files(const sv_file *files, size_t n, sv_dicom_scan **out)
{
    sv_dicom_scan *s = NULL;
    size_t *order = NULL, *group_of = NULL, i, k, cap = 0;
    sv_status st = SV_OK;

    *out = NULL;
    if (!files && n) return sv_fail(SV_EINVAL, "no files were given to the DICOM scan");
    s = (sv_dicom_scan *)SV_CALLOC(1, sizeof *s);
    if (s) {
        s->files = files;
        s->nfiles = n;
        s->hdr = (sv_dicom_hdr *)SV_CALLOC(n ? n : 1, sizeof *s->hdr);
        s->skipped = (sv_dicom_skip *)SV_CALLOC(n ? n : 1, sizeof *s->skipped);
    }
    order = (size_t *)SV_MALLOC((n ? n : 1) * sizeof *order);
    group_of = (size_t *)SV_MALLOC((n ? n : 1) * sizeof *group_of);
    if (!s || !s->hdr || !s->skipped || !order || !group_of) {
        st = sv_fail(SV_ENOMEM, "out of memory scanning %zu DICOM files", n);
        goto done;
    }
    if ((st = sv_files_natural_order(files, n, order)) != SV_OK) goto done;

    /* parse, and assign each image to a group (a series) */
    for (k = 0; k < n; k++) {
        sv_dicom_hdr *h;
        i = order[k];
        h = &s->hdr[i];
        parse_file(&files[i], h);
        if (h->status != SV_OK) {
            sv_dicom_skip *sk = &s->skipped[s->nskipped++];
            sk->file = i;
            sk->status = h->status;
            memcpy(sk->reason, h->reason, sizeof sk->reason);
            continue;
        }
        for (group_of[i] = 0; group_of[i] < s->nseries; group_of[i]++)
            if (same_group(&s->hdr[s->series[group_of[i]].files[0]], h)) break;
        if (group_of[i] == s->nseries) {
            sv_dicom_series *ns;
            if (s->nseries == cap) {
                size_t ncap = cap ? cap * 2 : 4;
                ns = (sv_dicom_series *)SV_REALLOC(s->series, ncap * sizeof *ns);
                if (!ns) {
                    st = sv_fail(SV_ENOMEM, "out of memory grouping DICOM series");
                    goto done;
                }
                s->series = ns;
                cap = ncap;
            }
            ns = &s->series[s->nseries];
            memset(ns, 0, sizeof *ns);
            ns->files = (size_t *)SV_MALLOC(sizeof *ns->files); /* room for the first; sized exactly below */
            if (!ns->files) {
                st = sv_fail(SV_ENOMEM, "out of memory grouping DICOM series");
                goto done;
            }
            ns->files[0] = i;
            s->nseries++;
        }
        s->series[group_of[i]].nfiles++;
    }
    /* fill each series' file list, in name order (the sort below is stable) */
    for (k = 0; k < s->nseries; k++) {
        sv_dicom_series *ser = &s->series[k];
        size_t first = ser->files[0], *nf = (size_t *)SV_REALLOC(ser->files, ser->nfiles * sizeof *nf);
        const sv_dicom_hdr *h = &s->hdr[first];
        if (!nf) {
            st = sv_fail(SV_ENOMEM, "out of memory grouping DICOM series");
            goto done;
        }
        ser->files = nf;
        ser->nfiles = 0;
        set_str(ser->uid, sizeof ser->uid, h->series_uid);
        set_str(ser->description, sizeof ser->description, h->series_desc);
        set_str(ser->modality, sizeof ser->modality, h->modality);
        ser->has_number = (h->has & HAS(A_SERIESNUM)) != 0;
        ser->number = h->series_number;
        ser->rows = h->rows;
        ser->cols = h->cols;
    }
    for (k = 0; k < n; k++) {
        i = order[k];
        if (s->hdr[i].status == SV_OK) {
            sv_dicom_series *ser = &s->series[group_of[i]];
            ser->files[ser->nfiles++] = i;
        }
    }
    for (k = 0; k < s->nseries; k++) {
        if (!order_series(s, &s->series[k])) {
            st = sv_fail(SV_ENOMEM, "out of memory sorting DICOM slices");
            goto done;
        }
    }
    /* note series that share a uid but not a grid */
    for (k = 0; k < s->nseries; k++) {
        size_t j, same = 0;
        for (j = 0; j < s->nseries; j++)
            if (j != k && strcmp(s->series[j].uid, s->series[k].uid) == 0 && s->series[j].has_number == s->series[k].has_number &&
                s->series[j].number == s->series[k].number)
                same++;
        if (same)
            add_warning(&s->series[k], "This SeriesInstanceUID also holds %zu other group(s) of slices with another size or orientation.", same);
    }
    if (s->nseries > 1) {
        /* order the series (SeriesNumber, then uid) */
        series_ctx sc;
        sv_dicom_series *sorted = (sv_dicom_series *)SV_MALLOC(s->nseries * sizeof *sorted);
        for (k = 0; k < s->nseries; k++) order[k] = k;
        sc.series = s->series;
        if (!sorted || !sv_sort_indices(order, s->nseries, cmp_series, &sc)) {
            SV_FREE(sorted);
            st = sv_fail(SV_ENOMEM, "out of memory sorting DICOM series");
            goto done;
        }
        for (k = 0; k < s->nseries; k++) sorted[k] = s->series[order[k]];
        SV_FREE(s->series);
        s->series = sorted;
    }
done:
    SV_FREE(order);
    SV_FREE(group_of);
    if (st != SV_OK) {
        sv_dicom_scan_free(s);
        return st;
    }
    *out = s;
    return SV_OK;
}

/* --- build ---------------------------------------------------------------------- */

/* Decode one slice's raw samples into doubles (exact for all 8/16/32-bit integers). */
static void decode_slice(const sv_dicom_hdr *h, const uint8_t *px, size_t n, double *out)
{
    size_t i;
    int be = h->be;
    if (h->bits == 8) {
        /* 8-bit samples in a big-endian OW value are byte-swapped in pairs */
        size_t flip = (be && h->pixel_ow) ? 1 : 0;
        for (i = 0; i < n; i++) {
            size_t at = i ^ flip;
            uint8_t b = at < h->pix_len ? px[at] : 0;
            out[i] = h->pixrep ? (double)(int8_t)b : (double)b;
        }
    } else if (h->bits == 16) {
        for (i = 0; i < n; i++) {
            uint16_t u = rd16(px + 2 * i, be);
            out[i] = h->pixrep ? (double)(int16_t)u : (double)u;
        }
    } else {
        for (i = 0; i < n; i++) {
            uint32_t u = rd32(px + 4 * i, be);
            out[i] = h->pixrep ? (double)(int32_t)u : (double)u;
        }
    }
}

#define STORE_LOOP(T)                                                                  \
    do {                                                                               \
        T *d = (T *)dst;                                                               \
        for (i = 0; i < n; i++) d[i] = (T)(raw_mode ? src[i] : src[i] * slope + inter); \
    } while (0)

static void store_slice(void *dst, sv_dtype dt, const double *src, size_t n, int raw_mode, double slope, double inter)
{
    size_t i;
    switch (dt) {
    case SV_DT_UINT8: STORE_LOOP(uint8_t); break;
    case SV_DT_INT8: STORE_LOOP(int8_t); break;
    case SV_DT_INT16: STORE_LOOP(int16_t); break;
    case SV_DT_UINT16: STORE_LOOP(uint16_t); break;
    case SV_DT_INT32: STORE_LOOP(int32_t); break;
    case SV_DT_UINT32: STORE_LOOP(uint32_t); break;
    case SV_DT_FLOAT32: STORE_LOOP(float); break;
    case SV_DT_FLOAT64: STORE_LOOP(double); break;
    }
}

static sv_dtype raw_type(const sv_dicom_hdr *h)
{
    if (h->bits == 8) return h->pixrep ? SV_DT_INT8 : SV_DT_UINT8;
    if (h->bits == 16) return h->pixrep ? SV_DT_INT16 : SV_DT_UINT16;
    return h->pixrep ? SV_DT_INT32 : SV_DT_UINT32;
}

sv_status sv_dicom_read_series(const sv_dicom_scan *scan, size_t series, sv_volume **out)
{
    const sv_dicom_series *s;
    const sv_dicom_hdr *h0, *hl;
    sv_volume *v = NULL;
    double *buf = NULL, lo = HUGE_VAL, hi = -HUGE_VAL, A[4][4];
    size_t k, npix, slice_bytes;
    int integral = 1, same_scale = 1, same_raw = 1, raw_mode = 0, a;
    int32_t dim[3];
    sv_dtype dt;
    sv_status st = SV_OK;

    *out = NULL;
    if (!scan || series >= scan->nseries)
        return sv_fail(SV_EINVAL, "there is no DICOM series %zu (the scan found %zu)", series + 1, scan ? scan->nseries : 0);
    s = &scan->series[series];
    h0 = &scan->hdr[s->files[0]];
    hl = &scan->hdr[s->files[s->nfiles - 1]];
    if (!s->buildable) return sv_fail(SV_EUNSUPPORTED, "%s: %s", fname(&scan->files[s->files[0]]), s->warning);
    if (s->nfiles > INT32_MAX) return sv_fail(SV_ERANGE, "the series has too many slices (%zu)", s->nfiles);
    for (k = 0; k < s->nfiles; k++) {
        const sv_dicom_hdr *h = &scan->hdr[s->files[k]];
        const sv_file *f = &scan->files[s->files[k]];
        if (!f->bytes || f->len != h->file_len || h->pix_off > f->len || f->len - h->pix_off < h->pix_len)
            return sv_fail(SV_EFORMAT, "%s: the file changed since the series was scanned", fname(f));
        if (h->slope != floor(h->slope) || h->inter != floor(h->inter)) integral = 0;
        if (h->slope != h0->slope || h->inter != h0->inter) same_scale = 0;
        if (h->bits != h0->bits || h->pixrep != h0->pixrep) same_raw = 0;
    }
    dim[0] = s->cols;
    dim[1] = s->rows;
    dim[2] = (int32_t)s->nfiles;
    npix = (size_t)s->cols * (size_t)s->rows;
    if (!sv_mul_size(npix, sizeof *buf, &slice_bytes)) {
        st = sv_fail(SV_ERANGE, "a %ldx%ld slice is too large", (long)s->cols, (long)s->rows);
        goto done;
    }
    buf = (double *)SV_MALLOC(slice_bytes);
    if (!buf) {
        st = sv_fail(SV_ENOMEM, "out of memory for a %ldx%ld slice", (long)s->cols, (long)s->rows);
        goto done;
    }
    /* pass 1: the range of the values to store */
    for (k = 0; k < s->nfiles; k++) {
        const sv_dicom_hdr *h = &scan->hdr[s->files[k]];
        size_t i;
        double rlo = HUGE_VAL, rhi = -HUGE_VAL, x, y;
        decode_slice(h, scan->files[s->files[k]].bytes + h->pix_off, npix, buf);
        for (i = 0; i < npix; i++) {
            if (buf[i] < rlo) rlo = buf[i];
            if (buf[i] > rhi) rhi = buf[i];
        }
        x = rlo * h->slope + h->inter;
        y = rhi * h->slope + h->inter;
        if (fmin(x, y) < lo) lo = fmin(x, y);
        if (fmax(x, y) > hi) hi = fmax(x, y);
    }
    /* the stored type (rules in dicom.h) */
    if (integral && h0->bits == 8 && same_raw && lo >= 0 && hi <= 255)
        dt = SV_DT_UINT8;
    else if (integral && lo >= -32768 && hi <= 32767)
        dt = SV_DT_INT16;
    else if (integral && lo >= 0 && hi <= 65535)
        dt = SV_DT_UINT16;
    else if (integral && lo >= -2147483648.0 && hi <= 2147483647.0)
        dt = SV_DT_INT32;
    else if (same_scale && same_raw) {
        dt = raw_type(h0);
        raw_mode = 1;
    } else
        dt = SV_DT_FLOAT32;
    if ((st = sv_volume_create(dim, dt, &v)) != SV_OK) goto done;
    slice_bytes = npix * sv_dtype_size(dt);
    /* pass 2: store */
    for (k = 0; k < s->nfiles; k++) {
        const sv_dicom_hdr *h = &scan->hdr[s->files[k]];
        decode_slice(h, scan->files[s->files[k]].bytes + h->pix_off, npix, buf);
        store_slice((uint8_t *)v->data + k * slice_bytes, dt, buf, npix, raw_mode, h->slope, h->inter);
    }
    if (raw_mode) {
        v->scl_slope = h0->slope;
        v->scl_inter = h0->inter;
    }

    /* geometry: LPS columns, then flip x and y to RAS */
    {
        const double *iop = iop_of(h0);
        double dr = (h0->has & HAS(A_PIXSP)) ? h0->pixsp[0] : 1.0, dc = (h0->has & HAS(A_PIXSP)) ? h0->pixsp[1] : 1.0;
        double nrm[3], step[3], p0[3] = {0, 0, 0};
        int all_ipp = 1;
        for (k = 0; k < s->nfiles; k++)
            if (!(scan->hdr[s->files[k]].has & HAS(A_IPP))) all_ipp = 0;
        normal_of(iop, nrm);
        if (h0->has & HAS(A_IPP)) memcpy(p0, h0->ipp, sizeof p0);
        if (all_ipp && s->nfiles > 1) {
            for (a = 0; a < 3; a++) step[a] = (hl->ipp[a] - h0->ipp[a]) / (double)(s->nfiles - 1);
        } else {
            double t = (h0->has & HAS(A_THICK)) && h0->thickness > 0 ? h0->thickness : 1.0;
            for (a = 0; a < 3; a++) step[a] = nrm[a] * t;
        }
        for (a = 0; a < 3; a++) {
            double sign = a < 2 ? -1.0 : 1.0;
            A[a][0] = sign * iop[a] * dc;
            A[a][1] = sign * iop[3 + a] * dr;
            A[a][2] = sign * step[a];
            A[a][3] = sign * p0[a];
        }
        A[3][0] = A[3][1] = A[3][2] = 0.0;
        A[3][3] = 1.0;
        sv_volume_set_affine(v, &A[0][0], 1); /* NIFTI_XFORM_SCANNER_ANAT, as dcm2niix writes */
    }
    /* nothing identifying goes into the header: descrip and intent_name stay empty */
    *out = v;
    v = NULL;
done:
    SV_FREE(buf);
    sv_volume_free(v);
    return st;
}

/* --- JSON (the writer in json.c) ---------------------------------------------------- */

size_t sv_dicom_scan_json(const sv_dicom_scan *scan, char *buf, size_t cap)
{
    jbuf b;
    size_t k;
    jinit(&b, buf, cap);
    jput(&b, "{\"series\": [");
    for (k = 0; k < scan->nseries; k++) {
        const sv_dicom_series *s = &scan->series[k];
        jput(&b, "%s{\"index\": %zu, \"uid\": ", k ? ", " : "", k);
        jstr(&b, s->uid);
        jput(&b, ", \"description\": ");
        jstr(&b, s->description);
        if (s->has_number)
            jput(&b, ", \"number\": %ld", (long)s->number);
        else
            jput(&b, ", \"number\": null");
        jput(&b, ", \"modality\": ");
        jstr(&b, s->modality);
        jput(&b, ", \"files\": %zu, \"rows\": %ld, \"cols\": %ld, \"buildable\": %s, \"warning\": ", s->nfiles, (long)s->rows,
             (long)s->cols, s->buildable ? "true" : "false");
        jstr(&b, s->warning);
        jput(&b, "}");
    }
    jput(&b, "], \"skipped\": [");
    for (k = 0; k < scan->nskipped; k++) {
        const sv_dicom_skip *sk = &scan->skipped[k];
        jput(&b, "%s{\"file\": ", k ? ", " : "");
        jstr(&b, fname(&scan->files[sk->file]));
        jput(&b, ", \"status\": \"%s\", \"reason\": ", sv_status_name(sk->status));
        jstr(&b, sk->reason);
        jput(&b, "}");
    }
    jput(&b, "]}");
    return b.len;
}

size_t sv_dicom_metadata_json(const sv_dicom_scan *scan, size_t series, char *buf, size_t cap)
{
    jbuf b;
    const sv_dicom_hdr *h;
    const struct syntax *ts;
    jinit(&b, buf, cap);
    if (!scan || series >= scan->nseries) return 0;
    h = &scan->hdr[scan->series[series].files[0]];
    ts = find_syntax(h->ts_uid);
    jput(&b, "{\"patient_id\": ");
    jstr(&b, h->patient_id);
    jput(&b, ", \"patient_name\": ");
    jstr(&b, h->patient_name);
    jput(&b, ", \"patient_age\": ");
    jstr(&b, h->patient_age);
    jput(&b, ", \"patient_sex\": ");
    jstr(&b, h->patient_sex);
    jput(&b, ", \"study_id\": ");
    jstr(&b, h->study_id);
    jput(&b, ", \"study_date\": ");
    jstr(&b, h->study_date);
    jput(&b, ", \"study_uid\": ");
    jstr(&b, h->study_uid);
    jput(&b, ", \"series_uid\": ");
    jstr(&b, h->series_uid);
    if (h->has & HAS(A_SERIESNUM))
        jput(&b, ", \"series_number\": %ld", (long)h->series_number);
    else
        jput(&b, ", \"series_number\": null");
    jput(&b, ", \"series_description\": ");
    jstr(&b, h->series_desc);
    jput(&b, ", \"modality\": ");
    jstr(&b, h->modality);
    if (h->has & HAS(A_THICK))
        jput(&b, ", \"slice_thickness\": %.17g", h->thickness);
    else
        jput(&b, ", \"slice_thickness\": null");
    if ((h->has & HAS(A_WCENTER)) && (h->has & HAS(A_WWIDTH)))
        jput(&b, ", \"window_center\": %.17g, \"window_width\": %.17g", h->wcenter, h->wwidth);
    else
        jput(&b, ", \"window_center\": null, \"window_width\": null");
    jput(&b, ", \"transfer_syntax\": ");
    jstr(&b, ts ? ts->name : h->ts_uid);
    jput(&b, "}");
    return b.len;
}
