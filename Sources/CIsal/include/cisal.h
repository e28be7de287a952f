#ifndef DWELL_CISAL_H
#define DWELL_CISAL_H
/*
 * Intel ISA-L's inflate (igzip), loaded at run time when present.
 *
 * ISA-L inflates gzip two to three times faster than zlib. dwell builds without it (the header is optional at
 * build time, the library optional at run time: Debian's libisal-dev provides both) and then inflates with
 * zlib, which gives the same bytes.
 */
#include <stddef.h>
#include <stdint.h>

typedef struct dwell_isal_inflater dwell_isal_inflater;

/* Results of dwell_isal_inflate besides ISA-L's own negative error codes. */
enum {
    DWELL_ISAL_PROGRESS = 0,   /* consumed input and/or produced output; the member goes on */
    DWELL_ISAL_MEMBER_END = 1, /* the member's trailer was read and its CRC-32 and length matched */
    DWELL_ISAL_BAD_TRAILER = -100, /* the trailer was read and its CRC-32 or length does not match the data */
};

/* 1 when ISA-L was found (built against its header and libisal.so.2 loaded), else 0. Thread-safe. */
int dwell_isal_available(void);

/* The library's file name as loaded, or NULL. */
const char *dwell_isal_library(void);

/*
 * A new inflater for the deflate data of gzip members (the caller reads each member's header: ISA-L 2.30 can
 * misread a header whose optional fields are split across calls), checking the CRC-32 and length in each member's
 * trailer. NULL when ISA-L is not available or memory is short.
 */
dwell_isal_inflater *dwell_isal_create(void);
void dwell_isal_destroy(dwell_isal_inflater *inflater);

/* Prepares for the next gzip member. */
void dwell_isal_reset(dwell_isal_inflater *inflater);

/*
 * Inflates from `in` into `out`. Sets how many bytes were consumed and produced; returns DWELL_ISAL_PROGRESS,
 * DWELL_ISAL_MEMBER_END (input after the member is left unconsumed), DWELL_ISAL_BAD_TRAILER, or another ISA-L
 * error code (negative).
 */
int dwell_isal_inflate(dwell_isal_inflater *inflater, const uint8_t *in, size_t in_count, uint8_t *out,
                       size_t out_count, size_t *consumed, size_t *produced);

/* A short description of an ISA-L error code. */
const char *dwell_isal_error(int code);

#endif
