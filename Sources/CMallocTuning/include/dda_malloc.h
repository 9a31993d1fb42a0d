#ifndef DDA_MALLOC_H
#define DDA_MALLOC_H

/// Tunes glibc's allocator for a server whose requests may build tens of MiB of short-lived
/// JSON tree: the heap grows and shrinks in steps of `pad_bytes` (default 128 KiB, i.e. an
/// mprotect or brk call per 128 KiB), and up to `keep_bytes` of freed memory stay in the
/// process for the next request instead of being returned and faulted in again.
/// Returns 0 on success (or where there is no glibc), -1 if a setting was refused.
int dda_tune_malloc(int pad_bytes, int keep_bytes);

#endif
