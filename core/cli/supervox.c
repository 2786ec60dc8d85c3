/* supervox — the command-line tool over the core. The only code that prints.
 *
 *   supervox info FILE [--stats]        geometry and type as JSON on stdout
 *   supervox convert IN OUT.nii[.gz]    re-encode a volume as NIfTI-1
 *
 * Errors: one line on stderr naming the file and the reason; exit status 1 for
 * bad input, 2 for bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervox/nifti.h"
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
    "                                      --labels: as a uint8 label map (values 0..255)\n";

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
    if (ends_with(outpath, ".nii.gz"))
        level = 6;
    else if (ends_with(outpath, ".nii"))
        level = 0;
    else
        return fail_file(outpath, "the output name must end in .nii or .nii.gz");
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

int main(int argc, char **argv)
{
    if (argc < 2) return usage(NULL);
    if (strcmp(argv[1], "info") == 0) return cmd_info(argc - 2, argv + 2);
    if (strcmp(argv[1], "convert") == 0) return cmd_convert(argc - 2, argv + 2);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    return usage("unknown command");
}
