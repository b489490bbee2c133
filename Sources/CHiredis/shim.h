#ifndef VIGIL_CHIREDIS_SHIM_H
#define VIGIL_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#endif
