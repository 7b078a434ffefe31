/*
 * dupwrite: a writer that replaces a file the way a shell's "cmd > f" does, with the
 * descriptor moved before anything is written: each round opens PATH with
 * open(O_WRONLY|O_CREAT|O_TRUNC), dup2s it onto another descriptor, closes the original,
 * pauses, then writes one complete version (version.h) through the copy and closes it.
 *
 *   dupwrite PATH WRITER ROUNDS SIZE PAUSE_MICROS
 *       Version ids are unique per writer and round. Prints "writes N errors N".
 *
 * Natively a reader sees the file empty for the pause (and short while it is written); through
 * dxfs a reader must only ever see whole versions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "version.h"

#define COPY_FD 100

static void pause_micros(long micros) {
    struct timespec pause = {micros / 1000000, (micros % 1000000) * 1000L};
    while (nanosleep(&pause, &pause) != 0) {
    }
}

static int write_all(int fd, const unsigned char *buf, size_t len) {
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, buf + off, len - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        off += (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: dupwrite PATH WRITER ROUNDS SIZE PAUSE_MICROS\n");
        return 2;
    }
    const char *path = argv[1];
    unsigned writer = (unsigned)strtoul(argv[2], NULL, 10);
    int rounds = atoi(argv[3]);
    size_t size = strtoul(argv[4], NULL, 10);
    long pause = atol(argv[5]);
    unsigned char *buf = malloc(size);
    if (!buf || size < HEADER_LEN) {
        fprintf(stderr, "dupwrite: bad size\n");
        return 2;
    }
    long writes = 0, errors = 0;
    for (int round = 0; round < rounds; round++) {
        uint64_t id = ((uint64_t)writer << 32) | (uint64_t)(round + 1);
        make_version(buf, id, size);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) {
            fprintf(stderr, "dupwrite: writer %u round %d: open: %s\n", writer, round, strerror(errno));
            errors++;
            continue;
        }
        const char *failed = NULL;
        if (dup2(fd, COPY_FD) < 0) {
            failed = "dup2";
        } else if (close(fd) != 0) {
            failed = "close of the original";
        } else {
            pause_micros(pause);
            if (write_all(COPY_FD, buf, size) != 0) {
                failed = "write";
            }
        }
        if (close(COPY_FD) != 0 && !failed) {
            failed = "close of the copy";
        }
        if (failed) {
            fprintf(stderr, "dupwrite: writer %u round %d: %s: %s\n", writer, round, failed, strerror(errno));
            errors++;
        } else {
            writes++;
        }
    }
    printf("writes %ld errors %ld\n", writes, errors);
    free(buf);
    return 0;
}
