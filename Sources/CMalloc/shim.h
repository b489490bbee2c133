#ifndef VIGIL_CMALLOC_SHIM_H
#define VIGIL_CMALLOC_SHIM_H
/* glibc's malloc extensions (malloc_trim), which the Glibc module does not bring in. */
#include <malloc.h>
#endif
