/* test_propagate.c — strokes over supervoxels on a phantom: touch paints
 * exactly the touched supervoxels in 3D, background is never painted, erase
 * and undo/redo restore exactly, paint follows a strong edge. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "supervox/propagate.h"

typedef struct fixture {
    sv_volume *img, *layer;
    uint32_t *labels, count;
    sv_sv_index *ix;
    sv_sv_graph *g;
    sv_segmenter seg;
    sv_history *h;
} fixture;

/* 48 x 40 x 24: left half 100 (background under threshold 150), right half 300,
 * a ball of 600 (radius 7) in the right half. */
static int in_ball(int i, int j, int k) { return (i - 32) * (i - 32) + (j - 20) * (j - 20) + (k - 12) * (k - 12) <= 49; }
/* or, when `bar` is set, a bar of 600 along k (radius 4, k = 2..21) instead of the ball */
static int bar;
/* with `soft` too: a thinner bar (radius 3) of 380 and the right half 300, both with noise of
 * +-40, so the bar's walls are a step of ~3.8 sd of a stroke's voxels: strong (> 1.5 sd), but
 * over half of them not a ventricle's > 4 sd */
static int soft;
static int in_bar(int i, int j, int k) { return (i - 34) * (i - 34) + (j - 20) * (j - 20) <= (soft ? 9 : 16) && k >= 2 && k <= 21; }
/* or, when `flat` is set, no shape: 300 from i = 24 on, nothing to follow */
static int flat;
/* with `bar` and `soft` and `bridged`: a slab of the bar's intensity from i = 45 on, joined to
 * the bar (which ends at i = 37) by a bridge along i on slices 11..13 */
static int bridged;
/* slice thickness (mm) along k; in-plane voxels are 1 mm */
static double thick = 1;
static int in_slab(int i, int j, int k) { return i >= 45 || (i >= 36 && j >= 19 && j <= 21 && k >= 11 && k <= 13); }
/* with `bar` and `ramp`: the bar is 600 on slices 10..14 and darkens by 4 a slice beyond
 * them (568 at its ends), and the rest has noise of +-40 */
static int ramp;
/* deterministic noise of +-20 (a hash of the position) */
static int noise(int i, int j, int k)
{
    uint32_t h = (uint32_t)i * 73856093u ^ (uint32_t)j * 19349663u ^ (uint32_t)k * 83492791u;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    return (int)(h % 41) - 20;
}
/* or, when `big` is set, a ball of radius 11 filling most of the right half (600; 380 with `soft`) */
static int big;
static int in_big(int i, int j, int k) { return (i - 35) * (i - 35) + (j - 20) * (j - 20) + (k - 12) * (k - 12) <= 121; }
static int in_shape(int i, int j, int k) { return flat ? 0 : bar ? in_bar(i, j, k) : big ? in_big(i, j, k) : in_ball(i, j, k); }
/* supervoxels setup() asks for (300 unless a test says otherwise) */
static uint32_t svcount = 300;

static int setup(fixture *f, double threshold)
{
    int32_t d[3] = {48, 40, 24};
    sv_sv_params p;
    int i, j, k;
    memset(f, 0, sizeof *f);
    sv_volume_create(d, SV_DT_INT16, &f->img);
    f->img->spacing[2] = thick;
    for (k = 0; k < d[2]; k++)
        for (j = 0; j < d[1]; j++)
            for (i = 0; i < d[0]; i++)
                ((int16_t *)f->img->data)[i + d[0] * (j + d[1] * k)] =
                    (int16_t)(soft   ? (in_shape(i, j, k) || (bridged && in_slab(i, j, k)) ? 380 : i < 24 ? 100 : 300) + 2 * noise(i, j, k)
                              : ramp ? (in_shape(i, j, k) ? 600 - 4 * (abs(k - 12) > 2 ? abs(k - 12) - 2 : 0)
                                                          : (i < 24 ? 100 : 300) + 2 * noise(i, j, k))
                                     : in_shape(i, j, k) ? 600 : i < 24 ? 100 : flat ? 300 + noise(i, j, k) : 300);
    sv_sv_params_default(&p);
    p.target_count = svcount;
    p.threshold = threshold;
    if (sv_supervoxels(f->img, &p, NULL, NULL, &f->labels, &f->count) != SV_OK) return 0;
    if (sv_sv_index_build(f->labels, f->img->nvox, f->count, &f->ix) != SV_OK) return 0;
    if (sv_sv_graph_build(f->img, f->labels, f->ix, &f->g) != SV_OK) return 0;
    sv_volume_create_like(f->img, SV_DT_UINT8, &f->layer);
    f->seg.image = f->img;
    f->seg.labels = f->labels;
    f->seg.index = f->ix;
    f->seg.graph = f->g;
    sv_paint_params_default(&f->seg.paint);
    if (sv_stroke_ws_create(f->count, &f->seg.ws) != SV_OK) return 0; /* reused by every stroke */
    sv_history_create(64 << 20, &f->h);
    return 1;
}

static void teardown(fixture *f)
{
    sv_stroke_ws_free(f->seg.ws);
    sv_history_free(f->h);
    sv_volume_free(f->layer);
    sv_sv_graph_free(f->g);
    sv_sv_index_free(f->ix);
    sv_free(f->labels);
    sv_volume_free(f->img);
}

