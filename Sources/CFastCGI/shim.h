#ifndef DDA_CFASTCGI_SHIM_H
#define DDA_CFASTCGI_SHIM_H
#include <fcgiapp.h>
#endif
