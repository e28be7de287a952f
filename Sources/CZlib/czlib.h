#ifndef DWELL_CZLIB_H
#define DWELL_CZLIB_H
#include <zlib.h>

/* inflateInit2 is a macro, which Swift cannot import. windowBits 15 + 32: gzip or zlib header, detected. */
static inline int czlib_inflate_init_auto(z_streamp s) { return inflateInit2(s, 15 + 32); }
/* Raw gzip only (15 + 16): used when the magic bytes already said gzip. */
static inline int czlib_inflate_init_gzip(z_streamp s) { return inflateInit2(s, 15 + 16); }
/* deflateInit2 is a macro too. windowBits 15 + 16: write a gzip wrapper (the header is set with deflateSetHeader). */
static inline int czlib_deflate_init_gzip(z_streamp s, int level) {
    return deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
#endif