static void touch_paints_exactly_the_touched_supervoxels(void)
{
    fixture f;
    double pts[6] = {10, 20, 12, 40, 20, 12}; /* across the left/right edge, slice k = 12 */
    sv_stroke st = {2, 3, SV_STROKE_TOUCH, 1, pts, 2, 0};
    sv_edit_result r;
    uint8_t *touched;
    size_t v, painted = 0;
    int wrong = 0, other_slices = 0, i;
    if (!setup(&f, -HUGE_VAL)) { CHECK(0); return; }
    {
        sv_stroke_ws *ws = f.seg.ws; /* this stroke without a workspace: it makes its own */
        f.seg.ws = NULL;
        CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_OK);
        f.seg.ws = ws;
    }
    touched = (uint8_t *)calloc(f.count + 1, 1);
    for (i = 10; i <= 40; i++) touched[f.labels[i + 48 * (20 + 40 * 12)]] = 1;
    for (v = 0; v < f.img->nvox; v++) {
        uint8_t x = ((uint8_t *)f.layer->data)[v];
        if ((x == 3) != (touched[f.labels[v]] == 1)) wrong++;
        painted += x == 3;
        if (x == 3 && v / (48 * 40) != 12) other_slices++;
    }
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(r.changed, painted);
    CHECK(other_slices > 0); /* 3D: supervoxels reach other slices */
    CHECK_EQ_INT(sv_history_undo_count(f.h), 1);
    free(touched);
    teardown(&f);
}

static void background_is_never_painted_and_erase_restores(void)
{
    fixture f;
    double pts[6] = {2, 20, 12, 40, 20, 12};
    sv_stroke st = {2, 5, SV_STROKE_TOUCH, 3, pts, 2, 0};
    sv_edit_result r;
    size_t v;
    int bg_painted = 0;
    sv_volume *which;
    if (!setup(&f, 150)) { CHECK(0); return; }
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_OK);
    CHECK(r.changed > 0);
    for (v = 0; v < f.img->nvox; v++)
        if (((uint8_t *)f.layer->data)[v] && ((int16_t *)f.img->data)[v] < 150) bg_painted++;
    CHECK_EQ_INT(bg_painted, 0);
    st.mode = SV_STROKE_PAINT;
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_OK);
    for (v = 0; v < f.img->nvox; v++)
        if (((uint8_t *)f.layer->data)[v] && ((int16_t *)f.img->data)[v] < 150) bg_painted++;
    CHECK_EQ_INT(bg_painted, 0);
    st.mode = SV_STROKE_ERASE;
    st.label = 0;
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_OK);
    /* erase over the same path clears what touch painted (paint may have spread further) */
    sv_history_undo(f.h, &which, &r); /* undo erase */
    sv_history_undo(f.h, &which, &r); /* undo paint */
    sv_history_undo(f.h, &which, &r); /* undo touch */
    for (v = 0; v < f.img->nvox; v++) bg_painted += ((uint8_t *)f.layer->data)[v] != 0;
    CHECK_EQ_INT(bg_painted, 0);
    CHECK_EQ_INT(sv_history_redo_count(f.h), 3);
    teardown(&f);
}

static void erase_restores_after_touch(void)
{
    fixture f;
    double pts[6] = {26, 5, 12, 46, 35, 12};
    sv_stroke st = {2, 7, SV_STROKE_TOUCH, 1, pts, 2, 0};
    sv_edit_result r;
    size_t v, left = 0;
    if (!setup(&f, -HUGE_VAL)) { CHECK(0); return; }
    sv_propagate(f.h, f.layer, &f.seg, &st, &r);
    CHECK(r.changed > 0);
    st.mode = SV_STROKE_ERASE;
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_OK);
    for (v = 0; v < f.img->nvox; v++) left += ((uint8_t *)f.layer->data)[v] != 0;
    CHECK_EQ_INT(left, 0);
    teardown(&f);
}

static void paint_follows_a_strong_edge(void)
{
    fixture f;
    double pts[6] = {29, 20, 12, 35, 20, 12}; /* a short line inside the ball */
    sv_stroke st = {2, 1, SV_STROKE_PAINT, 1, pts, 2, 0};
    sv_edit_result r;
    size_t tp = 0, fp = 0, fn = 0;
    int i, j, k;
    if (!setup(&f, -HUGE_VAL)) { CHECK(0); return; }
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_OK);
    for (k = 0; k < 24; k++)
        for (j = 0; j < 40; j++)
            for (i = 0; i < 48; i++) {
                int lab = ((uint8_t *)f.layer->data)[i + 48 * (j + 40 * k)] == 1, in = in_ball(i, j, k);
                tp += lab && in;
                fp += lab && !in;
                fn += !lab && in;
            }
    /* the whole ball, in 3D, from one short line; nothing of the region around it */
    CHECK(2.0 * tp / (2.0 * tp + fp + fn) > 0.95);
    CHECK(fp < tp / 50);
    teardown(&f);
}

/* The preview marks the supervoxels whose voxels the stroke then sets, and
 * changes nothing itself: not the layer, not the history, not the strokes
 * remembered (a paint stroke after a preview labels what it does without). */
static void a_preview_is_what_the_stroke_then_does(void)
{
    fixture f;
    double line[6] = {29, 20, 12, 35, 20, 12}, across[6] = {20, 10, 9, 40, 30, 9};
    sv_stroke paint = {2, 1, SV_STROKE_PAINT, 1, line, 2, 0}, touch = {2, 2, SV_STROKE_TOUCH, 3, across, 2, 0};
    sv_stroke erase = {2, 0, SV_STROKE_ERASE, 1, across, 2, 0};
    const sv_stroke *order[3];
    uint8_t *pv, *copy;
    size_t v, bad, marked;
    int s, pass;
    unsigned char *first = NULL;
    order[0] = &paint;
    order[1] = &touch;
    order[2] = &erase;
    for (pass = 0; pass < 2; pass++) {
        if (!setup(&f, 150)) { CHECK(0); return; }
        pv = (uint8_t *)malloc(f.count + 1);
        copy = (uint8_t *)malloc(f.img->nvox);
        for (s = 0; s < 3; s++) {
            const sv_stroke *st = order[s];
            uint8_t want = st->mode == SV_STROKE_ERASE ? 0 : st->label;
            memcpy(copy, f.layer->data, f.img->nvox);
            if (pass == 1) {
                CHECK_EQ_INT(sv_propagate_preview(f.layer, &f.seg, st, pv), SV_OK);
                CHECK_EQ_INT(memcmp(copy, f.layer->data, f.img->nvox), 0);
                CHECK_EQ_INT((int)sv_history_undo_count(f.h), s);
            }
            CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, st, NULL), SV_OK);
            bad = marked = 0;
            for (v = 0; v < f.img->nvox; v++) {
                uint8_t now = ((uint8_t *)f.layer->data)[v];
                if (pass == 1 && f.labels[v]) { /* in a marked supervoxel: set; elsewhere: as before */
                    marked += pv[f.labels[v]];
                    bad += pv[f.labels[v]] ? now != want : now != copy[v];
                }
            }
            CHECK_EQ_INT((int)bad, 0);
            if (pass == 1) CHECK(marked > 100);
        }
        if (pass == 0) {
            first = (unsigned char *)malloc(f.img->nvox);
            memcpy(first, f.layer->data, f.img->nvox);
        } else {
            CHECK_EQ_INT(memcmp(first, f.layer->data, f.img->nvox), 0); /* previews change no later stroke */
        }
        free(pv);
        free(copy);
        teardown(&f);
    }
    free(first);
}

