#ifndef DDA_CLIBPQ_SHIM_H
#define DDA_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
