/* The three codecs systemd-journald may use for DATA objects: XZ (liblzma), LZ4 (liblz4), ZSTD (libzstd).
   Debian: liblzma-dev, liblz4-dev, libzstd-dev. Swift calls the one-shot functions directly
   (lzma_stream_buffer_decode, LZ4_decompress_safe, ZSTD_decompress); nothing here is a macro. */
#include <stddef.h>
#include <stdint.h>
#include <lzma.h>
#include <lz4.h>
#include <zstd.h>
#include <zstd_errors.h>

/* A read prefetch hint for the journal reader (DATA objects an entry shares with others lie anywhere in the file). */
static inline void cjournal_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
