/* test_strokes.c — the strokes file reader: the contract's example, defaults,
 * every field's errors, and every truncation of a valid file. */
#include <string.h>

#include "harness.h"
#include "supervox/strokes.h"

static const char *example =
    "{\"strokes\": [\n"
    "  {\"axis\": 2, \"label\": 1, \"mode\": \"paint\", \"width\": 1,\n"
    "   \"points\": [[40.5, 61.0, 88], [41.0, 63.5, 88], [44.0, 70.0, 88]]},\n"
    "  {\"label\": 7, \"axis\": 0, \"points\": [[3, 4, 5]], \"mode\": \"erase\", \"only_unlabelled\": true,\n"
    "   \"note\": {\"by\": [\"someone\", null, false, 1e3]}}\n"
    "], \"version\": 1}";

static void reads_the_contract_example(void)
{
    sv_stroke_list *l;
    CHECK_EQ_INT(sv_strokes_parse(example, strlen(example), &l), SV_OK);
    if (!l) return;
    CHECK_EQ_INT(l->count, 2);
    CHECK_EQ_INT(l->strokes[0].axis, 2);
    CHECK_EQ_INT(l->strokes[0].label, 1);
    CHECK_EQ_INT(l->strokes[0].mode, SV_STROKE_PAINT);
    CHECK_EQ_INT(l->strokes[0].npoints, 3);
    CHECK_NEAR(l->strokes[0].points[4], 63.5, 0);
    CHECK_NEAR(l->strokes[0].points[8], 88, 0);
    CHECK_EQ_INT(l->strokes[1].mode, SV_STROKE_ERASE);
    CHECK_EQ_INT(l->strokes[1].npoints, 1);
    CHECK_NEAR(l->strokes[1].width, 1, 0); /* default */
    CHECK_EQ_INT(l->strokes[1].only_unlabelled, 1);
    CHECK_NEAR(l->strokes[1].points[2], 5, 0);
    sv_stroke_list_free(l);
    CHECK_EQ_INT(sv_strokes_parse("{\"strokes\": []}", 15, &l), SV_OK);
    if (l) CHECK_EQ_INT(l->count, 0);
    sv_stroke_list_free(l);
}

static void bad_files_say_what_is_wrong(void)
{
    static const struct { const char *text, *needle; } cases[] = {
        {"", "not a strokes file"},
        {"[]", "not a strokes file"},
        {"{}", "not a strokes file"},
        {"{\"strokes\": [3]}", "stroke 1 is not an object"},
        {"{\"strokes\": [{\"axis\": 3, \"label\": 1, \"points\": [[0,0,0]]}]}", "\"axis\""},
        {"{\"strokes\": [{\"axis\": 1, \"label\": 256, \"points\": [[0,0,0]]}]}", "\"label\""},
        {"{\"strokes\": [{\"axis\": 1, \"label\": 2, \"width\": 0, \"points\": [[0,0,0]]}]}", "\"width\""},
        {"{\"strokes\": [{\"axis\": 1, \"label\": 2, \"mode\": \"flood\", \"points\": [[0,0,0]]}]}", "\"mode\""},
        {"{\"strokes\": [{\"axis\": 1, \"label\": 2, \"points\": [[0,0]]}]}", "\"points\""},
        {"{\"strokes\": [{\"axis\": 1, \"label\": 2, \"points\": []}]}", "at least one point"},
        {"{\"strokes\": [{\"axis\": 1, \"points\": [[1,2,3]]}]}", "\"label\""},
        {"{\"strokes\": [{\"axis\": 1, \"label\": 2, \"points\": [[1,2,3]]}, {\"axis\": 0}]}", "stroke 2"},
        {"{\"strokes\": []} trailing", "not a strokes file"},
        {"{\"x\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], \"strokes\": []}", "not a strokes file"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sv_stroke_list *l = (sv_stroke_list *)1;
        CHECK_EQ_INT(sv_strokes_parse(cases[i].text, strlen(cases[i].text), &l), SV_EFORMAT);
        CHECK(l == NULL);
        if (!strstr(sv_last_error(), cases[i].needle)) {
            fprintf(stderr, "    case %zu: \"%s\" lacks \"%s\"\n", i, sv_last_error(), cases[i].needle);
            CHECK(0);
        }
    }
}

static void every_truncation_fails_cleanly(void)
{
    size_t n = strlen(example), cut;
    for (cut = 0; cut < n; cut++) {
        sv_stroke_list *l = NULL;
        sv_status st = sv_strokes_parse(example, cut, &l);
        CHECK_EQ_INT(st, SV_EFORMAT);
        CHECK(l == NULL);
    }
}

void suite_strokes(void)
{
    RUN(reads_the_contract_example);
    RUN(bad_files_say_what_is_wrong);
    RUN(every_truncation_fails_cleanly);
}
