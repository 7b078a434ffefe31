/*
 * versions: writers that keep replacing one file with complete "versions", and readers that
 * check every read is exactly one complete version.
 *
 *   versions write  PATH WRITER ROUNDS MINSIZE MAXSIZE CHUNK
 *       For each round, rewrites PATH with open(O_WRONLY|O_CREAT|O_TRUNC) and write() calls of
 *       CHUNK bytes, so that natively a reader can see the file half written. Prints
 *       "writes N errors N".
 *   versions emit   WRITER ROUND MINSIZE MAXSIZE CHUNK
 *       Writes the version the writer WRITER makes in round ROUND (as "write" does) to standard
 *       output in write() calls of CHUNK bytes, for writers that publish through a shell's
 *       redirection ("versions emit 3 7 ... > PATH"). Exits 1 when a write fails.
 *   versions read   PATH SECONDS STOPFILE
 *       Until STOPFILE exists or SECONDS have passed, opens and reads PATH whole and checks it.
 *       Prints "torn N reads N errors N changes N missing N empty N short N corrupt N":
 *       a missing or empty file counts as torn (once a version exists it must never be
 *       missing or empty); "changes" counts reads that saw a different version than the read
 *       before, the proof that the reader ran while the writers committed.
 *   versions check  PATH
 *       One read: prints "ok id=ID len=LEN" and exits 0 when PATH is one complete version,
 *       else prints why and exits 1.
 *
 * A version is a 46-byte text header "DXFSVER1 id=<16 hex> len=<12 decimal>\n" (len is the
 * whole file's length) and a body generated from the id, so every byte can be checked.
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

#define MAX_FILE (16u << 20)

static size_t version_size(uint64_t id, size_t min, size_t max) {
    uint64_t state = id ^ 0x5DEECE66Dull;
    return min + (size_t)(mix(&state) % (uint64_t)(max - min + 1));
}

/* Reads the whole file; returns its length, or -1 with errno set. */
static ssize_t read_whole(int fd, unsigned char *buf, size_t cap) {
    size_t got = 0;
    for (;;) {
        if (got == cap) {
            return (ssize_t)got; /* longer than any version: the check calls it corrupt */
        }
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (n == 0) {
            return (ssize_t)got;
        }
        got += (size_t)n;
    }
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_mode(const char *path, unsigned writer, int rounds, size_t min, size_t max, size_t chunk) {
    unsigned char *buf = malloc(max);
    if (!buf || min < HEADER_LEN || max < min || max > MAX_FILE || chunk == 0) {
        fprintf(stderr, "versions: bad sizes\n");
        return 2;
    }
    long writes = 0, errors = 0;
    for (int round = 0; round < rounds; round++) {
        uint64_t id = ((uint64_t)writer << 32) | (uint64_t)(round + 1);
        size_t len = version_size(id, min, max);
        make_version(buf, id, len);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) {
            fprintf(stderr, "versions: writer %u round %d: open: %s\n", writer, round, strerror(errno));
            errors++;
            continue;
        }
        int failed = 0;
        for (size_t off = 0; off < len && !failed;) {
            size_t want = len - off < chunk ? len - off : chunk;
            ssize_t n = write(fd, buf + off, want);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                fprintf(stderr, "versions: writer %u round %d: write at %zu: %s\n", writer, round, off,
                        n < 0 ? strerror(errno) : "wrote nothing");
                failed = 1;
                break;
            }
            off += (size_t)n;
        }
        if (close(fd) != 0) {
            fprintf(stderr, "versions: writer %u round %d: close: %s\n", writer, round, strerror(errno));
            failed = 1;
        }
        if (failed) {
            errors++;
        } else {
            writes++;
        }
    }
    printf("writes %ld errors %ld\n", writes, errors);
    free(buf);
    return 0;
}

static int emit_mode(unsigned writer, int round, size_t min, size_t max, size_t chunk) {
    unsigned char *buf = malloc(max);
    if (!buf || min < HEADER_LEN || max < min || max > MAX_FILE || chunk == 0 || round < 1) {
        fprintf(stderr, "versions: bad sizes\n");
        return 2;
    }
    uint64_t id = ((uint64_t)writer << 32) | (uint64_t)round;
    size_t len = version_size(id, min, max);
    make_version(buf, id, len);
    for (size_t off = 0; off < len;) {
        size_t want = len - off < chunk ? len - off : chunk;
        ssize_t n = write(STDOUT_FILENO, buf + off, want);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fprintf(stderr, "versions: emit %u round %d: write at %zu: %s\n", writer, round, off,
                    n < 0 ? strerror(errno) : "wrote nothing");
            return 1;
        }
        off += (size_t)n;
    }
    free(buf);
    return 0;
}

