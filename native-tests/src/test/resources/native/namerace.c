/*
 * namerace: the two sides of a race on a name, for the tests of who may do what through a mount
 * shared by several users. Each mode waits for one line on stdin (so that several processes
 * start together), runs for SECONDS, then prints one line of counts and exits 0.
 *
 *   namerace symlinks SECONDS NAME TARGET...
 *       Makes NAME a symlink to each TARGET in turn and removes it again, forever; NAME is
 *       removed whatever it is (a file someone else created there too). Prints "swaps N".
 *   namerace renames SECONDS FROM TO
 *       rename(FROM, TO) then rename(TO, FROM), forever. Prints "swaps N" (renames that worked).
 *   namerace opens SECONDS PATH FLAGS[,FLAGS...] SECRET
 *       Opens PATH with each FLAGS in turn (as fsops: rdonly|wronly|rdwr|creat|excl|trunc), mode
 *       0644. An open that reads gets up to 4 KiB read, one that writes gets "namerace\n"
 *       written; then it is closed. Prints "opens N ok N EACCES N ENOENT N ... leaks N foreign N
 *       rootowned N": leaks are reads that returned SECRET's bytes, foreign opens got a file
 *       whose owner is not the caller, rootowned ones a file owned by root. Errors are counted
 *       by name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "openflags.h"

#define MAX_FLAGS 8
#define MAX_ERRNO 256

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void await_start(void) {
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL) {
        exit(3);
    }
}

static int symlinks(double seconds, const char *name, char **targets, int count) {
    await_start();
    long swaps = 0;
    double end = now() + seconds;
    for (long i = 0; now() < end; i++) {
        if (symlink(targets[i % count], name) == 0) {
            swaps++;
        }
        unlink(name);
    }
    unlink(name);
    printf("swaps %ld\n", swaps);
    return 0;
}

static int renames(double seconds, const char *from, const char *to) {
    await_start();
    long swaps = 0;
    double end = now() + seconds;
    while (now() < end) {
        if (rename(from, to) == 0) {
            swaps++;
        }
        if (rename(to, from) == 0) {
            swaps++;
        }
    }
    printf("swaps %ld\n", swaps);
    return 0;
}

static int opens(double seconds, const char *path, char *flag_list, const char *secret) {
    int flags[MAX_FLAGS];
    int count = 0;
    for (char *save = NULL, *word = strtok_r(flag_list, ",", &save); word && count < MAX_FLAGS;
         word = strtok_r(NULL, ",", &save)) {
        flags[count] = parse_open_flags(word);
        if (flags[count++] < 0) {
            fprintf(stderr, "namerace: unknown flags %s\n", word);
            exit(2);
        }
    }
    size_t secret_len = strlen(secret);
    long errors[MAX_ERRNO] = {0};
    long tries = 0, ok = 0, leaks = 0, foreign = 0, rootowned = 0;
    char buf[4096];
    uid_t me = geteuid();
    await_start();
    double end = now() + seconds;
    while (now() < end) {
        int f = flags[tries++ % count];
        int fd = open(path, f, 0644);
        if (fd < 0) {
            errors[errno < MAX_ERRNO ? errno : 0]++;
            continue;
        }
        ok++;
        struct stat st;
        if (fstat(fd, &st) == 0) {
            if (st.st_uid != me) {
                foreign++;
            }
            if (st.st_uid == 0) {
                rootowned++;
            }
        }
        if ((f & O_ACCMODE) != O_WRONLY) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n > 0 && secret_len > 0 && (size_t)n >= secret_len && memcmp(buf, secret, secret_len) == 0) {
                leaks++;
            }
        }
        if ((f & O_ACCMODE) != O_RDONLY) {
            if (write(fd, "namerace\n", 9) < 0) {
                errors[errno < MAX_ERRNO ? errno : 0]++;
            }
        }
        close(fd);
    }
    printf("opens %ld ok %ld", tries, ok);
    for (int e = 0; e < MAX_ERRNO; e++) {
        if (errors[e] > 0) {
            const char *name = e == 0 ? "EOTHER" : strerrorname_np(e);
            printf(" %s %ld", name ? name : "EOTHER", errors[e]);
        }
    }
    printf(" leaks %ld foreign %ld rootowned %ld\n", leaks, foreign, rootowned);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 5 && strcmp(argv[1], "symlinks") == 0) {
        return symlinks(atof(argv[2]), argv[3], argv + 4, argc - 4);
    }
    if (argc == 5 && strcmp(argv[1], "renames") == 0) {
        return renames(atof(argv[2]), argv[3], argv[4]);
    }
    if (argc == 6 && strcmp(argv[1], "opens") == 0) {
        return opens(atof(argv[2]), argv[3], argv[4], argv[5]);
    }
    fprintf(stderr, "usage: namerace symlinks SECONDS NAME TARGET... | renames SECONDS FROM TO"
                    " | opens SECONDS PATH FLAGS[,FLAGS...] SECRET\n");
    return 2;
}
