/* supervox — the command-line tool over the core. The only code that prints.
 *
 *   supervox info INPUT [--stats]       geometry and type as JSON on stdout
 *   supervox convert INPUT OUT.nii[.gz] re-encode a volume as NIfTI-1 (--like IMAGE:
 *                                       reoriented onto IMAGE's voxel grid)
 *   supervox mesh LABELS -o OUT.stl|.obj surfaces of labels; a JSON summary on stdout
 *
 * INPUT is a NIfTI file, a DICOM file, or a folder of DICOM files or of PNG
 * slices (told apart by content). Folders are read whole into memory and
 * handed to the core as named buffers, as the browser does.
 *
 * Errors: one line on stderr naming the file and the reason; exit status 1 for
 * bad input, 2 for bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "supervox/mesh.h"
#include "supervox/dicom.h"
#include "supervox/files.h"
#include "supervox/nifti.h"
#include "supervox/pngstack.h"
#include "supervox/history.h"
#include "supervox/propagate.h"
#include "supervox/strokes.h"
#include "supervox/supervoxels.h"
#include "supervox/status.h"
#include "supervox/volume.h"

#define EXIT_INPUT 1
#define EXIT_USAGE 2

static const char *usage_text =
    "usage:\n"
    "  supervox info INPUT [--stats] [INPUT OPTIONS]\n"
    "                                      print dims, spacing, type, scaling and the\n"
    "                                      voxel-to-world matrix as JSON (a DICOM input\n"
    "                                      adds its series list and metadata)\n"
    "  supervox convert INPUT OUT.nii[.gz] [--labels] [--like IMAGE] [INPUT OPTIONS]\n"
    "                                      re-encode INPUT as NIfTI-1 (.gz: compressed);\n"
    "                                      --labels: as a uint8 label map (values 0..255);\n"
    "                                      --like: on IMAGE's grid (any INPUT kind), which\n"
    "                                      must match INPUT's up to axis order and\n"
    "                                      direction; voxels are moved, never resampled\n"
    "  INPUT: a NIfTI file, a DICOM file, or a folder of DICOM files or of PNG\n"
    "  slices (8/16-bit grey, stacked in natural name order). INPUT OPTIONS:\n"
    "    --series N|UID                    the DICOM series to read when a folder\n"
    "                                      holds several (N as listed, from 1)\n"
    "    --spacing X,Y,Z                   PNG stack voxel size in mm (default 1,1,1)\n"
    "    --slope S  --intercept I          PNG stack value = stored * S + I (1, 0)\n"
    "  supervox supervoxels VOLUME -o SV.nii[.gz] [--count N | --size MM]\n"
    "                       [--compactness C] [--threshold T|auto|none] [--level L]\n"
    "                                      3D supervoxels (SNIC) as a uint32 map on\n"
    "                                      VOLUME's grid; 0 = background (< T; auto,\n"
    "                                      the default: the lowest value if at least\n"
    "                                      5% of voxels hold it, else none); --level\n"
    "                                      1 / 2: the app's coarser granularity, the\n"
    "                                      supervoxels merged to 1/4 / 1/16 of them\n"
    "  supervox propagate VOLUME --strokes S.json -o LABELS.nii[.gz]\n"
    "                     [--supervoxels SV.nii.gz | --count N | --size MM]\n"
    "                     [--compactness C] [--threshold T|auto|none] [--reach R]\n"
    "                     [--spread K] [--enclosed E] [--level L]\n"
    "                                      apply strokes over supervoxels (at level L,\n"
    "                                      as in supervoxels: 0 fine); write the\n"
    "                                      uint8 label map on VOLUME's grid. paint\n"
    "                                      spreads up to R x the stroke's length (1)\n"
    "                                      within mean +- K sd of its intensities (2.5),\n"
    "                                      to the edges if they enclose all but E of\n"
    "                                      its frontier (0.1), else about halfway\n"
    "  supervox mesh LABELS.nii[.gz] -o OUT.stl|.obj [--label L] [--smooth N]\n"
    "                [--decimate TRIANGLES]\n"
    "                                      closed surfaces of label L (default: every\n"
    "                                      label present) in world mm; N Taubin passes\n"
    "                                      (12; 0 = raw marching cubes); at most\n"
    "                                      TRIANGLES in all. Prints a JSON summary\n";

static int usage(const char *why)
{
    if (why) fprintf(stderr, "supervox: %s\n", why);
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}

static int fail_file(const char *path, const char *msg)
{
    fprintf(stderr, "supervox: %s: %s\n", path, msg);
    return EXIT_INPUT;
}

/* Read a whole file. *out is malloc'ed. Returns 0 on success, else prints. */
static int slurp(const char *path, unsigned char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    *out = NULL;
    *len = 0;
    if (!f) return fail_file(path, strerror(errno));
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : (size_t)1 << 20;
            unsigned char *nb = (unsigned char *)realloc(buf, ncap);
            if (!nb) {
                free(buf);
                fclose(f);
                return fail_file(path, "out of memory reading the file");
            }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return fail_file(path, "read error");
    }
    fclose(f);
    *out = buf;
    *len = n;
    return 0;
}

/* Write atomically: a temporary beside the target, then rename, so a failure
 * never leaves a half-written file where a good one was. */
static int write_file(const char *path, const unsigned char *data, size_t len)
{
    size_t plen = strlen(path);
    char *tmp = (char *)malloc(plen + 16);
    FILE *f;
    int ok;
    if (!tmp) return fail_file(path, "out of memory");
    snprintf(tmp, plen + 16, "%s.part%d", path, (int)(len % 9973));
    f = fopen(tmp, "wb");
    if (!f) {
        int e = errno;
        free(tmp);
        return fail_file(path, strerror(e));
    }
    ok = fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        free(tmp);
        return fail_file(path, e ? strerror(e) : "write error");
    }
    free(tmp);
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* --- inputs: NIfTI file, DICOM file, DICOM folder, PNG folder --------------- */

