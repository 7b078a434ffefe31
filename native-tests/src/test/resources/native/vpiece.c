/*
 * vpiece: prints a version (version.h) or a piece of one on standard output, so that shell
 * commands can write whole versions in parts: "( vpiece 7 65536 0 1000; vpiece 7 65536 1000 65536 ) > f".
 *
 *   vpiece ID SIZE [FROM TO [PAUSE_MICROS]]
 *       Writes bytes FROM..TO (default: all) of version ID, SIZE bytes long, after a pause
 *       (default none), with one write(2) call.
 *   vpiece --printf ID SIZE
 *       Writes the whole version as a printf(1) format, every byte a \ooo escape, so that a
 *       shell's printf builtin can write a binary version itself: printf "$(vpiece --printf 7 4096)" > f
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "version.h"

static int write_all(const unsigned char *buf, size_t len) {
    for (size_t off = 0; off < len;) {
        ssize_t n = write(1, buf + off, len - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fprintf(stderr, "vpiece: write: %s\n", n < 0 ? strerror(errno) : "wrote nothing");
            return 1;
        }
        off += (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv) {
    int escaped = argc == 4 && strcmp(argv[1], "--printf") == 0;
    if (!escaped && argc != 3 && argc != 5 && argc != 6) {
        fprintf(stderr, "usage: vpiece ID SIZE [FROM TO [PAUSE_MICROS]]\n       vpiece --printf ID SIZE\n");
        return 2;
    }
    char **args = escaped ? argv + 2 : argv + 1;
    uint64_t id = strtoull(args[0], NULL, 0);
    size_t size = strtoul(args[1], NULL, 10);
    unsigned char *version = malloc(size);
    if (!version || size < HEADER_LEN) {
        fprintf(stderr, "vpiece: bad size\n");
        return 2;
    }
    make_version(version, id, size);
    if (escaped) {
        unsigned char *text = malloc(4 * size);
        if (!text) {
            return 2;
        }
        for (size_t i = 0; i < size; i++) {
            text[4 * i] = '\\';
            text[4 * i + 1] = (unsigned char)('0' + (version[i] >> 6));
            text[4 * i + 2] = (unsigned char)('0' + ((version[i] >> 3) & 7));
            text[4 * i + 3] = (unsigned char)('0' + (version[i] & 7));
        }
        return write_all(text, 4 * size);
    }
    size_t from = argc >= 5 ? strtoul(argv[3], NULL, 10) : 0;
    size_t to = argc >= 5 ? strtoul(argv[4], NULL, 10) : size;
    long pause = argc == 6 ? atol(argv[5]) : 0;
    if (from > to || to > size) {
        fprintf(stderr, "vpiece: bad range %zu..%zu of %zu bytes\n", from, to, size);
        return 2;
    }
    struct timespec wait = {pause / 1000000, (pause % 1000000) * 1000L};
    while (nanosleep(&wait, &wait) != 0) {
    }
    return write_all(version + from, to - from);
}
