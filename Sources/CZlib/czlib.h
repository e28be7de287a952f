#ifndef DWELL_CZLIB_H
#define DWELL_CZLIB_H
#include <zlib.h>

/* inflateInit2 is a macro, which Swift cannot import. windowBits 15 + 32: gzip or zlib header, detected. */
static inline int czlib_inflate_init_auto(z_streamp s) { return inflateInit2(s, 15 + 32); }
/* Raw gzip only (15 + 16): used when the magic bytes already said gzip. */
static inline int czlib_inflate_init_gzip(z_streamp s) { return inflateInit2(s, 15 + 16); }
#endif
