#ifndef OPSLAKE_CMALLOC_H
#define OPSLAKE_CMALLOC_H

#include <malloc.h>

/* glibc's heap settings, which Swift's Glibc module does not import (malloc.h is not in
   it). `top_pad`: how much more than asked a heap grows by, and keeps when it shrinks.
   Setting it also stops glibc from raising its mmap threshold as large blocks are
   freed, which would leave every block of 128 KiB or more (an encode buffer, a direct
   writer's buffer) to a fresh mmap and munmap: so the threshold is set too, to
   `mmap_threshold`. Returns 1 when both were taken, as mallopt does. */
static inline int opslake_tune_heap(int top_pad, int mmap_threshold) {
    return mallopt(M_TOP_PAD, top_pad) && mallopt(M_MMAP_THRESHOLD, mmap_threshold);
}

#endif
