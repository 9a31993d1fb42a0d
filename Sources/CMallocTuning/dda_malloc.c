#include "dda_malloc.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int dda_tune_malloc(int pad_bytes, int keep_bytes) {
#if defined(__GLIBC__)
    int ok = mallopt(M_TOP_PAD, pad_bytes);
    ok &= mallopt(M_TRIM_THRESHOLD, keep_bytes);
    return ok ? 0 : -1;
#else
    (void)pad_bytes;
    (void)keep_bytes;
    return 0;
#endif
}