static int read_mode(const char *path, double seconds, const char *stopfile) {
    unsigned char *buf = malloc(MAX_FILE + 1);
    unsigned char *scratch = malloc(MAX_FILE + 1);
    if (!buf || !scratch) {
        return 2;
    }
    long reads = 0, errors = 0, changes = 0, missing = 0, empty = 0, shorts = 0, corrupt = 0;
    uint64_t last_id = 0;
    int have_last = 0;
    double deadline = now() + seconds;
    while (now() < deadline && access(stopfile, F_OK) != 0) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            if (errno == ENOENT) {
                reads++;
                missing++;
            } else {
                if (errors < 10) {
                    fprintf(stderr, "versions: reader: open: %s\n", strerror(errno));
                }
                errors++;
            }
            continue;
        }
        ssize_t len = read_whole(fd, buf, MAX_FILE + 1);
        int saved = errno;
        close(fd);
        if (len < 0) {
            if (errors < 10) {
                fprintf(stderr, "versions: reader: read: %s\n", strerror(saved));
            }
            errors++;
            continue;
        }
        reads++;
        uint64_t id = 0;
        switch (check_version(buf, (size_t)len, &id, scratch)) {
        case COMPLETE:
            if (have_last && id != last_id) {
                changes++;
            }
            last_id = id;
            have_last = 1;
            break;
        case EMPTY:
            empty++;
            break;
        case SHORT:
            shorts++;
            break;
        case CORRUPT:
            corrupt++;
            break;
        }
    }
    long torn = missing + empty + shorts + corrupt;
    printf("torn %ld reads %ld errors %ld changes %ld missing %ld empty %ld short %ld corrupt %ld\n",
           torn, reads, errors, changes, missing, empty, shorts, corrupt);
    free(buf);
    free(scratch);
    return 0;
}

static int check_mode(const char *path) {
    unsigned char *buf = malloc(MAX_FILE + 1);
    unsigned char *scratch = malloc(MAX_FILE + 1);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("missing %s\n", strerror(errno));
        return 1;
    }
    ssize_t len = read_whole(fd, buf, MAX_FILE + 1);
    close(fd);
    if (len < 0) {
        printf("error %s\n", strerror(errno));
        return 1;
    }
    uint64_t id = 0;
    static const char *names[] = {"ok", "empty", "short", "corrupt"};
    enum verdict verdict = check_version(buf, (size_t)len, &id, scratch);
    printf("%s id=%llx len=%zd\n", names[verdict], (unsigned long long)id, len);
    return verdict == COMPLETE ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 8 && strcmp(argv[1], "write") == 0) {
        return write_mode(argv[2], (unsigned)strtoul(argv[3], NULL, 10), atoi(argv[4]),
                          strtoul(argv[5], NULL, 10), strtoul(argv[6], NULL, 10), strtoul(argv[7], NULL, 10));
    }
    if (argc == 7 && strcmp(argv[1], "emit") == 0) {
        return emit_mode((unsigned)strtoul(argv[2], NULL, 10), atoi(argv[3]), strtoul(argv[4], NULL, 10),
                         strtoul(argv[5], NULL, 10), strtoul(argv[6], NULL, 10));
    }
    if (argc == 5 && strcmp(argv[1], "read") == 0) {
        return read_mode(argv[2], atof(argv[3]), argv[4]);
    }
    if (argc == 3 && strcmp(argv[1], "check") == 0) {
        return check_mode(argv[2]);
    }
    fprintf(stderr,
            "usage: versions write PATH WRITER ROUNDS MINSIZE MAXSIZE CHUNK\n"
            "       versions emit WRITER ROUND MINSIZE MAXSIZE CHUNK\n"
            "       versions read PATH SECONDS STOPFILE\n"
            "       versions check PATH\n");
    return 2;
}
