/* The module's one function is inline in include/CMalloc.h; a C target needs a source file. */
#include "CMalloc.h"
