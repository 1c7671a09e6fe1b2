#ifndef OPSLAKE_CMALLOC_H
#define OPSLAKE_CMALLOC_H

#include <malloc.h>

/* glibc's M_TOP_PAD, which Swift's Glibc module does not import (malloc.h is not in
   it): how much more than asked a heap grows by, and keeps when it shrinks. Returns
   mallopt's result, 1 on success. */
static inline int opslake_heap_top_pad(int bytes) { return mallopt(M_TOP_PAD, bytes); }

#endif