/* Voxels of the shape (the bar, the big ball) labelled 1 on slices k0..k1. */
static size_t shape_painted(const fixture *f, int k0, int k1)
{
    size_t n = 0;
    int i, j, k;
    for (k = k0; k <= k1; k++)
        for (j = 0; j < 40; j++)
            for (i = 0; i < 48; i++)
                n += in_shape(i, j, k) && ((uint8_t *)f->layer->data)[i + 48 * (j + 40 * k)] == 1;
    return n;
}

/* Labelled voxels of slices k0..k1 (any i, j) with label `label`. */
static size_t slices_painted(const fixture *f, int k0, int k1, int label)
{
    size_t n = 0;
    int i, k;
    for (k = k0; k <= k1; k++)
        for (i = 0; i < 48 * 40; i++) n += ((uint8_t *)f->layer->data)[i + 48 * 40 * k] == label;
    return n;
}

/* A stroke along i (one) or a cross (both: as an annotator draws) on slice z. */
static void cross_at(fixture *f, int z, int label, int both)
{
    double one[6] = {32, 20, 0, 40, 20, 0}, two[6] = {36, 16, 0, 36, 24, 0};
    sv_stroke a = {2, 0, SV_STROKE_PAINT, 1, one, 2, 0}, b = {2, 0, SV_STROKE_PAINT, 1, two, 2, 0};
    a.label = b.label = (uint8_t)label;
    one[2] = one[5] = two[2] = two[5] = z;
    CHECK_EQ_INT(sv_propagate(f->h, f->layer, &f->seg, &a, NULL), SV_OK);
    if (both) CHECK_EQ_INT(sv_propagate(f->h, f->layer, &f->seg, &b, NULL), SV_OK);
}

static void strokes_of_a_label_join_while_they_stand(void)
{
    /* in a region with no edge to follow: a stroke on slice 16 alone cannot
     * know where the region ends and spreads to its reach (slice 20 holds
     * ~100-200 voxels); joined with standing crosses of its label on slices
     * 8 and 12, the strokes' envelope closes it about two slices beyond */
    fixture f;
    sv_volume *which;
    int u, pass;
    flat = 1;
    for (pass = 0; pass < 4; pass++) {
        if (!setup(&f, -HUGE_VAL)) { CHECK(0); flat = 0; return; }
        if (pass > 0) { /* crosses on slices 8 and 12 */
            cross_at(&f, 8, 1, 1);
            cross_at(&f, 12, 1, 1);
        }
        if (pass == 2) /* ... undone: they no longer stand */
            for (u = 0; u < 4; u++) CHECK_EQ_INT(sv_history_undo(f.h, &which, NULL), SV_OK);
        cross_at(&f, 16, pass == 3 ? 2 : 1, 0); /* pass 3: another label's stroke does not join them */
        if (pass == 1) {
            CHECK(slices_painted(&f, 20, 20, 1) < 40);
            CHECK_EQ_INT((int)slices_painted(&f, 22, 23, 1), 0);
        } else {
            CHECK(slices_painted(&f, 20, 20, pass == 3 ? 2 : 1) > 100);
        }
        teardown(&f);
    }
    flat = 0;
}

static void labels_drawn_side_by_side_meet_between_their_strokes(void)
{
    /* in a region with no edge: a cross of label 1 on slice 8 spreads over
     * slices ~2..18; a cross of label 2 on slice 14 then competes with it
     * (its strokes are background markers there), so the two meet between
     * the slices, though label 2 may paint over labels. Pass 1: label 1's
     * cross undone first, label 2's covers slice 8 (as it would with no
     * competition). */
    fixture f;
    sv_volume *which;
    int u, pass;
    size_t one_before;
    flat = 1;
    for (pass = 0; pass < 2; pass++) {
        if (!setup(&f, -HUGE_VAL)) { CHECK(0); flat = 0; return; }
        cross_at(&f, 8, 1, 1);
        one_before = slices_painted(&f, 6, 10, 1);
        CHECK(one_before > 1000);
        if (pass == 1)
            for (u = 0; u < 2; u++) CHECK_EQ_INT(sv_history_undo(f.h, &which, NULL), SV_OK);
        cross_at(&f, 14, 2, 1);
        if (pass == 0) {
            CHECK(slices_painted(&f, 6, 10, 1) * 4 >= one_before * 3);
            CHECK(slices_painted(&f, 8, 8, 1) > 2 * slices_painted(&f, 8, 8, 2));
            CHECK(slices_painted(&f, 14, 14, 2) > 4 * slices_painted(&f, 14, 14, 1));
        } else {
            CHECK(slices_painted(&f, 8, 8, 2) > 300);
        }
        teardown(&f);
    }
    flat = 0;
}

