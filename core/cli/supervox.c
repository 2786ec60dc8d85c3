/* supervox — the command-line tool over the core. The only code that prints.
 *
 *   supervox info FILE [--stats]        geometry and type as JSON on stdout
 *   supervox convert IN OUT.nii[.gz]    re-encode a volume as NIfTI-1
 *   supervox mesh LABELS -o OUT.stl|.obj surfaces of labels; a JSON summary on stdout
 *
 * Errors: one line on stderr naming the file and the reason; exit status 1 for
 * bad input, 2 for bad usage.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervox/mesh.h"
#include "supervox/nifti.h"
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
    "  supervox info FILE [--stats]        print dims, spacing, type, scaling and the\n"
    "                                      voxel-to-world matrix as JSON\n"
    "  supervox convert IN OUT.nii[.gz] [--labels]\n"
    "                                      re-encode IN as NIfTI-1 (.gz: compressed);\n"
    "                                      --labels: as a uint8 label map (values 0..255)\n"
    "  supervox supervoxels VOLUME -o SV.nii[.gz] [--count N | --size MM]\n"
    "                       [--compactness C] [--threshold T]\n"
    "                                      3D supervoxels (SNIC) as a uint32 map on\n"
    "                                      VOLUME's grid; 0 = background (< T)\n"
    "  supervox propagate VOLUME --strokes S.json -o LABELS.nii[.gz]\n"
    "                     [--supervoxels SV.nii.gz | --count N | --size MM]\n"
    "                     [--compactness C] [--threshold T] [--reach R] [--spread K]\n"
    "                     [--enclosed E]\n"
    "                                      apply strokes over supervoxels; write the\n"
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

/* Load any supported volume file. Returns 0 or prints and returns non-zero. */
static int load_volume(const char *path, sv_volume **out)
{
    unsigned char *buf;
    size_t len;
    sv_status st;
    int rc = slurp(path, &buf, &len);
    *out = NULL;
    if (rc) return rc;
    st = sv_nifti_read(buf, len, out);
    free(buf);
    if (st != SV_OK) return fail_file(path, sv_last_error());
    return 0;
}

static int cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    int i, want_stats = 0, rc;
    sv_volume *v;
    sv_volume_stats stats;
    char *json;
    size_t need;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--stats") == 0)
            want_stats = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return usage("info: unknown option");
        else if (!path)
            path = argv[i];
        else
            return usage("info takes one file");
    }
    if (!path) return usage("info needs a file");
    rc = load_volume(path, &v);
    if (rc) return rc;
    if (want_stats) sv_volume_stats_compute(v, &stats);
    need = sv_volume_info_json(v, want_stats ? &stats : NULL, NULL, 0);
    json = (char *)malloc(need + 1);
    if (!json) {
        sv_volume_free(v);
        return fail_file(path, "out of memory");
    }
    sv_volume_info_json(v, want_stats ? &stats : NULL, json, need + 1);
    puts(json);
    if (v->frames > 1)
        fprintf(stderr, "supervox: %s: note: %ld frames; the first is used\n", path, (long)v->frames);
    free(json);
    sv_volume_free(v);
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
    sv_volume *v;
    unsigned char *out;
    size_t outlen;
    sv_status st;
    int rc, level, i, as_labels = 0;
    const char *in = NULL, *outpath = NULL;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--labels") == 0)
            as_labels = 1;
        else if (argv[i][0] == '-' && argv[i][1])
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
    rc = load_volume(in, &v);
    if (rc) return rc;
    if (as_labels) {
        sv_volume *lab;
        st = sv_volume_to_labels(v, &lab);
        sv_volume_free(v);
        if (st != SV_OK) return fail_file(in, sv_last_error());
        v = lab;
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
        if ((rc = number_arg(argc, argv, i, &p->threshold))) return -rc;
    } else {
        return 0;
    }
    return 1;
}

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
    sv_sv_params_default(&p);
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0) {
            if (i + 1 >= argc) return usage("-o needs a file");
            outpath = argv[++i];
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
    st = sv_supervoxels(v, &p, NULL, NULL, &lab, &count);
    if (st != SV_OK) {
        sv_volume_free(v);
        return fail_file(in, sv_last_error());
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
    if (!rc) fprintf(stderr, "supervox: %s: %lu supervoxels\n", outpath, (unsigned long)count);
    return rc;
}

static int cmd_propagate(int argc, char **argv)
{
    const char *in = NULL, *outpath = NULL, *strokes_path = NULL, *sv_path = NULL;
    sv_sv_params p;
    sv_volume *img = NULL, *layer = NULL;
    uint32_t *lab = NULL, count = 0;
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
    memset(&seg, 0, sizeof seg); /* fine level, no workspace yet: safe to free at any exit */
    sv_sv_params_default(&p);
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
    } else if ((st = sv_supervoxels(img, &p, NULL, NULL, &lab, &count)) != SV_OK) {
        rc = fail_file(in, sv_last_error());
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
    free(lab);
    sv_volume_free(img);
    sv_stroke_list_free(strokes);
    return rc;
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix), i;
    if (a < b) return 0;
    for (i = 0; i < b; i++) {
        char c = s[a - b + i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != suffix[i]) return 0;
    }
    return 1;
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
