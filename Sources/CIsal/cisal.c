#include "cisal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if __has_include(<isa-l/igzip_lib.h>)
#include <isa-l/igzip_lib.h>
#define DWELL_HAVE_ISAL_HEADER 1
#else
#define DWELL_HAVE_ISAL_HEADER 0
#endif

#if DWELL_HAVE_ISAL_HEADER

struct dwell_isal_inflater {
    struct inflate_state state;
};

static void (*isal_init_fn)(struct inflate_state *);
static void (*isal_reset_fn)(struct inflate_state *);
static int (*isal_inflate_fn)(struct inflate_state *);
static const char *loaded_name;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void) {
    static const char *const names[] = {"libisal.so.2", "libisal.so"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!handle) continue;
        isal_init_fn = (void (*)(struct inflate_state *))dlsym(handle, "isal_inflate_init");
        isal_reset_fn = (void (*)(struct inflate_state *))dlsym(handle, "isal_inflate_reset");
        isal_inflate_fn = (int (*)(struct inflate_state *))dlsym(handle, "isal_inflate");
        if (isal_init_fn && isal_reset_fn && isal_inflate_fn) {
            loaded_name = names[i];
            return;
        }
        isal_init_fn = NULL;
        isal_reset_fn = NULL;
        isal_inflate_fn = NULL;
        dlclose(handle);
    }
}

int dwell_isal_available(void) {
    pthread_once(&load_once, load);
    return loaded_name != NULL;
}

const char *dwell_isal_library(void) { return dwell_isal_available() ? loaded_name : NULL; }

dwell_isal_inflater *dwell_isal_create(void) {
    if (!dwell_isal_available()) return NULL;
    /* Zeroed and cache-line aligned: isal_inflate_init sets only what it needs. */
    void *memory = NULL;
    if (posix_memalign(&memory, 64, sizeof(dwell_isal_inflater)) != 0) return NULL;
    memset(memory, 0, sizeof(dwell_isal_inflater));
    dwell_isal_inflater *inflater = memory;
    isal_init_fn(&inflater->state);
    inflater->state.crc_flag = ISAL_GZIP_NO_HDR_VER;
    return inflater;
}

void dwell_isal_destroy(dwell_isal_inflater *inflater) { free(inflater); }

void dwell_isal_reset(dwell_isal_inflater *inflater) {
    isal_reset_fn(&inflater->state);
    inflater->state.crc_flag = ISAL_GZIP_NO_HDR_VER;
}

int dwell_isal_inflate(dwell_isal_inflater *inflater, const uint8_t *in, size_t in_count, uint8_t *out,
                       size_t out_count, size_t *consumed, size_t *produced) {
    struct inflate_state *s = &inflater->state;
    uint32_t in_avail = in_count > UINT32_MAX ? UINT32_MAX : (uint32_t)in_count;
    uint32_t out_avail = out_count > UINT32_MAX ? UINT32_MAX : (uint32_t)out_count;
    s->next_in = (uint8_t *)in;
    s->avail_in = in_avail;
    s->next_out = out;
    s->avail_out = out_avail;
    int rc = isal_inflate_fn(s);
    *consumed = in_avail - s->avail_in;
    *produced = out_avail - s->avail_out;
    if (rc == ISAL_INCORRECT_CHECKSUM) return DWELL_ISAL_BAD_TRAILER;
    if (rc < 0) return rc;
    if (s->block_state == ISAL_BLOCK_FINISH) return DWELL_ISAL_MEMBER_END;
    return DWELL_ISAL_PROGRESS;
}

const char *dwell_isal_error(int code) {
    switch (code) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid back-reference distance";
    case ISAL_INVALID_WRAPPER: return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case DWELL_ISAL_BAD_TRAILER: return "incorrect CRC-32 or length in the gzip trailer";
    case ISAL_NEED_DICT: return "needs a preset dictionary";
    default: return "ISA-L inflate error";
    }
}

#else /* built without ISA-L's header: zlib only */

struct dwell_isal_inflater {
    int unused;
};

int dwell_isal_available(void) { return 0; }
const char *dwell_isal_library(void) { return NULL; }
dwell_isal_inflater *dwell_isal_create(void) { return NULL; }
void dwell_isal_destroy(dwell_isal_inflater *inflater) { (void)inflater; }
void dwell_isal_reset(dwell_isal_inflater *inflater) { (void)inflater; }
int dwell_isal_inflate(dwell_isal_inflater *inflater, const uint8_t *in, size_t in_count, uint8_t *out,
                       size_t out_count, size_t *consumed, size_t *produced) {
    (void)inflater; (void)in; (void)in_count; (void)out; (void)out_count;
    *consumed = 0;
    *produced = 0;
    return -1;
}
const char *dwell_isal_error(int code) { (void)code; return "ISA-L is not available"; }

#endif