/* Voxels of label on slice 4 within 4 of row j = 20, i >= 24: under erase_end()'s path. */
static size_t end_painted(const fixture *f, int label)
{
    size_t n = 0;
    int i, j;
    for (j = 16; j <= 24; j++)
        for (i = 24; i < 48; i++) n += ((uint8_t *)f->layer->data)[i + 48 * (j + 40 * 4)] == label;
    return n;
}

/* An erase stroke of `label` along i on slice 4, 9 voxels wide: the far end of a cross's spread. */
static void erase_end(fixture *f, int label)
{
    double line[6] = {24, 20, 4, 47, 20, 4};
    sv_stroke e = {2, 0, SV_STROKE_ERASE, 9, line, 2, 0};
    e.label = (uint8_t)label;
    CHECK_EQ_INT(sv_propagate(f->h, f->layer, &f->seg, &e, NULL), SV_OK);
}

static void what_was_erased_stays_erased_under_later_strokes(void)
{
    /* in a region with no edge: a cross of label 1 on slice 8 spreads to
     * about slice 2; the user erases its end on slice 4, then draws another
     * cross of label 1 on slice 12, which joins the first. Pass 0, no
     * erase: the joined strokes label slice 4 under the erase path. Pass 1:
     * the erase stands, so its supervoxels are background markers and stay
     * clear, while slices 8..14 stay labelled (all but a tenth, which the
 * erase's markers win in the competition where no edge decides). Pass 2: the erase undone
     * first (it no longer stands): as pass 0. Pass 3: an erase of label 2
     * (nothing to clear) does not hold label 1 back. */
    fixture f;
    sv_volume *which;
    int pass;
    size_t plain_end = 0, plain_mid = 0;
    flat = 1;
    for (pass = 0; pass < 4; pass++) {
        if (!setup(&f, -HUGE_VAL)) { CHECK(0); flat = 0; return; }
        cross_at(&f, 8, 1, 1);
        CHECK(end_painted(&f, 1) > 50);
        if (pass > 0) {
            erase_end(&f, pass == 3 ? 2 : 0);
            if (pass < 3) CHECK_EQ_INT((int)end_painted(&f, 1), 0);
        }
        if (pass == 2) CHECK_EQ_INT(sv_history_undo(f.h, &which, NULL), SV_OK);
        cross_at(&f, 12, 1, 1);
        if (pass == 0) {
            plain_end = end_painted(&f, 1);
            plain_mid = slices_painted(&f, 8, 14, 1);
            CHECK(plain_end > 50);
        } else if (pass == 1) {
            CHECK_EQ_INT((int)end_painted(&f, 1), 0);
            CHECK(slices_painted(&f, 8, 14, 1) * 5 >= plain_mid * 4); /* 90% in the run that set this */
        } else {
            CHECK_EQ_INT((int)end_painted(&f, 1), (int)plain_end);
        }
        teardown(&f);
    }
    flat = 0;
}

/* The shape's voxels (the bar, the big ball), and the voxels outside it labelled 1. */
static void shape_count(const fixture *f, size_t *in, size_t *outside)
{
    int i, j, k;
    *in = *outside = 0;
    for (k = 0; k < 24; k++)
        for (j = 0; j < 40; j++)
            for (i = 0; i < 48; i++) {
                *in += in_shape(i, j, k);
                *outside += !in_shape(i, j, k) && ((uint8_t *)f->layer->data)[i + 48 * (j + 40 * k)] == 1;
            }
}

/* A cross in the middle of the bar (soft walls or not, `count` supervoxels;
 * `ramp`, `bridged` and `thick` as the caller set them): the label fills
 * more than `tenths` / 10 of the bar, reaches both of its ends, and labels
 * fewer voxels outside it than the bar's / `outside_div`. */
static void cross_fills_the_bar(int soft_walls, uint32_t count, size_t tenths, size_t outside_div)
{
    fixture f;
    double a[6] = {31, 20, 12, 37, 20, 12}, b[6] = {34, 17, 12, 34, 23, 12};
    sv_stroke sa = {2, 1, SV_STROKE_PAINT, 1, a, 2, 0}, sb = {2, 1, SV_STROKE_PAINT, 1, b, 2, 0};
    size_t in, outside;
    bar = 1;
    soft = soft_walls;
    svcount = count;
    if (setup(&f, -HUGE_VAL)) {
        if (ramp) CHECK(f.g->sd_median > 15); /* the noise around the bar: what the floor is taken from */
        CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &sa, NULL), SV_OK);
        CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &sb, NULL), SV_OK);
        shape_count(&f, &in, &outside);
        CHECK(shape_painted(&f, 0, 23) > in * tenths / 10);
        CHECK(shape_painted(&f, 2, 3) > 0 && shape_painted(&f, 20, 21) > 0);
        CHECK(outside < in / outside_div);
        teardown(&f);
    } else {
        CHECK(0);
    }
    bar = soft = ramp = bridged = 0;
    svcount = 300;
    thick = 1;
}

static void a_walled_label_goes_as_far_as_its_edges(void)
{
    /* a cross in the middle of a bar that strong edges wall in: its reach
     * (~7 mm) covers slices 5..19, but the label follows the walls to both
     * ends of the bar (k = 2..21) and no further */
    cross_fills_the_bar(0, 300, 9, 20);
}

static void a_label_edges_enclose_at_a_longer_reach_goes_there(void)
{
    /* the same cross in a thinner bar whose walls are a weaker, noisy step
     * (soft), and 2400 supervoxels: the cross's reach (~8 mm) cuts the bar
     * and strong edges wall the rest; at twice the reach the label is
     * enclosed, nothing cut, by strong edges all round, so it takes the
     * whole bar though most walls are not > 4 sd (growing a label that the
     * reach still cuts needs those) */
    cross_fills_the_bar(1, 2400, 8, 10);
}

