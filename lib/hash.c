/* The keyed hash of the tables that hold names read from the input. */
#include <sodium.h>
#include <stdlib.h>
#include <threads.h>

#include "internal.h"

static unsigned char hash_key[crypto_shorthash_KEYBYTES];
static once_flag hash_key_once = ONCE_FLAG_INIT;

static void
draw_hash_key(void) {
    /* libsodium draws from getrandom(), else /dev/urandom; it aborts the
     * process when the system has neither, as it does for its own keys. */
    if (sodium_init() < 0) {
        abort();
    }
    crypto_shorthash_keygen(hash_key);
}

uint64_t
rill__hash(const void *p, size_t n) {
    call_once(&hash_key_once, draw_hash_key);
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, p, n, hash_key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return h;
}
