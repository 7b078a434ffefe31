/* Metadata workload: create, stat and unlink N small files spread over 100 directories below
 * DIR; prints the rate of each phase. Usage: meta DIR N */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DIRS 100

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void name(char *out, size_t size, const char *dir, int i) {
    snprintf(out, size, "%s/d%02d/f%06d", dir, i % DIRS, i);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: meta DIR N\n");
        return 2;
    }
    const char *dir = argv[1];
    int n = atoi(argv[2]);
    char path[4096];
    for (int d = 0; d < DIRS; d++) {
        snprintf(path, sizeof path, "%s/d%02d", dir, d);
        if (mkdir(path, 0755) != 0) { perror(path); return 1; }
    }
    double start = now();
    for (int i = 0; i < n; i++) {
        name(path, sizeof path, dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) != 0) { perror(path); return 1; }
    }
    double created = now();
    struct stat st;
    for (int i = 0; i < n; i++) {
        name(path, sizeof path, dir, i);
        if (stat(path, &st) != 0) { perror(path); return 1; }
    }
    double statted = now();
    for (int i = 0; i < n; i++) {
        name(path, sizeof path, dir, i);
        if (unlink(path) != 0) { perror(path); return 1; }
    }
    double unlinked = now();
    printf("create %.0f\nstat %.0f\nunlink %.0f\n", n / (created - start), n / (statted - created),
           n / (unlinked - statted));
    return 0;
}