static void a_cross_on_a_flat_patch_takes_the_structure_as_it_darkens(void)
{
    /* a cross on the flat middle (600, no noise) of a walled bar that darkens
     * towards its ends, in an image whose supervoxels vary by ~23: the
     * cross's own voxels and supervoxels have no spread, so every slice of
     * the bar beyond the flat ones was an intensity outlier and the label
     * stopped there (slices 10..14, ~2/5 of the bar); the spread is at
     * least SD_FLOOR x the image's median within-supervoxel sd, and the
     * label goes to both ends */
    ramp = 1;
    cross_fills_the_bar(0, 300, 9, 10);
}

static void a_cross_on_one_slice_follows_walls_along_the_slice_axis(void)
{
    /* the soft bar, bridged on slices 11..13 to a slab of its own intensity,
     * slices 2.5 mm thick, 1200 supervoxels: a cross on slice 12 is walled in
     * at its reach (~10 mm: slices 8..16), but at twice the reach it leaks
     * over the bridge into the slab, so it keeps that reach; in the slice the
     * label is still walled in, and above and below the reach cuts it: the
     * reach along the slice axis grows while the walls in the slice hold, and
     * the label reaches both ends of the bar (k = 2..21) without taking the
     * slab. With the reach alone: 45% of the bar, neither end */
    bridged = 1;
    thick = 2.5;
    cross_fills_the_bar(1, 1200, 7, 4);
}

/* Strokes st[0..n) drawn one after the other in the big ball (`big` and
 * `soft`, 3600 supervoxels) label more than 90% of it, and under 2% of its
 * size outside it. */
static void big_ball_filled_by(sv_stroke *st, int n)
{
    fixture f;
    size_t in, outside;
    int q;
    big = soft = 1;
    svcount = 3600;
    if (setup(&f, -HUGE_VAL)) {
        for (q = 0; q < n; q++) CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st[q], NULL), SV_OK);
        shape_count(&f, &in, &outside);
        CHECK(shape_painted(&f, 0, 23) > in * 9 / 10);
        CHECK(outside < in / 50);
        teardown(&f);
    } else {
        CHECK(0);
    }
    big = soft = 0;
    svcount = 300;
}

static void a_line_on_one_slice_of_a_large_walled_structure_fills_it(void)
{
    /* one 10-voxel line through the middle of a ball of radius 11 whose
     * walls are a noisy step of ~3.5 sd (`big` and `soft`), 3600
     * supervoxels: at the line's reach the label meets strong edges on most
     * of its frontier but the reach cuts a third of it, so it was not walled
     * in and the envelope kept it near the line (78% of the ball). Nearly
     * walled on one slice, it tries twice the reach (NEAR_STRONG), where
     * edges enclose it: the whole ball, and next to nothing outside it */
    double a[6] = {30, 20, 12, 40, 20, 12};
    sv_stroke sa = {2, 1, SV_STROKE_PAINT, 1, a, 2, 0};
    big_ball_filled_by(&sa, 1);
}

static void lines_on_two_slices_of_a_large_walled_structure_fill_it(void)
{
    /* the same ball, a 10-voxel line on slice 7 and then one on slice 11
     * (an annotator marking an organ with a line on every few slices): the
     * first, alone, gets 44% of the ball; joined, the two met strong edges
     * on 59% of their frontier, not walled in, and their envelope (round,
     * a guess from a line) kept the label at 45%. Lines on every slice they
     * are on try twice the reach too (NEAR_STRONG), and edges enclose it.
     * The same with diagonal lines (44% before: a line at any angle) */
    double lines[2][12] = {{30, 20, 7, 40, 20, 7, 30, 20, 11, 40, 20, 11},
                           {31.5, 16.5, 7, 38.5, 23.5, 7, 31.5, 16.5, 11, 38.5, 23.5, 11}};
    int q;
    for (q = 0; q < 2; q++) {
        sv_stroke st[2] = {{2, 1, SV_STROKE_PAINT, 1, lines[q], 2, 0}, {2, 1, SV_STROKE_PAINT, 1, lines[q] + 6, 2, 0}};
        big_ball_filled_by(st, 2);
    }
}

static void without_edges_the_label_keeps_to_the_strokes(void)
{
    /* crosses on slices 8, 12 and 16 of a region with no edge (noise only),
     * drawn in that order: once strokes on several slices join, the label
     * closes about half a gap beyond the outer ones (the strokes' envelope)
     * instead of going on to the reach (a stroke's length; without the
     * envelope slices 17..23 hold ~200 voxels each). The first cross, alone,
     * cannot know where the region ends: it spreads to its reach (slices 0..8) */
    fixture f;
    double pts[3][4][6];
    int q, a, k, inner = 1;
    flat = 1;
    if (!setup(&f, -HUGE_VAL)) { CHECK(0); flat = 0; return; }
    for (q = 0; q < 3; q++) {
        double z = 8 + 4 * q, one[6] = {32, 20, 0, 40, 20, 0}, two[6] = {36, 16, 0, 36, 24, 0};
        one[2] = one[5] = two[2] = two[5] = z;
        memcpy(pts[q][0], one, sizeof one);
        memcpy(pts[q][1], two, sizeof two);
        for (a = 0; a < 2; a++) {
            sv_stroke st = {2, 1, SV_STROKE_PAINT, 1, pts[q][a], 2, 0};
            CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, NULL), SV_OK);
        }
    }
    for (k = 8; k <= 16; k++) inner &= ((uint8_t *)f.layer->data)[36 + 48 * (20 + 40 * k)] == 1;
    CHECK(inner);
    CHECK(slices_painted(&f, 12, 12, 1) > 100);
    CHECK(slices_painted(&f, 20, 20, 1) < 40);
    CHECK(slices_painted(&f, 21, 21, 1) < 20);
    CHECK_EQ_INT((int)slices_painted(&f, 22, 22, 1), 0);
    CHECK_EQ_INT((int)slices_painted(&f, 23, 23, 1), 0);
    teardown(&f);
    flat = 0;
}

