/*
 * soak: writers that keep replacing files among a set of paths with complete versions, and
 * readers that read every file whole and run the executable ones, checking each read and each
 * run. The last EXECS of the PATHS files ("p00", "p01", ...) are executables: a copy of this
 * program followed by a version, so running one shows whether its bytes are whole.
 *
 *   soak populate DIR PATHS EXECS                   writes version 1 of every path
 *   soak write    DIR PATHS EXECS WRITER SECONDS    prints "writes N errors N"
 *   soak read     DIR PATHS EXECS READER SECONDS    prints "reads N execs N torn N errors N changes N"
 *   soak run                                        what an executable path runs: exits 0
 *
 * A writer rewrites a random path with open(O_WRONLY|O_CREAT|O_TRUNC) and 4 KiB write() calls
 * (natively a reader sees it half written). A reader picks a random path and reads it whole, or
 * for an executable path, half the time forks and execs it and expects exit status 0. "torn"
 * counts reads that are not one complete version and runs that fail (ENOEXEC, a crash, a
 * missing file); "errors" counts failed calls, ETXTBSY among them; "changes" counts reads that
 * saw another version of the path than that reader's read before, the proof that readers ran
 * while writers published.
 *
 * A version is as in version.h. An executable is this program's bytes, then a version.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "version.h"

#define CHUNK 4096
#define MAX_PATHS 64
#define MIN_DATA 4096
#define MAX_DATA (256 << 10)
#define MAX_TRAILER (64 << 10)

static unsigned char *program;
static size_t program_len;

static void path_of(const char *dir, int index, char *out) {
    snprintf(out, 4096, "%s/p%02d", dir, index);
}

static int is_exec(int index, int paths, int execs) {
    return index >= paths - execs;
}

/* Fills buf with a whole file for path index: a version, after this program for an executable. */
static size_t make_file(unsigned char *buf, int index, int paths, int execs, uint64_t id) {
    uint64_t state = id;
    if (is_exec(index, paths, execs)) {
        size_t len = HEADER_LEN + (size_t)(mix(&state) % MAX_TRAILER);
        memcpy(buf, program, program_len);
        make_version(buf + program_len, id, len);
        return program_len + len;
    }
    size_t len = MIN_DATA + (size_t)(mix(&state) % (MAX_DATA - MIN_DATA));
    make_version(buf, id, len);
    return len;
}

static int write_file(const char *path, const unsigned char *buf, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -1;
    }
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, buf + off, len - off < CHUNK ? len - off : CHUNK);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int saved = errno;
            close(fd);
            errno = n == 0 ? EIO : saved;
            return -1;
        }
        off += (size_t)n;
    }
    return close(fd);
}

