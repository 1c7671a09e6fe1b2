#ifndef OPSLAKE_CPREFETCH_H
#define OPSLAKE_CPREFETCH_H

/* A cache prefetch, which Swift has no API for: starts loading the line at `p`
   without waiting for it. A hint only: it cannot fault and changes no result. */
static inline void opslake_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
