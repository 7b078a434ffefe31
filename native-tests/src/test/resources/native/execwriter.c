/*
 * execwriter: a writer whose exec closes its file.
 *
 *   execwriter FILE TEXT
 *       Opens FILE for writing (O_TRUNC, O_CLOEXEC), writes TEXT and execs /bin/true: the kernel
 *       closes the file in the exec, on some kernels with the process's exec lock held
 *       (exec_update_lock), which a read of /proc/PID/stat then waits for.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: execwriter FILE TEXT\n");
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_TRUNC | O_CLOEXEC);
    size_t length = strlen(argv[2]);
    if (fd < 0 || write(fd, argv[2], length) != (ssize_t)length) {
        perror("execwriter: open or write");
        return 1;
    }
    execl("/bin/true", "true", (char *)NULL);
    perror("execwriter: exec");
    return 1;
}