/* Reads a whole file; returns its length, or -1 with errno set. */
static ssize_t read_file(const char *path, unsigned char *buf, size_t cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        if (n == 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    return (ssize_t)got;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This program's bytes, the head of every executable path (it runs from its build output, never from a copy). */
static void load_program(void) {
    program = malloc(4 << 20);
    ssize_t n = read_file("/proc/self/exe", program, 4 << 20);
    if (n <= 0) {
        perror("soak: reading /proc/self/exe");
        exit(2);
    }
    program_len = (size_t)n;
}

static int populate(const char *dir, int paths, int execs) {
    unsigned char *buf = malloc(MAX_DATA + (4 << 20));
    for (int i = 0; i < paths; i++) {
        char path[4096];
        path_of(dir, i, path);
        if (write_file(path, buf, make_file(buf, i, paths, execs, ((uint64_t)i << 40) | 1)) != 0
                || chmod(path, is_exec(i, paths, execs) ? 0755 : 0644) != 0) {
            perror(path);
            return 1;
        }
    }
    printf("populated %d\n", paths);
    return 0;
}

static int writer(const char *dir, int paths, int execs, unsigned id, double seconds) {
    unsigned char *buf = malloc(MAX_DATA + (4 << 20));
    uint64_t state = id * 7919ull;
    long writes = 0, errors = 0;
    double deadline = now() + seconds;
    for (uint64_t round = 1; now() < deadline; round++) {
        int index = (int)(mix(&state) % (uint64_t)paths);
        char path[4096];
        path_of(dir, index, path);
        size_t len = make_file(buf, index, paths, execs, ((uint64_t)id << 48) | ((uint64_t)index << 40) | round);
        if (write_file(path, buf, len) != 0) {
            if (errors++ < 10) {
                fprintf(stderr, "soak: writer %u: %s: %s\n", id, path, strerror(errno));
            }
        } else {
            writes++;
        }
    }
    printf("writes %ld errors %ld\n", writes, errors);
    return 0;
}

/* Runs an executable path; returns 0 when it started and exited 0. */
static int run_exec(const char *path) {
    pid_t child = fork();
    if (child == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl(path, path, "run", (char *)NULL);
        fprintf(stderr, "soak: exec %s: %s\n", path, strerror(errno));
        _exit(errno == ETXTBSY ? 120 : 121);
    }
    int status;
    if (child < 0 || waitpid(child, &status, 0) != child) {
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int reader(const char *dir, int paths, int execs, unsigned id, double seconds) {
    size_t cap = MAX_DATA + (4 << 20);
    unsigned char *buf = malloc(cap), *scratch = malloc(cap);
    uint64_t last[MAX_PATHS] = {0};
    uint64_t state = id * 104729ull + 1;
    long reads = 0, runs = 0, torn = 0, errors = 0, changes = 0;
    double deadline = now() + seconds;
    while (now() < deadline) {
        int index = (int)(mix(&state) % (uint64_t)paths);
        char path[4096];
        path_of(dir, index, path);
        int exec = is_exec(index, paths, execs);
        if (exec && (mix(&state) & 1)) {
            runs++;
            int result = run_exec(path);
            if (result != 0) {
                if (torn + errors < 10) {
                    fprintf(stderr, "soak: reader %u: running %s failed\n", id, path);
                }
                if (result < 0) errors++; else torn++;
            }
            continue;
        }
        ssize_t len = read_file(path, buf, cap);
        if (len < 0) {
            if (errors++ < 10) {
                fprintf(stderr, "soak: reader %u: %s: %s\n", id, path, strerror(errno));
            }
            continue;
        }
        reads++;
        size_t skip = exec ? program_len : 0;
        uint64_t version = 0;
        if ((size_t)len < skip || memcmp(buf, program, skip) != 0
                || check_version(buf + skip, (size_t)len - skip, &version, scratch) != COMPLETE) {
            if (torn++ < 10) {
                fprintf(stderr, "soak: reader %u: %s: torn read of %zd bytes\n", id, path, len);
            }
            continue;
        }
        changes += last[index] != 0 && last[index] != version;
        last[index] = version;
    }
    printf("reads %ld execs %ld torn %ld errors %ld changes %ld\n", reads, runs, torn, errors, changes);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "run") == 0) {
        return 0;
    }
    load_program();
    int paths = argc > 3 ? atoi(argv[3]) : 0;
    int execs = argc > 4 ? atoi(argv[4]) : 0;
    if (paths < 1 || paths > MAX_PATHS || execs < 0 || execs > paths) {
        fprintf(stderr, "usage: soak populate|write|read DIR PATHS EXECS [ID SECONDS] | soak run\n");
        return 2;
    }
    if (argc == 5 && strcmp(argv[1], "populate") == 0) {
        return populate(argv[2], paths, execs);
    }
    if (argc == 7 && strcmp(argv[1], "write") == 0) {
        return writer(argv[2], paths, execs, (unsigned)atoi(argv[5]), atof(argv[6]));
    }
    if (argc == 7 && strcmp(argv[1], "read") == 0) {
        return reader(argv[2], paths, execs, (unsigned)atoi(argv[5]), atof(argv[6]));
    }
    fprintf(stderr, "soak: unknown command\n");
    return 2;
}