/* What the user said about the input (info, convert). */
typedef struct input_opts {
    const char *series;   /* --series N|UID, or NULL */
    int have_png_opts;    /* --spacing/--slope/--intercept given */
    sv_png_stack_params png;
} input_opts;

/* A loaded volume and, for DICOM, what info adds to its JSON. */
typedef struct loaded {
    sv_volume *vol;
    const char *source;   /* "nifti", "dicom", "png" */
    char *extra_json;     /* NULL or `"key": value, ...` members to add (malloc'ed) */
} loaded;

/* A folder read into memory, as the sv_file array the core takes: each
 * name is the path relative to the folder; paths and bytes are malloc'ed. */
typedef struct folder {
    sv_file *files;
    char **paths;
    size_t n, cap;
} folder;

static void folder_free(folder *d)
{
    size_t i;
    for (i = 0; i < d->n; i++) {
        free(d->paths[i]);
        free((void *)d->files[i].bytes);
    }
    free(d->paths);
    free(d->files);
    memset(d, 0, sizeof *d);
}

/* Read one file into d. Returns 0, or prints and returns non-zero. */
static int folder_take(folder *d, const char *root, char *path)
{
    unsigned char *buf;
    size_t len;
    int rc;
    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 64;
        sv_file *nf = (sv_file *)realloc(d->files, ncap * sizeof *nf);
        char **np;
        if (nf) d->files = nf;
        np = nf ? (char **)realloc(d->paths, ncap * sizeof *np) : NULL;
        if (np) d->paths = np;
        if (!nf || !np) {
            free(path);
            return fail_file(root, "out of memory listing the folder");
        }
        d->cap = ncap;
    }
    if ((rc = slurp(path, &buf, &len)) != 0) {
        free(path);
        return rc;
    }
    d->paths[d->n] = path;
    d->files[d->n].name = path + strlen(root) + 1;
    d->files[d->n].bytes = buf;
    d->files[d->n].len = len;
    d->n++;
    return 0;
}

/* Add every regular file under dir (hidden names skipped, 8 levels deep at
 * most) to d. Returns 0, or prints and returns non-zero. */
static int folder_add(folder *d, const char *root, const char *dir, int depth)
{
    DIR *dh = opendir(dir);
    struct dirent *de;
    int rc = 0;
    if (!dh) return fail_file(dir, strerror(errno));
    while (rc == 0 && (de = readdir(dh)) != NULL) {
        struct stat sb;
        size_t plen;
        char *path;
        if (de->d_name[0] == '.') continue;
        plen = strlen(dir) + strlen(de->d_name) + 2;
        path = (char *)malloc(plen);
        if (!path) {
            rc = fail_file(dir, "out of memory");
            break;
        }
        snprintf(path, plen, "%s/%s", dir, de->d_name);
        if (stat(path, &sb) != 0) {
            rc = fail_file(path, strerror(errno));
            free(path);
        } else if (S_ISDIR(sb.st_mode)) {
            if (depth < 8) rc = folder_add(d, root, path, depth + 1);
            free(path);
        } else if (S_ISREG(sb.st_mode)) {
            rc = folder_take(d, root, path); /* owns path */
        } else {
            free(path);
        }
    }
    closedir(dh);
    return rc;
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix), k;
    if (a < b) return 0;
    for (k = 0; k < b; k++) {
        char x = s[a - b + k], y = suffix[k];
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (x != y) return 0;
    }
    return 1;
}

static int is_png(const sv_file *f) { return f->len >= 8 && memcmp(f->bytes, "\x89PNG\r\n\x1a\n", 8) == 0; }

/* Append a series list entry ("[1] uid, #3 "desc", CT, 20 files of 512x512")
 * to a growing message. */
static void describe_series(const sv_dicom_series *s, size_t k, char *buf, size_t cap)
{
    size_t used = strlen(buf);
    char num[32];
    if (s->has_number)
        snprintf(num, sizeof num, "series number %ld", (long)s->number);
    else
        snprintf(num, sizeof num, "no series number");
    snprintf(buf + used, cap - used, "%s[%zu] uid %s, %s, \"%s\", %s, %zu files of %ldx%ld", k ? "; " : "", k + 1,
             s->uid[0] ? s->uid : "(none)", num, s->description, s->modality[0] ? s->modality : "?", s->nfiles,
             (long)s->cols, (long)s->rows);
}

/* Which series --series names: 1-based index as listed, or a UID. -1 if none. */
static long pick_series(const sv_dicom_scan *scan, const char *sel, const char *path)
{
    char *end;
    long n = strtol(sel, &end, 10), found = -1;
    size_t k;
    if (end != sel && !*end) {
        if (n >= 1 && (size_t)n <= scan->nseries) return n - 1;
        fprintf(stderr, "supervox: %s: there is no series %s; the folder holds %zu\n", path, sel, scan->nseries);
        return -1;
    }
    for (k = 0; k < scan->nseries; k++)
        if (strcmp(scan->series[k].uid, sel) == 0) {
            if (found >= 0) {
                fprintf(stderr, "supervox: %s: several series share the UID %s; choose one by its number in the list\n", path, sel);
                return -1;
            }
            found = (long)k;
        }
    if (found < 0) fprintf(stderr, "supervox: %s: no series has the UID %s\n", path, sel);
    return found;
}

/* DICOM files (a folder's, or one file) to a volume. With several series and
 * no --series: info gets the series list only (out->vol NULL), convert an
 * error listing them. */
