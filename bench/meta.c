/* Metadata workload: one phase over N small files spread over 100 directories below DIR, each
 * phase a run of its own so that the daemon's CPU time can be told apart: "create" makes the
 * directories and creates the files (1 byte each), "stat" stats them, "unlink" removes them.
 * Prints the phase's rate in files per second. Usage: meta DIR N create|stat|unlink */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DIRS 100

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int create(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    return fd < 0 || write(fd, "x", 1) != 1 || close(fd) != 0 ? -1 : 0;
}

static int stat_one(const char *path) {
    struct stat st;
    return stat(path, &st);
}

int main(int argc, char **argv) {
    int (*phase)(const char *) = NULL;
    if (argc == 4) {
        phase = !strcmp(argv[3], "create") ? create : !strcmp(argv[3], "stat") ? stat_one
              : !strcmp(argv[3], "unlink") ? unlink : NULL;
    }
    if (!phase) {
        fprintf(stderr, "usage: meta DIR N create|stat|unlink\n");
        return 2;
    }
    const char *dir = argv[1];
    int n = atoi(argv[2]);
    char path[4096];
    if (phase == create) {
        for (int d = 0; d < DIRS; d++) {
            snprintf(path, sizeof path, "%s/d%02d", dir, d);
            if (mkdir(path, 0755) != 0) { perror(path); return 1; }
        }
    }
    double start = now();
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/d%02d/f%06d", dir, i % DIRS, i);
        if (phase(path) != 0) { perror(path); return 1; }
    }
    printf("%s %.0f\n", argv[3], n / (now() - start));
    return 0;
}
