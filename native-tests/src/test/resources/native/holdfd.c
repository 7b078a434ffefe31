/*
 * holdfd: keeps a copy of another process's /dev/fuse descriptor, so that the FUSE connection
 * outlives that process: a daemon killed while another process holds its device descriptor
 * leaves a mount whose requests wait forever instead of failing with ENOTCONN.
 *
 *   holdfd PID
 *       Copies PID's first /dev/fuse descriptor (pidfd_getfd(2); needs the right to ptrace PID),
 *       prints "held" once it has it, then sleeps until it is killed. Exits 1 when PID has none.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: holdfd PID\n");
        return 2;
    }
    int pid = atoi(argv[1]);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        fprintf(stderr, "holdfd: pidfd_open %d: %s\n", pid, strerror(errno));
        return 1;
    }
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", pid);
    DIR *fds = opendir(dir);
    if (!fds) {
        fprintf(stderr, "holdfd: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    int held = -1;
    for (struct dirent *entry = readdir(fds); entry && held < 0; entry = readdir(fds)) {
        char link[384], target[256];
        snprintf(link, sizeof link, "%s/%s", dir, entry->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0) {
            continue;
        }
        target[n] = 0;
        if (strcmp(target, "/dev/fuse") == 0) {
            held = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(entry->d_name), 0);
            if (held < 0) {
                fprintf(stderr, "holdfd: pidfd_getfd: %s\n", strerror(errno));
                return 1;
            }
        }
    }
    closedir(fds);
    if (held < 0) {
        fprintf(stderr, "holdfd: process %d has no /dev/fuse descriptor\n", pid);
        return 1;
    }
    printf("held\n");
    fflush(stdout);
    for (;;) {
        pause();
    }
}