static int load_dicom(const char *path, const sv_file *files, size_t n, const input_opts *o, int listing_ok, loaded *out)
{
    sv_dicom_scan *scan = NULL;
    sv_status st;
    long pick = 0;
    int rc = 0;
    size_t k, need, need2;
    if (o->have_png_opts) return usage("--spacing, --slope and --intercept are for PNG stacks, not DICOM");
    if ((st = sv_dicom_scan_files(files, n, &scan)) != SV_OK) return fail_file(path, sv_last_error());
    if (scan->nseries == 0) {
        /* a single file's reason names it already; a folder's names its first refused file */
        if (scan->nskipped == 1 && n == 1) {
            /* one file: the reason starts with its (base) name; name the full path instead */
            const char *why = scan->skipped[0].reason, *name = files[0].name;
            size_t nl = strlen(name);
            if (strncmp(why, name, nl) == 0 && why[nl] == ':' && why[nl + 1] == ' ') why += nl + 2;
            fprintf(stderr, "supervox: %s: %s\n", path, why);
        }
        else if (scan->nskipped)
            fprintf(stderr, "supervox: %s: no readable DICOM image series: %zu file(s) skipped, e.g. %s\n", path, scan->nskipped,
                    scan->skipped[0].reason);
        else
            fprintf(stderr, "supervox: %s: the folder holds no files\n", path);
        sv_dicom_scan_free(scan);
        return EXIT_INPUT;
    }
    if (o->series) {
        if ((pick = pick_series(scan, o->series, path)) < 0) rc = EXIT_INPUT;
    } else if (scan->nseries > 1 && !listing_ok) {
        char msg[4096] = "";
        for (k = 0; k < scan->nseries && k < 20; k++) describe_series(&scan->series[k], k, msg, sizeof msg);
        fprintf(stderr, "supervox: %s: the folder holds %zu DICOM series; choose one with --series N or --series UID: %s\n", path,
                scan->nseries, msg);
        rc = EXIT_INPUT;
    } else if (scan->nseries > 1) {
        pick = -1; /* info: list them */
        fprintf(stderr, "supervox: %s: note: %zu series; pass --series N for one's geometry\n", path, scan->nseries);
    }
    if (rc == 0 && pick >= 0) {
        const sv_dicom_series *s = &scan->series[pick];
        if ((st = sv_dicom_read_series(scan, (size_t)pick, &out->vol)) != SV_OK) {
            rc = fail_file(path, sv_last_error());
        } else if (s->warning[0]) {
            fprintf(stderr, "supervox: %s: note: %s\n", path, s->warning);
        }
    }
    if (rc == 0) {
        /* `"dicom_series": i, "series": [...], "skipped": [...], "metadata": {...}` */
        char *scan_json, *meta_json = NULL;
        need = sv_dicom_scan_json(scan, NULL, 0);
        need2 = pick >= 0 ? sv_dicom_metadata_json(scan, (size_t)pick, NULL, 0) : 0;
        scan_json = (char *)malloc(need + 1);
        if (pick >= 0) meta_json = (char *)malloc(need2 + 1);
        out->extra_json = (char *)malloc(need + need2 + 64);
        if (!scan_json || (pick >= 0 && !meta_json) || !out->extra_json) {
            rc = fail_file(path, "out of memory");
        } else {
            sv_dicom_scan_json(scan, scan_json, need + 1);
            scan_json[need - 1] = '\0'; /* drop the closing brace: splice the members */
            if (pick >= 0) {
                sv_dicom_metadata_json(scan, (size_t)pick, meta_json, need2 + 1);
                snprintf(out->extra_json, need + need2 + 64, "\"dicom_series\": %ld, %s, \"metadata\": %s", pick, scan_json + 1, meta_json);
            } else {
                snprintf(out->extra_json, need + need2 + 64, "%s", scan_json + 1);
            }
        }
        free(scan_json);
        free(meta_json);
        out->source = "dicom";
    }
    sv_dicom_scan_free(scan);
    return rc;
}

static int load_png_stack(const char *path, const sv_file *files, size_t n, const input_opts *o, loaded *out)
{
    sv_status st;
    if (o->series) return usage("--series is for DICOM folders, not PNG stacks");
    if ((st = sv_png_stack_read(files, n, &o->png, &out->vol)) != SV_OK) return fail_file(path, sv_last_error());
    out->source = "png";
    out->extra_json = (char *)malloc(64);
    if (out->extra_json) snprintf(out->extra_json, 64, "\"png_files\": %zu", n);
    return 0;
}

/* A folder: PNG slices if it holds any PNG (other files, e.g. a README, are
 * ignored), else DICOM. */
static int load_folder(const char *path, const input_opts *o, int listing_ok, loaded *out)
{
    folder d;
    size_t i, npng = 0;
    int rc;
    memset(&d, 0, sizeof d);
    if ((rc = folder_add(&d, path, path, 0)) != 0) {
        folder_free(&d);
        return rc;
    }
    for (i = 0; i < d.n; i++) npng += is_png(&d.files[i]);
    if (npng) {
        sv_file *png = (sv_file *)malloc(npng * sizeof *png);
        size_t k = 0;
        if (!png) {
            folder_free(&d);
            return fail_file(path, "out of memory");
        }
        for (i = 0; i < d.n; i++)
            if (is_png(&d.files[i])) png[k++] = d.files[i];
        rc = load_png_stack(path, png, npng, o, out);
        free(png);
    } else {
        rc = load_dicom(path, d.files, d.n, o, listing_ok, out);
    }
    folder_free(&d);
    return rc;
}

/* Load any supported input. Returns 0 or prints and returns non-zero. With
 * listing_ok, a DICOM folder of several series and no --series loads no
 * volume (out->vol NULL) but lists them in out->extra_json. */
