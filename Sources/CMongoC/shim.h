#ifndef PARLEY_CMONGOC_SHIM_H
#define PARLEY_CMONGOC_SHIM_H
#include <stdlib.h>
#include <string.h>
#include <mongoc/mongoc.h>
#include <bson/bson.h>

/* bson_t and bson_iter_t are declared 128-byte aligned, which Swift cannot import: it sees them as opaque
   and cannot allocate them. These helpers allocate them on the heap with that alignment. */

static inline bson_iter_t *parley_bson_iter_new(void) {
    bson_iter_t *iter = aligned_alloc(128, sizeof(bson_iter_t));
    if (iter) memset(iter, 0, sizeof(bson_iter_t));
    return iter;
}

static inline void parley_bson_iter_free(bson_iter_t *iter) { free(iter); }

/* An empty document for libmongoc to (re)initialize as a reply; free with parley_bson_reply_free. */
static inline bson_t *parley_bson_reply_new(void) {
    bson_t *reply = aligned_alloc(128, sizeof(bson_t));
    if (reply) bson_init(reply);
    return reply;
}

static inline void parley_bson_reply_free(bson_t *reply) {
    if (reply) {
        bson_destroy(reply);
        free(reply);
    }
}
#endif