static void a_dot_in_a_walled_bar_follows_it(void)
{
    /* a click (a stroke of one point) near one end of a bar that strong
     * edges wall in: its own reach is one voxel, but the first flood looks
     * three supervoxels far, finds walls, and the label follows them to the
     * other end (k = 2..21) and no further */
    fixture f;
    double a[3] = {34, 20, 4};
    sv_stroke sa = {2, 1, SV_STROKE_PAINT, 1, a, 1, 0};
    size_t in, outside;
    bar = 1;
    if (!setup(&f, -HUGE_VAL)) { CHECK(0); bar = 0; return; }
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &sa, NULL), SV_OK);
    shape_count(&f, &in, &outside);
    CHECK(shape_painted(&f, 0, 23) > in * 9 / 10);
    CHECK(shape_painted(&f, 19, 21) > 0);
    CHECK(outside < in / 20);
    teardown(&f);
    bar = 0;
}

static void bad_strokes_are_refused(void)
{
    fixture f;
    double pts[6] = {10, 20, 12, 40, 20, 13};
    sv_stroke st = {2, 3, SV_STROKE_TOUCH, 1, pts, 2, 0};
    sv_edit_result r;
    if (!setup(&f, -HUGE_VAL)) { CHECK(0); return; }
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_EINVAL); /* two slices */
    pts[5] = 12;
    st.width = 0;
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_EINVAL);
    st.width = 1;
    st.label = 0;
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_EINVAL);
    st.label = 1;
    st.axis = 4;
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_EINVAL);
    CHECK_EQ_INT(sv_history_undo_count(f.h), 0);
    teardown(&f);
}

/* A stroke whose path misses the volume (coordinates meant for another
 * volume, or in mm) is refused with a message saying so, for the CLI's user;
 * one partly off it is clipped; coordinates beyond any integer (found by the
 * strokes fuzzer: converting them was undefined) are refused the same way. */
static void a_stroke_off_the_volume_is_refused(void)
{
    fixture f;
    double pts[6] = {10, 20, 30, 40, 20, 30}, huge[6] = {2.1e13, 5, 12, 2.7e56, -1e300, 12}, far[3] = {5, 5, 1e300};
    sv_stroke st = {2, 1, SV_STROKE_PAINT, 1, pts, 2, 0};
    sv_edit_result r;
    uint8_t marks[4096];
    const uint8_t *d;
    size_t v, changed = 0;
    if (!setup(&f, -HUGE_VAL)) { CHECK(0); return; }
    CHECK(f.count < sizeof marks);
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_EINVAL); /* slice 30 of 0..23 */
    CHECK(strstr(sv_last_error(), "off the volume") && strstr(sv_last_error(), "slice 30 is outside 0..23"));
    CHECK_EQ_INT(sv_propagate_preview(f.layer, &f.seg, &st, marks), SV_EINVAL);
    pts[0] = -40, pts[1] = -9, pts[2] = 12, pts[3] = -2, pts[4] = 60, pts[5] = 12; /* left of the grid */
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_EINVAL);
    CHECK(strstr(sv_last_error(), "its path misses the volume (48 x 40 x 24 voxels)") != NULL);
    st.points = huge;
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_EINVAL);
    st.points = far;
    st.npoints = 1;
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_EINVAL);
    CHECK_EQ_INT(sv_history_undo_count(f.h), 0);
    d = (const uint8_t *)f.layer->data;
    for (v = 0; v < f.img->nvox; v++) changed += d[v] != 0;
    CHECK_EQ_INT((int)changed, 0);
    /* partly off: clipped to the grid, and it paints */
    st.points = pts;
    st.npoints = 2;
    st.mode = SV_STROKE_TOUCH;
    pts[0] = -40, pts[1] = 20, pts[3] = 30, pts[4] = 20;
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r), SV_OK);
    CHECK(r.changed > 0);
    teardown(&f);
}

static void merging_stays_within_regions_and_coarsens_strokes(void)
{
    fixture f;
    uint32_t *map, groups, id, *region_of;
    int mixed = 0;
    size_t v;
    double pts[6] = {30, 20, 12, 34, 20, 12}; /* inside the ball */
    sv_stroke st = {2, 2, SV_STROKE_TOUCH, 1, pts, 2, 0};
    sv_edit_result fine, coarse;
    if (!setup(&f, -HUGE_VAL)) { CHECK(0); return; }
    map = (uint32_t *)malloc((f.count + 1) * sizeof *map);
    region_of = (uint32_t *)calloc(f.count + 1, sizeof *region_of);
    /* 3 regions (left, right, ball): merging down to 3 groups joins exactly the regions */
    CHECK_EQ_INT(sv_sv_merge(f.g, 3, map, &groups), SV_OK);
    CHECK_EQ_INT(groups, 3);
    CHECK_EQ_INT(map[0], 0);
    for (v = 0; v < f.img->nvox; v++) {
        uint32_t s = f.labels[v], r = (uint32_t)((int16_t *)f.img->data)[v];
        if (!region_of[map[s]]) region_of[map[s]] = r;
        else if (region_of[map[s]] != r) mixed++;
    }
    CHECK_EQ_INT(mixed, 0);
    for (id = 1; id <= f.count; id++) CHECK(map[id] >= 1 && map[id] <= groups);
    /* a touch stroke at that level paints the whole ball; at the fine level only a part */
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &fine), SV_OK);
    f.seg.level = map;
    f.seg.level_groups = groups;
    CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &coarse), SV_OK);
    {
        size_t ball = 0, painted = 0;
        int i, j, k;
        for (k = 0; k < 24; k++)
            for (j = 0; j < 40; j++)
                for (i = 0; i < 48; i++) {
                    ball += in_ball(i, j, k);
                    painted += ((uint8_t *)f.layer->data)[i + 48 * (j + 40 * k)] == 2;
                }
        CHECK_EQ_INT(painted, ball);
        CHECK(fine.changed < ball);
    }
    CHECK_EQ_INT(sv_sv_merge(f.g, 0, map, &groups), SV_EINVAL);
    free(map);
    free(region_of);
    teardown(&f);
}

