/* Staged-rewrite workload: W processes rewrite the N existing 64 KiB files in DIR (each file by
 * one writer) with open(O_WRONLY|O_TRUNC), write, close; prints files per second.
 * Usage: rewrite DIR N W   (the files are DIR/r000000 ...; "rewrite DIR N 0" creates them) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIZE (64 * 1024)

static char data[SIZE];

static int rewrite(const char *dir, int from, int to, int step, int flags) {
    char path[4096];
    for (int i = from; i < to; i += step) {
        snprintf(path, sizeof path, "%s/r%06d", dir, i);
        int fd = open(path, flags, 0644);
        if (fd < 0 || write(fd, data, SIZE) != SIZE || close(fd) != 0) { perror(path); return 1; }
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: rewrite DIR N W\n");
        return 2;
    }
    const char *dir = argv[1];
    int n = atoi(argv[2]);
    int writers = atoi(argv[3]);
    memset(data, 'r', SIZE);
    if (writers == 0) {
        return rewrite(dir, 0, n, 1, O_WRONLY | O_CREAT | O_TRUNC);
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int w = 0; w < writers; w++) {
        if (fork() == 0) {
            _exit(rewrite(dir, w, n, writers, O_WRONLY | O_TRUNC));
        }
    }
    int failed = 0, status;
    while (wait(&status) > 0) {
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (failed) return 1;
    printf("files %.0f\n", n / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9));
    return 0;
}
