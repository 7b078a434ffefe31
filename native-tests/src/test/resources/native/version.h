/*
 * The version format the torn-read checks share (versions.c, soak.c): a 46-byte header
 * "DXFSVER1 id=<16 hex> len=<12 decimal>\n" (len: the version's length, header included) and a
 * body generated from the id, so any read can tell whether it holds exactly one whole version.
 */
#ifndef DXFS_VERSION_H
#define DXFS_VERSION_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "splitmix.h"

#define HEADER_LEN 46

/* Fills buf with the whole version `id` of `len` bytes. */
static inline void make_version(unsigned char *buf, uint64_t id, size_t len) {
    char header[HEADER_LEN + 1];
    int n = snprintf(header, sizeof header, "DXFSVER1 id=%016llx len=%012llu\n",
                     (unsigned long long)id, (unsigned long long)len);
    if (n != HEADER_LEN) {
        fprintf(stderr, "version header is %d bytes\n", n);
        exit(2);
    }
    memcpy(buf, header, HEADER_LEN);
    uint64_t state = id;
    for (size_t i = HEADER_LEN; i < len; i += 8) {
        uint64_t word = mix(&state);
        memcpy(buf + i, &word, len - i < 8 ? len - i : 8);
    }
}

enum verdict { COMPLETE, EMPTY, SHORT, CORRUPT };

/* Checks that buf[0..len) is exactly one complete version; sets *id when the header parses. */
static inline enum verdict check_version(const unsigned char *buf, size_t len, uint64_t *id,
                                         unsigned char *scratch) {
    if (len == 0) {
        return EMPTY;
    }
    if (len < HEADER_LEN) {
        return SHORT;
    }
    char header[HEADER_LEN + 1];
    memcpy(header, buf, HEADER_LEN);
    header[HEADER_LEN] = 0;
    unsigned long long parsed_id, parsed_len;
    if (memcmp(header, "DXFSVER1 id=", 12) != 0
            || sscanf(header, "DXFSVER1 id=%16llx len=%12llu\n", &parsed_id, &parsed_len) != 2
            || header[HEADER_LEN - 1] != '\n') {
        return CORRUPT;
    }
    *id = parsed_id;
    if (parsed_len != len) {
        return parsed_len > len ? SHORT : CORRUPT;
    }
    make_version(scratch, parsed_id, len);
    return memcmp(scratch, buf, len) == 0 ? COMPLETE : CORRUPT;
}

#endif