/* Coarser levels stay compact where the tissue is uniform: the noisy flat
 * region (`flat`: 300 +- 20 beside a plain 100 and the ball) at ~1 200
 * supervoxels, merged to a quarter and a sixteenth. Merging by the closest
 * means alone chained uniform tissue into huge groups (here the whole plain
 * region became one group, 147x / 37x the mean group's voxels; on the demo
 * brain one group of 131 676 voxels, which a short stroke then labelled);
 * Ward's price with the centroid term keeps every group under 3x the mean
 * (2.3x / 1.9x), and no group crosses a region's edge. */
static void coarser_levels_are_compact_groups_within_regions(void)
{
    fixture f;
    uint32_t *map, groups, id, *gsize, *region_of, target;
    size_t v, fg = 0, largest;
    int q, mixed = 0;
    flat = 1;
    svcount = 1200;
    if (!setup(&f, -HUGE_VAL)) { CHECK(0); flat = 0; svcount = 300; return; }
    flat = 0;
    svcount = 300;
    map = (uint32_t *)malloc((f.count + 1) * sizeof *map);
    gsize = (uint32_t *)malloc((f.count + 1) * sizeof *gsize);
    region_of = (uint32_t *)malloc((f.count + 1) * sizeof *region_of);
    for (v = 0; v < f.img->nvox; v++) fg += f.labels[v] != 0;
    for (q = 1; q <= 2; q++) {
        target = f.count >> (2 * q);
        CHECK_EQ_INT(sv_sv_merge(f.g, target, map, &groups), SV_OK);
        CHECK_EQ_INT(groups, target);
        memset(gsize, 0, (f.count + 1) * sizeof *gsize);
        memset(region_of, 0, (f.count + 1) * sizeof *region_of);
        for (v = 0; v < f.img->nvox; v++) {
            uint32_t g = map[f.labels[v]];
            int16_t x = ((int16_t *)f.img->data)[v];
            uint32_t r = x == 600 ? 3 : x == 100 ? 1 : 2;
            gsize[g]++;
            if (!region_of[g]) region_of[g] = r;
            else if (region_of[g] != r) mixed++;
        }
        largest = 0;
        for (id = 1; id <= groups; id++) largest = gsize[id] > largest ? gsize[id] : largest;
        CHECK(largest * groups < 3 * fg);
        CHECK_EQ_INT(mixed, 0);
    }
    {
        /* both levels in one pass (as the app makes them): the same maps as one merge each */
        uint32_t targets[2] = {f.count >> 2, f.count >> 4}, both_groups[2], *both[2];
        both[0] = (uint32_t *)malloc((f.count + 1) * sizeof *map);
        both[1] = (uint32_t *)malloc((f.count + 1) * sizeof *map);
        CHECK_EQ_INT(sv_sv_merge_levels(f.g, targets, 2, both, both_groups), SV_OK);
        for (q = 0; q < 2; q++) {
            CHECK_EQ_INT(sv_sv_merge(f.g, targets[q], map, &groups), SV_OK);
            CHECK_EQ_INT(both_groups[q], groups);
            CHECK(memcmp(map, both[q], (f.count + 1) * sizeof *map) == 0);
        }
        targets[1] = targets[0] + 1;
        CHECK_EQ_INT(sv_sv_merge_levels(f.g, targets, 2, both, both_groups), SV_EINVAL);
        free(both[0]);
        free(both[1]);
    }
    free(map);
    free(gsize);
    free(region_of);
    teardown(&f);
}

/* The flood decides ties (equal costs: flat regions give many equal means)
 * by cost and side alone, never by supervoxel number: renumbering the
 * supervoxels paints the same voxels. Strokes inside the ball (enclosed by
 * edges), on the flat 300 region (cut by the reach: the second pass) and
 * across the 100 / 300 step, each joined by the earlier ones of its label. */
static void paint_does_not_depend_on_supervoxel_numbering(void)
{
    fixture f, g;
    double pts[4][6] = {{29, 20, 12, 35, 20, 12}, {26, 5, 5, 30, 8, 5}, {10, 30, 18, 30, 30, 18}, {26, 8, 9, 31, 5, 9}};
    uint8_t labs[4] = {1, 2, 3, 2};
    uint32_t *perm = NULL;
    size_t v;
    int q;
    if (!setup(&f, -HUGE_VAL) || !setup(&g, -HUGE_VAL)) { CHECK(0); return; }
    perm = (uint32_t *)malloc(((size_t)f.count + 1) * sizeof *perm);
    /* a scrambled renumbering of 1..count: x -> (x * 7919) mod count + 1, a bijection when count is not a multiple of 7919 */
    CHECK(f.count % 7919 != 0);
    perm[0] = 0;
    for (v = 1; v <= f.count; v++) perm[v] = (uint32_t)(((v - 1) * 7919) % f.count + 1);
    for (v = 0; v < g.img->nvox; v++) g.labels[v] = perm[g.labels[v]];
    sv_sv_graph_free(g.g);
    sv_sv_index_free(g.ix);
    CHECK_EQ_INT(sv_sv_index_build(g.labels, g.img->nvox, g.count, &g.ix), SV_OK);
    CHECK_EQ_INT(sv_sv_graph_build(g.img, g.labels, g.ix, &g.g), SV_OK);
    g.seg.index = g.ix;
    g.seg.graph = g.g;
    for (q = 0; q < 4; q++) {
        sv_stroke st = {2, 1, SV_STROKE_PAINT, 1, pts[q], 2, 0};
        sv_edit_result r1, r2;
        st.label = labs[q];
        st.axis = (int)pts[q][2] == (int)pts[q][5] ? 2 : 1;
        CHECK_EQ_INT(sv_propagate(f.h, f.layer, &f.seg, &st, &r1), SV_OK);
        CHECK_EQ_INT(sv_propagate(g.h, g.layer, &g.seg, &st, &r2), SV_OK);
        CHECK(r1.changed > 0);
        CHECK_EQ_INT(r1.changed, r2.changed);
        CHECK(memcmp(f.layer->data, g.layer->data, f.img->nvox) == 0);
    }
    free(perm);
    teardown(&f);
    teardown(&g);
}

