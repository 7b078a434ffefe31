/*
 * A program that says which version it is when it starts and again when it ends, so a test can
 * tell which file an exec ran and that a process kept its own file to the end.
 *
 * The version lives in one marker string that the tests patch in a copy of the binary (same
 * length), so many distinct executables come from one compile.
 *
 * Usage: exec_version [MILLIS | wait]
 *   MILLIS: pause that long between the two lines (default 0)
 *   wait:   pause until standard input reaches end of file, so a test decides how long the
 *           process runs without relying on timing
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Read through a volatile pointer so the compiler cannot fold the text into the format strings. */
static const char marker[] = "DXFS-VERSION:v0000000000";
static const char *volatile version = marker + 13;

int main(int argc, char **argv) {
    printf("start %s\n", version);
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        char buffer[256];
        while (read(0, buffer, sizeof buffer) > 0) {
        }
    } else {
        long millis = argc > 1 ? atol(argv[1]) : 0;
        struct timespec pause = {millis / 1000, (millis % 1000) * 1000000L};
        while (nanosleep(&pause, &pause) != 0) {
        }
    }
    printf("end %s\n", version);
    return 0;
}
