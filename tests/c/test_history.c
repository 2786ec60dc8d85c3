/* test_history.c — undo/redo exactness, redo cleared by a new step, the memory cap. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "supervox/history.h"

static sv_volume *layer(void)
{
    int32_t d[3] = {23, 17, 11};
    sv_volume *v = NULL;
    sv_volume_create(d, SV_DT_UINT8, &v);
    return v;
}

static void undo_redo_restore_exactly(void)
{
    sv_volume *v = layer();
    sv_history *h;
    sv_volume *which;
    sv_edit_result r;
    uint8_t *s0, *s1, *s2;
    size_t i, n;
    if (!v) { CHECK(0); return; }
    n = v->nvox;
    CHECK_EQ_INT(sv_history_create(1 << 20, &h), SV_OK);
    s0 = (uint8_t *)malloc(n); s1 = (uint8_t *)malloc(n); s2 = (uint8_t *)malloc(n);
    memcpy(s0, v->data, n);
    CHECK_EQ_INT(sv_history_begin(h, v), SV_OK);
    for (i = 0; i < n; i += 7) CHECK_EQ_INT(sv_history_set(h, i, 3), 1);
    CHECK_EQ_INT(sv_history_set(h, 0, 3), 0); /* no change: not recorded */
    CHECK_EQ_INT(sv_history_end(h, &r), SV_OK);
    CHECK_EQ_INT(r.changed, (n + 6) / 7);
    CHECK_EQ_INT(r.box.lo[0], 0);
    CHECK_EQ_INT(r.box.hi[2], 11);
    memcpy(s1, v->data, n);
    CHECK_EQ_INT(sv_history_begin(h, v), SV_OK);
    for (i = n; i-- > 0;) sv_history_set(h, i, (uint8_t)(i % 5)); /* backwards: negative deltas */
    CHECK_EQ_INT(sv_history_end(h, NULL), SV_OK);
    memcpy(s2, v->data, n);
    CHECK_EQ_INT(sv_history_undo_count(h), 2);
    CHECK_EQ_INT(sv_history_undo(h, &which, &r), SV_OK);
    CHECK(which == v);
    CHECK(memcmp(v->data, s1, n) == 0);
    CHECK_EQ_INT(sv_history_undo(h, &which, &r), SV_OK);
    CHECK(memcmp(v->data, s0, n) == 0);
    CHECK_EQ_INT(sv_history_undo(h, &which, &r), SV_OK); /* nothing left */
    CHECK(which == NULL);
    CHECK_EQ_INT(r.changed, 0);
    CHECK_EQ_INT(sv_history_redo(h, &which, &r), SV_OK);
    CHECK(memcmp(v->data, s1, n) == 0);
    CHECK_EQ_INT(sv_history_redo(h, &which, &r), SV_OK);
    CHECK(memcmp(v->data, s2, n) == 0);
    CHECK_EQ_INT(sv_history_redo_count(h), 0);
    /* undo once, then a new step: redo is gone */
    sv_history_undo(h, &which, &r);
    CHECK_EQ_INT(sv_history_begin(h, v), SV_OK);
    sv_history_set(h, 5, 200);
    sv_history_end(h, NULL);
    CHECK_EQ_INT(sv_history_redo_count(h), 0);
    CHECK_EQ_INT(sv_history_undo_count(h), 2);
    /* an empty step is not a step */
    sv_history_begin(h, v);
    sv_history_end(h, &r);
    CHECK_EQ_INT(r.changed, 0);
    CHECK_EQ_INT(sv_history_undo_count(h), 2);
    sv_history_free(h);
    sv_volume_free(v);
    free(s0); free(s1); free(s2);
}

static void misuse_is_refused(void)
{
    sv_volume *v = layer(), *which;
    sv_history *h;
    int32_t d[3] = {3, 3, 3};
    sv_volume *f;
    sv_edit_result r;
    sv_history_create(1000, &h);
    CHECK_EQ_INT(sv_history_end(h, &r), SV_EINVAL);
    sv_volume_create(d, SV_DT_INT16, &f);
    CHECK_EQ_INT(sv_history_begin(h, f), SV_EINVAL);
    CHECK_EQ_INT(sv_history_begin(h, v), SV_OK);
    CHECK_EQ_INT(sv_history_begin(h, v), SV_EINVAL);
    CHECK_EQ_INT(sv_history_undo(h, &which, &r), SV_EINVAL);
    sv_history_end(h, &r);
    sv_history_free(h);
    sv_volume_free(v);
    sv_volume_free(f);
    sv_history_free(NULL);
}

static void memory_cap_drops_oldest_keeps_newest(void)
{
    sv_volume *v = layer(), *which;
    sv_history *h;
    sv_edit_result r;
    int s;
    size_t i;
    sv_history_create(2000, &h); /* about five steps of 100 voxels (3 bytes each) */
    for (s = 1; s <= 20; s++) {
        sv_history_begin(h, v);
        for (i = 0; i < 100; i++) sv_history_set(h, i, (uint8_t)s);
        sv_history_end(h, NULL);
        CHECK(sv_history_bytes(h) <= 2000);
    }
    CHECK(sv_history_undo_count(h) < 20);
    CHECK(sv_history_undo_count(h) >= 5);
    {
        int kept = sv_history_undo_count(h);
        while (sv_history_undo_count(h) > 0) sv_history_undo(h, &which, &r);
        CHECK_EQ_INT(((uint8_t *)v->data)[0], 20 - kept); /* the last dropped step's value stays */
    }
    /* a single step larger than the cap is still kept (undo of the last stroke always works) */
    sv_history_begin(h, v);
    for (i = 0; i < v->nvox; i++) sv_history_set(h, i, 99);
    sv_history_end(h, NULL);
    CHECK_EQ_INT(sv_history_undo_count(h), 1);
    sv_history_undo(h, &which, &r);
    CHECK_EQ_INT(r.changed, v->nvox);
    sv_history_forget(h, v);
    CHECK_EQ_INT(sv_history_redo_count(h), 0);
    CHECK_EQ_INT(sv_history_bytes(h), 0);
    sv_history_free(h);
    sv_volume_free(v);
}

void suite_history(void)
{
    RUN(undo_redo_restore_exactly);
    RUN(misuse_is_refused);
    RUN(memory_cap_drops_oldest_keeps_newest);
}
