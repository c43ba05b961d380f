// The one libc call the engine needs that Swift's Glibc module does not import: glibc's
// malloc_trim, which hands the free pages of every malloc arena back to the kernel. Elsewhere
// (musl, Darwin) it is a no-op: those allocators return memory on their own.
#ifndef CSYSTEMMEMORY_H
#define CSYSTEMMEMORY_H

#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

/// Returns 1 when memory was released, 0 otherwise.
static inline int csystemmemory_release_free_heap(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}

#endif