static int load_input(const char *path, const input_opts *o, int listing_ok, loaded *out)
{
    unsigned char *buf;
    size_t len;
    sv_status st;
    struct stat sb;
    int rc;
    memset(out, 0, sizeof *out);
    out->source = "nifti";
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return load_folder(path, o, listing_ok, out);
    if ((rc = slurp(path, &buf, &len)) != 0) return rc;
    if (sv_dicom_sniff(buf, len) || ends_with_ci(path, ".dcm") || ends_with_ci(path, ".dicom")) {
        sv_file f;
        const char *slash = strrchr(path, '/');
        f.name = slash ? slash + 1 : path; /* messages name the file; the CLI adds the path */
        f.bytes = buf;
        f.len = len;
        rc = load_dicom(path, &f, 1, o, listing_ok, out);
        free(buf);
        return rc;
    }
    if (o->series || o->have_png_opts) {
        free(buf);
        return usage("--series, --spacing, --slope and --intercept are for DICOM and PNG folders");
    }
    st = sv_nifti_read(buf, len, &out->vol);
    free(buf);
    if (st != SV_OK) return fail_file(path, sv_last_error());
    return 0;
}

static void loaded_free(loaded *l)
{
    sv_volume_free(l->vol);
    free(l->extra_json);
    memset(l, 0, sizeof *l);
}

/* Load any supported volume with default input options. */
static int load_volume(const char *path, sv_volume **out)
{
    input_opts o;
    loaded l;
    int rc;
    memset(&o, 0, sizeof o);
    sv_png_stack_params_default(&o.png);
    rc = load_input(path, &o, 0, &l);
    *out = l.vol;
    l.vol = NULL;
    loaded_free(&l);
    return rc;
}

/* Parse X,Y,Z (three positive numbers). 0 on success. */
static int parse_triple(const char *s, double out[3])
{
    int k;
    for (k = 0; k < 3; k++) {
        char *end;
        out[k] = strtod(s, &end);
        if (end == s || !(out[k] > 0) || !isfinite(out[k])) return 1;
        s = end;
        if (k < 2) {
            if (*s != ',') return 1;
            s++;
        }
    }
    return *s != '\0';
}

/* Input options shared by info and convert: 1 if argv[*i] was one (value
 * consumed), 0 if not, or a negated exit code. */
static int input_option(int argc, char **argv, int *i, input_opts *o)
{
    const char *opt = argv[*i];
    char *end;
    double x;
    if (strcmp(opt, "--series") != 0 && strcmp(opt, "--spacing") != 0 && strcmp(opt, "--slope") != 0 && strcmp(opt, "--intercept") != 0)
        return 0;
    if (*i + 1 >= argc) return -usage("an option needs a value");
    (*i)++;
    if (strcmp(opt, "--series") == 0) {
        o->series = argv[*i];
        return 1;
    }
    o->have_png_opts = 1;
    if (strcmp(opt, "--spacing") == 0) {
        if (parse_triple(argv[*i], o->png.spacing)) {
            fprintf(stderr, "supervox: --spacing wants three positive numbers X,Y,Z in mm, not %s\n", argv[*i]);
            return -EXIT_USAGE;
        }
        return 1;
    }
    x = strtod(argv[*i], &end);
    if (end == argv[*i] || *end || !isfinite(x) || (opt[2] == 's' && x == 0)) {
        fprintf(stderr, "supervox: %s: not a %snumber: %s\n", opt, opt[2] == 's' ? "non-zero " : "", argv[*i]);
        return -EXIT_USAGE;
    }
    if (opt[2] == 's')
        o->png.slope = x;
    else
        o->png.intercept = x;
    return 1;
}

static int cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    int i, want_stats = 0, rc;
    input_opts o;
    loaded l;
    sv_volume_stats stats;
    char *json;
    size_t need;
    memset(&o, 0, sizeof o);
    sv_png_stack_params_default(&o.png);
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--stats") == 0)
            want_stats = 1;
        else if ((rc = input_option(argc, argv, &i, &o)) != 0) {
            if (rc < 0) return -rc;
        } else if (argv[i][0] == '-' && argv[i][1])
            return usage("info: unknown option");
        else if (!path)
            path = argv[i];
        else
            return usage("info takes one file or folder");
    }
    if (!path) return usage("info needs a file or folder");
    rc = load_input(path, &o, 1, &l);
    if (rc) return rc;
    if (!l.vol) { /* several DICOM series: the list only */
        printf("{\"source\": \"dicom\", %s}\n", l.extra_json ? l.extra_json : "");
        loaded_free(&l);
        return 0;
    }
    if (want_stats) sv_volume_stats_compute(l.vol, &stats);
    need = sv_volume_info_json(l.vol, want_stats ? &stats : NULL, NULL, 0);
    json = (char *)malloc(need + 1);
    if (!json) {
        loaded_free(&l);
        return fail_file(path, "out of memory");
    }
    sv_volume_info_json(l.vol, want_stats ? &stats : NULL, json, need + 1);
    if (l.extra_json && need > 0 && json[need - 1] == '}') {
        json[need - 1] = '\0';
        printf("%s, \"source\": \"%s\", %s}\n", json, l.source, l.extra_json);
    } else {
        puts(json);
    }
    if (l.vol->frames > 1)
        fprintf(stderr, "supervox: %s: note: %ld frames; the first is used\n", path, (long)l.vol->frames);
    free(json);
    loaded_free(&l);
    return 0;
}

/* gzip level for an output name: 6 for .nii.gz, 0 for .nii; else prints. */
static int gzip_level_for(const char *path, int *level)
{
    if (ends_with(path, ".nii.gz"))
        *level = 6;
    else if (ends_with(path, ".nii"))
        *level = 0;
    else
        return fail_file(path, "the output name must end in .nii or .nii.gz");
    return 0;
}