/* The graph against a direct computation: per supervoxel its size, mean,
 * sd and centroid from its voxels in raster order, and its neighbours in
 * the order first met (voxels in raster order, each looking -i, +i, -j, +j,
 * -k, +k), with each edge's weight. The phantom is scaled by a slope that makes the sums inexact, so
 * the order of the additions is checked too. */
static void graph_matches_a_direct_computation(void)
{
    fixture f;
    const int32_t nx = 48, ny = 40, nz = 24;
    uint32_t s, *order = NULL, bad = 0;
    if (!setup(&f, 150)) { CHECK(0); return; }
    f.img->scl_slope = 0.37;
    f.img->scl_inter = -3.1;
    sv_sv_graph_free(f.g);
    CHECK_EQ_INT(sv_sv_graph_build(f.img, f.labels, f.ix, &f.g), SV_OK);
    order = (uint32_t *)malloc((size_t)(f.count + 1) * (f.count + 1) * sizeof *order);
    for (s = 1; s <= f.count; s++) {
        double sum = 0, sum2 = 0, c[3] = {0, 0, 0}, m;
        size_t n = 0, nadj = 0, v, a;
        int32_t i, j, k;
        for (v = 0; v < f.img->nvox; v++) {
            double x;
            int32_t p[3], nb;
            if (f.labels[v] != s) continue;
            x = sv_volume_get(f.img, v);
            sum += x;
            sum2 += x * x;
            n++;
            i = (int32_t)(v % nx), j = (int32_t)(v / nx % ny), k = (int32_t)(v / ((size_t)nx * ny));
            c[0] += i, c[1] += j, c[2] += k;
            for (nb = 0; nb < 6; nb++) {
                uint32_t o;
                size_t q;
                p[0] = i, p[1] = j, p[2] = k;
                p[nb / 2] += nb & 1 ? 1 : -1;
                if (p[0] < 0 || p[1] < 0 || p[2] < 0 || p[0] >= nx || p[1] >= ny || p[2] >= nz) continue;
                o = f.labels[p[0] + nx * (p[1] + (size_t)ny * p[2])];
                if (!o || o == s) continue;
                for (q = 0; q < nadj && order[q] != o; q++) {}
                if (q == nadj) order[nadj++] = o;
            }
        }
        for (a = 1; a < nadj; a++) /* neighbours in increasing id */
            for (v = a; v > 0 && order[v - 1] > order[v]; v--) {
                uint32_t t = order[v];
                order[v] = order[v - 1];
                order[v - 1] = t;
            }
        m = n ? sum / n : 0;
        bad += f.g->size[s] != n;
        bad += n && f.g->mean[s] != m;
        bad += n && f.g->sd[s] != sqrt(fmax(0.0, sum2 / n - m * m));
        bad += n && (f.g->centroid[3 * s] != c[0] / n || f.g->centroid[3 * s + 1] != c[1] / n || f.g->centroid[3 * s + 2] != c[2] / n);
        bad += f.g->adj_off[s + 1] - f.g->adj_off[s] != nadj;
        for (a = 0; a < nadj && f.g->adj_off[s + 1] - f.g->adj_off[s] == nadj; a++) bad += f.g->adj[f.g->adj_off[s] + a] != order[a];
        for (a = f.g->adj_off[s]; a < f.g->adj_off[s + 1]; a++) bad += f.g->adj_w[a] != fabs(f.g->mean[s] - f.g->mean[f.g->adj[a]]);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(f.g->mean[1] != floor(f.g->mean[1])); /* the slope made the sums inexact */
    { /* sd_median: the middle (upper middle if even) of the supervoxels' sd, sorted */
        double *sds = (double *)malloc(f.count * sizeof *sds);
        size_t n = 0, a, v;
        for (s = 1; s <= f.count; s++)
            if (f.g->size[s]) sds[n++] = f.g->sd[s];
        for (a = 1; a < n; a++)
            for (v = a; v > 0 && sds[v - 1] > sds[v]; v--) {
                double t = sds[v];
                sds[v] = sds[v - 1];
                sds[v - 1] = t;
            }
        CHECK(n > 0 && f.g->sd_median == sds[n / 2]);
        free(sds);
    }
    free(order);
    teardown(&f);
}

void suite_propagate(void)
{
    RUN(graph_matches_a_direct_computation);
    RUN(paint_does_not_depend_on_supervoxel_numbering);
    RUN(merging_stays_within_regions_and_coarsens_strokes);
    RUN(coarser_levels_are_compact_groups_within_regions);
    RUN(touch_paints_exactly_the_touched_supervoxels);
    RUN(background_is_never_painted_and_erase_restores);
    RUN(erase_restores_after_touch);
    RUN(paint_follows_a_strong_edge);
    RUN(strokes_of_a_label_join_while_they_stand);
    RUN(labels_drawn_side_by_side_meet_between_their_strokes);
    RUN(what_was_erased_stays_erased_under_later_strokes);
    RUN(a_preview_is_what_the_stroke_then_does);
    RUN(without_edges_the_label_keeps_to_the_strokes);
    RUN(a_walled_label_goes_as_far_as_its_edges);
    RUN(a_label_edges_enclose_at_a_longer_reach_goes_there);
    RUN(a_dot_in_a_walled_bar_follows_it);
    RUN(a_cross_on_a_flat_patch_takes_the_structure_as_it_darkens);
    RUN(a_cross_on_one_slice_follows_walls_along_the_slice_axis);
    RUN(a_line_on_one_slice_of_a_large_walled_structure_fills_it);
    RUN(lines_on_two_slices_of_a_large_walled_structure_fill_it);
    RUN(bad_strokes_are_refused);
    RUN(a_stroke_off_the_volume_is_refused);
}
