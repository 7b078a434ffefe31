/* Exec latency: spawns PROGRAM (stored in the filesystem under test) N times, one after the
 * other, waiting for each; prints executions per second. Usage: spawn PROGRAM N */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: spawn PROGRAM N\n");
        return 2;
    }
    int n = atoi(argv[2]);
    char *args[] = {argv[1], NULL};
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        pid_t pid;
        int status;
        if (posix_spawn(&pid, argv[1], NULL, NULL, args, environ) != 0 || waitpid(pid, &status, 0) < 0
                || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            perror(argv[1]);
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("execs %.0f\n", n / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9));
    return 0;
}