static int cmd_convert(int argc, char **argv)
{
    sv_volume *v, *like = NULL;
    unsigned char *out;
    size_t outlen;
    sv_status st;
    int rc, level, i, as_labels = 0;
    const char *in = NULL, *outpath = NULL, *like_path = NULL;
    input_opts o;
    loaded l;
    memset(&o, 0, sizeof o);
    sv_png_stack_params_default(&o.png);
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--labels") == 0)
            as_labels = 1;
        else if (strcmp(argv[i], "--like") == 0) {
            if (i + 1 >= argc) return usage("--like needs an image");
            like_path = argv[++i];
        } else if ((rc = input_option(argc, argv, &i, &o)) != 0) {
            if (rc < 0) return -rc;
        } else if (argv[i][0] == '-' && argv[i][1])
            return usage("convert: unknown option");
        else if (!in)
            in = argv[i];
        else if (!outpath)
            outpath = argv[i];
        else
            return usage("convert takes an input and an output");
    }
    if (!in || !outpath) return usage("convert takes an input and an output");
    if ((rc = gzip_level_for(outpath, &level))) return rc;
    /* the image first: its options are the defaults (a folder with one series) */
    if (like_path && (rc = load_volume(like_path, &like))) return rc;
    rc = load_input(in, &o, 0, &l);
    if (rc) {
        sv_volume_free(like);
        return rc;
    }
    v = l.vol;
    l.vol = NULL;
    loaded_free(&l);
    if (as_labels || like) {
        sv_volume *res;
        if (like && as_labels)
            st = sv_volume_labels_for(like, v, &res);
        else if (like)
            st = sv_volume_reorient_onto(like, v, &res);
        else
            st = sv_volume_to_labels(v, &res);
        sv_volume_free(v);
        sv_volume_free(like);
        if (st != SV_OK) return fail_file(in, sv_last_error());
        v = res;
    }
    st = sv_nifti_write(v, level, &out, &outlen);
    sv_volume_free(v);
    if (st != SV_OK) return fail_file(outpath, sv_last_error());
    rc = write_file(outpath, out, outlen);
    sv_free(out);
    return rc;
}

/* Parse a number option's value; 0 on success. */
static int number_arg(int argc, char **argv, int *i, double *out)
{
    char *end;
    if (*i + 1 >= argc) return usage("an option needs a value");
    *out = strtod(argv[*i + 1], &end);
    if (end == argv[*i + 1] || *end) {
        fprintf(stderr, "supervox: %s: not a number: %s\n", argv[*i], argv[*i + 1]);
        return EXIT_USAGE;
    }
    (*i)++;
    return 0;
}

/* Parse the supervoxel options shared by `supervoxels` and `propagate`:
 * returns 1 if argv[*i] was one (consuming its value), 0 if not, or a
 * negative exit code (negated) on a bad value. */
static int sv_option(int argc, char **argv, int *i, sv_sv_params *p)
{
    double x;
    int rc;
    if (strcmp(argv[*i], "--count") == 0) {
        if ((rc = number_arg(argc, argv, i, &x))) return -rc;
        if (!(x >= 1 && x <= 1e8)) return -usage("--count must be 1 or more");
        p->target_count = (int)x;
    } else if (strcmp(argv[*i], "--size") == 0) {
        if ((rc = number_arg(argc, argv, i, &p->size_mm))) return -rc;
        p->target_count = 0;
    } else if (strcmp(argv[*i], "--compactness") == 0) {
        if ((rc = number_arg(argc, argv, i, &p->compactness))) return -rc;
    } else if (strcmp(argv[*i], "--threshold") == 0) {
        if (*i + 1 < argc && strcmp(argv[*i + 1], "auto") == 0) {
            p->threshold = NAN;
            (*i)++;
        } else if (*i + 1 < argc && strcmp(argv[*i + 1], "none") == 0) {
            p->threshold = -HUGE_VAL;
            (*i)++;
        } else if ((rc = number_arg(argc, argv, i, &p->threshold))) {
            return -rc;
        } else if (p->threshold != p->threshold) {
            return -usage("--threshold takes a number, auto or none");
        }
    } else {
        return 0;
    }
    return 1;
}

/* Defaults of the supervoxel options: as sv_sv_params_default, but the
 * background threshold automatic (NaN here until resolve_threshold), as in the app. */
static void sv_options_default(sv_sv_params *p)
{
    sv_sv_params_default(p);
    p->threshold = NAN;
}

/* Turn an automatic threshold into the image's (sv_auto_threshold); *share:
 * the share of voxels it makes background (0 if not automatic); 0 on success. */
static int resolve_threshold(const char *path, const sv_volume *img, sv_sv_params *p, double *share)
{
    *share = 0;
    if (p->threshold == p->threshold) return 0;
    if (sv_auto_threshold(img, &p->threshold, share) != SV_OK) return fail_file(path, sv_last_error());
    return 0;
}

/* Every voxel below the background threshold: an empty map helps no one. */
static int all_background(const char *path, double threshold)
{
    char msg[160];
    snprintf(msg, sizeof msg, "every voxel is below the background threshold %g: no supervoxels (give a lower --threshold, or auto, or none)",
             threshold);
    return fail_file(path, msg);
}

static int int_arg(int argc, char **argv, int *i, long lo, long hi, long *out);

/* The app's coarser levels (the Granularity slider): level 1 merges the
 * supervoxels to a quarter of their count, level 2 to a sixteenth
 * (sv_sv_merge). *map (count + 1 entries, malloc'd) gets each supervoxel's
 * group; SV_OK or the core's status. */
