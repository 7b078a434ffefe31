/*
 * dumpingwriter: a writer whose process is killed while another of its threads dumps core.
 *
 *   dumpingwriter FILE
 *       A second thread opens FILE for writing (O_TRUNC), writes "half of a " and waits with
 *       the file open; then the first thread aborts (SIGABRT), with core dumps allowed, so that
 *       the kernel dumps core in the working directory while it kills the writing thread. The
 *       file is closed by the kernel, in the exit of the process's last thread.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char *path;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t written = PTHREAD_COND_INITIALIZER;
static int ready;

static void *writer(void *unused) {
    (void)unused;
    int fd = open(path, O_WRONLY | O_TRUNC);
    if (fd < 0 || write(fd, "half of a ", 10) != 10) {
        perror("dumpingwriter: open or write");
        exit(1);
    }
    pthread_mutex_lock(&lock);
    ready = 1;
    pthread_cond_signal(&written);
    pthread_mutex_unlock(&lock);
    for (;;) {
        pause();
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: dumpingwriter FILE\n");
        return 2;
    }
    path = argv[1];
    struct rlimit core = {RLIM_INFINITY, RLIM_INFINITY};
    if (setrlimit(RLIMIT_CORE, &core) != 0) {
        perror("dumpingwriter: setrlimit");
        return 1;
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, writer, NULL) != 0) {
        fprintf(stderr, "dumpingwriter: pthread_create failed\n");
        return 1;
    }
    pthread_mutex_lock(&lock);
    while (!ready) {
        pthread_cond_wait(&written, &lock);
    }
    pthread_mutex_unlock(&lock);
    abort();
}
