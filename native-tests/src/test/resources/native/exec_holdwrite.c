/*
 * A writer that stops in the middle of rewriting a file: opens TARGET for writing with O_TRUNC
 * (as cp and std::fs::copy do), writes the first PARTIAL bytes of SOURCE, says "ready", and
 * holds the file open until its standard input reaches end of file; then writes the rest,
 * closes, and says "closed".
 *
 * Usage: exec_holdwrite TARGET SOURCE PARTIAL
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t written = write(fd, data, length);
        if (written < 0) {
            fprintf(stderr, "write: %s\n", strerror(errno));
            exit(1);
        }
        data += written;
        length -= (size_t) written;
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: exec_holdwrite TARGET SOURCE PARTIAL\n");
        return 2;
    }
    int in = open(argv[2], O_RDONLY);
    struct stat st;
    if (in < 0 || fstat(in, &st) != 0) {
        fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    char *data = malloc((size_t) st.st_size);
    if (data == NULL || read(in, data, (size_t) st.st_size) != st.st_size) {
        fprintf(stderr, "cannot read %s\n", argv[2]);
        return 1;
    }
    size_t partial = (size_t) atol(argv[3]);
    if (partial > (size_t) st.st_size) {
        partial = (size_t) st.st_size;
    }
    int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (out < 0) {
        fprintf(stderr, "open %s: %s (errno %d)\n", argv[1], strerror(errno), errno);
        return 1;
    }
    write_all(out, data, partial);
    printf("ready\n");
    fflush(stdout);
    char buffer[256];
    while (read(0, buffer, sizeof buffer) > 0) {
    }
    write_all(out, data + partial, (size_t) st.st_size - partial);
    if (close(out) != 0) {
        fprintf(stderr, "close %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    printf("closed\n");
    return 0;
}