static sv_status merge_level(const sv_sv_graph *g, long level, uint32_t **map, uint32_t *groups)
{
    uint32_t target = g->count >> (2 * level);
    *map = (uint32_t *)malloc(((size_t)g->count + 1) * sizeof **map);
    if (!*map) return SV_ENOMEM;
    return sv_sv_merge(g, target ? target : 1, *map, groups);
}

/* The message for a failed core call st (sv_last_error, or out of memory in the CLI itself). */
static const char *failure(sv_status st) { return st == SV_ENOMEM ? "out of memory" : sv_last_error(); }

static int cmd_supervoxels(int argc, char **argv)
{
    const char *in = NULL, *outpath = NULL;
    sv_sv_params p;
    sv_volume *v, *map;
    uint32_t *lab, count;
    unsigned char *bytes;
    size_t len;
    sv_status st;
    int i, rc, level;
    long coarse = 0;
    double share;
    sv_options_default(&p);
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0) {
            if (i + 1 >= argc) return usage("-o needs a file");
            outpath = argv[++i];
        } else if (strcmp(argv[i], "--level") == 0) {
            if ((rc = int_arg(argc, argv, &i, 0, 2, &coarse))) return rc;
        } else if ((rc = sv_option(argc, argv, &i, &p)) != 0) {
            if (rc < 0) return -rc;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage("supervoxels: unknown option");
        } else if (!in) {
            in = argv[i];
        } else {
            return usage("supervoxels takes one volume");
        }
    }
    if (!in || !outpath) return usage("supervoxels needs a volume and -o OUTPUT");
    if ((rc = gzip_level_for(outpath, &level))) return rc;
    if ((rc = load_volume(in, &v))) return rc;
    if ((rc = resolve_threshold(in, v, &p, &share))) {
        sv_volume_free(v);
        return rc;
    }
    st = sv_supervoxels(v, &p, NULL, NULL, &lab, &count);
    if (st != SV_OK) {
        sv_volume_free(v);
        return fail_file(in, sv_last_error());
    }
    if (!count) {
        sv_volume_free(v);
        sv_free(lab);
        return all_background(in, p.threshold);
    }
    if (coarse) {
        sv_sv_index *ix = NULL;
        sv_sv_graph *g = NULL;
        uint32_t *groups_of = NULL, groups = 0;
        size_t q;
        if ((st = sv_sv_index_build(lab, v->nvox, count, &ix)) == SV_OK && (st = sv_sv_graph_build(v, lab, ix, &g)) == SV_OK)
            st = merge_level(g, coarse, &groups_of, &groups);
        if (st == SV_OK) {
            for (q = 0; q < v->nvox; q++) lab[q] = groups_of[lab[q]];
            count = groups;
        }
        free(groups_of);
        sv_sv_graph_free(g);
        sv_sv_index_free(ix);
        if (st != SV_OK) {
            sv_volume_free(v);
            sv_free(lab);
            return fail_file(in, failure(st));
        }
    }
    st = sv_volume_create_like(v, SV_DT_UINT32, &map);
    sv_volume_free(v);
    if (st != SV_OK) {
        sv_free(lab);
        return fail_file(outpath, sv_last_error());
    }
    memcpy(map->data, lab, map->nvox * sizeof *lab);
    sv_free(lab);
    map->meta.intent_code = SV_INTENT_LABEL;
    snprintf(map->meta.descrip, sizeof map->meta.descrip, "supervox supervoxels: %lu", (unsigned long)count);
    st = sv_nifti_write(map, level, &bytes, &len);
    sv_volume_free(map);
    if (st != SV_OK) return fail_file(outpath, sv_last_error());
    rc = write_file(outpath, bytes, len);
    sv_free(bytes);
    if (!rc && share > 0)
        fprintf(stderr, "supervox: %s: %lu supervoxels; background (automatic): the %.1f%% of voxels at the lowest value, %g\n",
                outpath, (unsigned long)count, 100 * share, nextafter(p.threshold, -HUGE_VAL));
    else if (!rc)
        fprintf(stderr, "supervox: %s: %lu supervoxels\n", outpath, (unsigned long)count);
    return rc;
}

