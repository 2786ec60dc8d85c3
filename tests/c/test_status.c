/* test_status.c — status names and the error buffer. */
#include <string.h>

#include "harness.h"
#include "supervox/status.h"
#include "supervox/volume.h"

static void names_are_stable(void)
{
    CHECK(strcmp(sv_status_name(SV_OK), "SV_OK") == 0);
    CHECK(strcmp(sv_status_name(SV_EFORMAT), "SV_EFORMAT") == 0);
    CHECK(strcmp(sv_status_name(SV_EUNSUPPORTED), "SV_EUNSUPPORTED") == 0);
    CHECK(strcmp(sv_status_name((sv_status)99), "SV_EUNKNOWN") == 0);
}

static void failing_call_sets_message(void)
{
    sv_volume *v = (sv_volume *)1;
    int32_t dims[3] = {4, 0, 2};
    CHECK_EQ_INT(sv_volume_create(dims, SV_DT_UINT8, &v), SV_EINVAL);
    CHECK(v == NULL);
    CHECK(strstr(sv_last_error(), "dimension 2") != NULL);
    sv_free(NULL); /* NULL-tolerant */
}

void suite_status(void)
{
    RUN(names_are_stable);
    RUN(failing_call_sets_message);
}
