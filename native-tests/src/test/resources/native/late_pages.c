/*
 * late_pages: a program with 8 MiB of read-only data. It reads the last byte of that data,
 * prints "ready" and waits for a line on its standard input; then it has the kernel reclaim
 * that page (MADV_PAGEOUT), reads the byte again and prints it. So the second read takes the
 * page from the program's file once more, through the mapping the program was started with.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define SIZE (8 << 20)

static const unsigned char data[SIZE] = {[0] = 1, [SIZE - 1] = 42};

int main(void) {
    const volatile unsigned char *late = data + SIZE - 1;
    long page = sysconf(_SC_PAGESIZE);
    void *start = (void *) ((uintptr_t) late & ~(uintptr_t) (page - 1));
    char line[16];
    if (*late != 42) {
        return 2;
    }
    printf("ready\n");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin)) {
        return 1;
    }
    if (madvise(start, page, MADV_PAGEOUT) != 0) {
        perror("madvise");
        return 3;
    }
    printf("%d\n", *late);
    return 0;
}