static int cmd_propagate(int argc, char **argv)
{
    const char *in = NULL, *outpath = NULL, *strokes_path = NULL, *sv_path = NULL;
    sv_sv_params p;
    sv_volume *img = NULL, *layer = NULL;
    uint32_t *lab = NULL, count = 0, *groups_of = NULL;
    long coarse = 0;
    sv_sv_index *ix = NULL;
    sv_sv_graph *g = NULL;
    sv_history *h = NULL;
    sv_stroke_list *strokes = NULL;
    sv_segmenter seg;
    unsigned char *text = NULL, *bytes = NULL;
    size_t len, k;
    sv_status st;
    int i, rc = 0, level;
    sv_paint_params paint;
    double share;
    memset(&seg, 0, sizeof seg); /* fine level, no workspace yet: safe to free at any exit */
    sv_options_default(&p);
    sv_paint_params_default(&paint);
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--strokes") == 0 || strcmp(argv[i], "--supervoxels") == 0) {
            if (i + 1 >= argc) return usage("an option needs a file");
            if (argv[i][1] == 'o') outpath = argv[i + 1];
            else if (argv[i][3] == 't') strokes_path = argv[i + 1];
            else sv_path = argv[i + 1];
            i++;
        } else if ((rc = sv_option(argc, argv, &i, &p)) != 0) {
            if (rc < 0) return -rc;
        } else if (strcmp(argv[i], "--reach") == 0 || strcmp(argv[i], "--spread") == 0) {
            double *dst = argv[i][2] == 'r' ? &paint.reach : &paint.k_sd;
            if ((rc = number_arg(argc, argv, &i, dst))) return rc;
            if (!(*dst > 0 && *dst < 1e6)) return usage("--reach and --spread must be positive");
        } else if (strcmp(argv[i], "--level") == 0) {
            if ((rc = int_arg(argc, argv, &i, 0, 2, &coarse))) return rc;
        } else if (strcmp(argv[i], "--enclosed") == 0) {
            if ((rc = number_arg(argc, argv, &i, &paint.enclosed))) return rc;
            if (!(paint.enclosed >= 0 && paint.enclosed <= 1)) return usage("--enclosed must be between 0 and 1");
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage("propagate: unknown option");
        } else if (!in) {
            in = argv[i];
        } else {
            return usage("propagate takes one volume");
        }
    }
    if (!in || !outpath || !strokes_path) return usage("propagate needs a volume, --strokes FILE and -o OUTPUT");
    if ((rc = gzip_level_for(outpath, &level))) return rc;
    if ((rc = slurp(strokes_path, &text, &len))) return rc;
    st = sv_strokes_parse((const char *)text, len, &strokes);
    free(text);
    if (st != SV_OK) return fail_file(strokes_path, sv_last_error());
    if ((rc = load_volume(in, &img))) goto done;
    if (sv_path) {
        sv_volume *svv;
        size_t v;
        if ((rc = load_volume(sv_path, &svv))) goto done;
        if (!sv_volume_same_grid(svv, img, 1e-3)) {
            sv_volume_free(svv);
            rc = fail_file(sv_path, "the supervoxel map is not on the volume's grid");
            goto done;
        }
        lab = (uint32_t *)malloc(img->nvox * sizeof *lab);
        if (!lab) {
            sv_volume_free(svv);
            rc = fail_file(sv_path, "out of memory");
            goto done;
        }
        for (v = 0; v < img->nvox; v++) {
            double x = sv_volume_get(svv, v);
            if (!(x >= 0 && x < 4294967295.0) || x != floor(x)) {
                sv_volume_free(svv);
                rc = fail_file(sv_path, "supervoxel ids must be whole numbers from 0");
                goto done;
            }
            lab[v] = (uint32_t)x;
            if (lab[v] > count) count = lab[v];
        }
        sv_volume_free(svv);
    } else if ((rc = resolve_threshold(in, img, &p, &share))) {
        goto done;
    } else if ((st = sv_supervoxels(img, &p, NULL, NULL, &lab, &count)) != SV_OK) {
        rc = fail_file(in, sv_last_error());
        goto done;
    } else if (!count) {
        rc = all_background(in, p.threshold);
        goto done;
    }
    if ((st = sv_sv_index_build(lab, img->nvox, count, &ix)) != SV_OK || (st = sv_sv_graph_build(img, lab, ix, &g)) != SV_OK ||
        (st = sv_volume_create_like(img, SV_DT_UINT8, &layer)) != SV_OK || (st = sv_history_create((size_t)1 << 30, &h)) != SV_OK) {
        rc = fail_file(in, sv_last_error());
        goto done;
    }
    layer->meta.intent_code = SV_INTENT_LABEL;
    seg.image = img;
    seg.labels = lab;
    seg.index = ix;
    seg.graph = g;
    seg.paint = paint;
    if (coarse) {
        if ((st = merge_level(g, coarse, &groups_of, &seg.level_groups)) != SV_OK) {
            rc = fail_file(in, failure(st));
            goto done;
        }
        seg.level = groups_of;
    }
    if ((st = sv_stroke_ws_create(count, &seg.ws)) != SV_OK) {
        rc = fail_file(in, sv_last_error());
        goto done;
    }
    for (k = 0; k < strokes->count; k++) {
        sv_edit_result r;
        if (sv_propagate(h, layer, &seg, &strokes->strokes[k], &r) != SV_OK) {
            fprintf(stderr, "supervox: %s: stroke %zu: %s\n", strokes_path, k + 1, sv_last_error());
            rc = EXIT_INPUT;
            goto done;
        }
    }
    if ((st = sv_nifti_write(layer, level, &bytes, &len)) != SV_OK) {
        rc = fail_file(outpath, sv_last_error());
        goto done;
    }
    rc = write_file(outpath, bytes, len);
done:
    sv_stroke_ws_free(seg.ws);
    sv_free(bytes);
    sv_history_free(h);
    sv_volume_free(layer);
    sv_sv_graph_free(g);
    sv_sv_index_free(ix);
    free(groups_of);
    free(lab);
    sv_volume_free(img);
    sv_stroke_list_free(strokes);
    return rc;
}

/* Parse a whole-number option value in lo..hi; 0 on success. */
static int int_arg(int argc, char **argv, int *i, long lo, long hi, long *out)
{
    double x;
    int rc;
    if ((rc = number_arg(argc, argv, i, &x))) return rc;
    if (!(x >= (double)lo && x <= (double)hi) || x != floor(x)) {
        fprintf(stderr, "supervox: %s must be a whole number %ld..%ld (got %s)\n", argv[*i - 1], lo, hi, argv[*i]);
        return EXIT_USAGE;
    }
    *out = (long)x;
    return 0;
}

/* Print s as a JSON string. */
static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static int cmd_mesh(int argc, char **argv)
{
    const char *in = NULL, *outpath = NULL;
    long label = 0, smooth = -1, budget = 0;
    sv_volume *v = NULL, *lab = NULL;
    sv_mesher *mesher = NULL;
    sv_mesh *meshes[256];
    const sv_mesh *list[256];
    char names[256][16];
    const char *name_list[256];
    size_t count[256], total_tri = 0, i, nout = 0, len = 0;
    uint8_t values[256], *bytes = NULL;
    sv_mesh_params p;
    sv_status st;
    int rc = 0, stl, nlab = 0, k;
    double area = 0, volume = 0, total_vert = 0;
    memset(meshes, 0, sizeof meshes);
    sv_mesh_params_default(&p);
    for (i = 0; i < (size_t)argc; i++) {
        int j = (int)i;
        if (strcmp(argv[j], "-o") == 0) {
            if (j + 1 >= argc) return usage("-o needs a file");
            outpath = argv[++j];
        } else if (strcmp(argv[j], "--label") == 0) {
            if ((rc = int_arg(argc, argv, &j, 1, 255, &label))) return rc;
        } else if (strcmp(argv[j], "--smooth") == 0) {
            if ((rc = int_arg(argc, argv, &j, 0, 10000, &smooth))) return rc;
        } else if (strcmp(argv[j], "--decimate") == 0) {
            if ((rc = int_arg(argc, argv, &j, 1, 2000000000L, &budget))) return rc;
        } else if (argv[j][0] == '-' && argv[j][1]) {
            return usage("mesh: unknown option");
        } else if (!in) {
            in = argv[j];
        } else {
            return usage("mesh takes one label map");
        }
        i = (size_t)j;
    }
    if (!in || !outpath) return usage("mesh needs a label map and -o OUTPUT");
    if (ends_with_ci(outpath, ".stl"))
        stl = 1;
    else if (ends_with_ci(outpath, ".obj"))
        stl = 0;
    else
        return fail_file(outpath, "the output name must end in .stl or .obj");
    if (smooth >= 0) p.smooth_iterations = (int)smooth;
    if ((rc = load_volume(in, &v))) return rc;
    st = sv_volume_to_labels(v, &lab);
    sv_volume_free(v);
    if (st != SV_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "not a label map: %s", sv_last_error());
        return fail_file(in, msg);
    }
    memset(count, 0, sizeof count);
    for (i = 0; i < lab->nvox; i++) count[((const uint8_t *)lab->data)[i]]++;
    for (k = 1; k < 256; k++)
        if (count[k] && (!label || k == label)) values[nlab++] = (uint8_t)k;
    if (nlab == 0) {
        char msg[1200];
        if (label) {
            size_t at = (size_t)snprintf(msg, sizeof msg, "label %ld is not in the label map", label);
            const char *sep = " (it holds ";
            for (k = 1; k < 256; k++)
                if (count[k]) {
                    at += (size_t)snprintf(msg + at, sizeof msg - at, "%s%d", sep, k);
                    sep = ", ";
                }
            if (*sep == ',') snprintf(msg + at, sizeof msg - at, ")");
        } else
            snprintf(msg, sizeof msg, "the label map has no labels (every voxel is 0)");
        rc = fail_file(in, msg);
        goto done;
    }
    if ((st = sv_mesher_create(lab, &mesher)) != SV_OK) {
        rc = fail_file(in, sv_last_error());
        goto done;
    }
    for (k = 0; k < nlab; k++) {
        if ((st = sv_mesher_build(mesher, values[k], &p, NULL, NULL, &meshes[k])) != SV_OK) {
            rc = fail_file(in, sv_last_error());
            goto done;
        }
        sv_mesher_forget(mesher, values[k]); /* one pass per label: no cache needed */
        total_tri += meshes[k]->ntri;
    }
    if (budget > 0 && total_tri > (size_t)budget) {
        /* each label gets its share of the budget */
        for (k = 0; k < nlab; k++) {
            double share = (double)budget * (double)meshes[k]->ntri / (double)total_tri;
            if ((st = sv_mesh_decimate(meshes[k], (uint32_t)share, NULL, NULL)) != SV_OK) {
                rc = fail_file(in, sv_last_error());
                goto done;
            }
        }
    }
    for (k = 0; k < nlab; k++) {
        snprintf(names[k], sizeof names[k], "label_%d", values[k]);
        name_list[k] = names[k];
        list[k] = meshes[k];
    }
    nout = (size_t)nlab;
    st = stl ? sv_mesh_write_stl(list, nout, &bytes, &len) : sv_mesh_write_obj(list, name_list, nout, &bytes, &len);
    if (st != SV_OK) {
        rc = fail_file(outpath, sv_last_error());
        goto done;
    }
    if ((rc = write_file(outpath, bytes, len))) goto done;
    fputs("{\"file\": ", stdout);
    json_string(outpath);
    fputs(", \"labels\": [", stdout);
    total_tri = 0;
    for (k = 0; k < nlab; k++) {
        double a = sv_mesh_area(meshes[k]), vol = sv_mesh_volume(meshes[k]);
        printf("%s{\"value\": %d, \"triangles\": %lu, \"vertices\": %lu, \"area_mm2\": %.3f, \"volume_mm3\": %.3f}",
               k ? ", " : "", values[k], (unsigned long)meshes[k]->ntri, (unsigned long)meshes[k]->nvert, a, vol);
        area += a;
        volume += vol;
        total_tri += meshes[k]->ntri;
        total_vert += meshes[k]->nvert;
    }
    printf("], \"triangles\": %lu, \"vertices\": %.0f, \"area_mm2\": %.3f, \"volume_mm3\": %.3f}\n",
           (unsigned long)total_tri, total_vert, area, volume);
done:
    sv_free(bytes);
    for (k = 0; k < 256; k++) sv_mesh_free(meshes[k]);
    sv_mesher_free(mesher);
    sv_volume_free(lab);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage(NULL);
    if (strcmp(argv[1], "info") == 0) return cmd_info(argc - 2, argv + 2);
    if (strcmp(argv[1], "convert") == 0) return cmd_convert(argc - 2, argv + 2);
    if (strcmp(argv[1], "supervoxels") == 0) return cmd_supervoxels(argc - 2, argv + 2);
    if (strcmp(argv[1], "propagate") == 0) return cmd_propagate(argc - 2, argv + 2);
    if (strcmp(argv[1], "mesh") == 0) return cmd_mesh(argc - 2, argv + 2);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    return usage("unknown command");
}
