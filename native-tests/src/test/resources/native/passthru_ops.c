/*
 * System calls that the shell's tools do not expose in a comparable form, one per subcommand.
 * Every subcommand prints its result, or "<call>: <strerror>" and exits 1.
 *
 *   passthru_ops utimens PATH ATIME MTIME [nofollow]   ATIME/MTIME: now | omit | SEC.NSEC
 *   passthru_ops times PATH [nofollow]                 prints "atime SEC.NSEC mtime SEC.NSEC"
 *   passthru_ops setxattr PATH NAME VALUE [create|replace]
 *   passthru_ops getxattr PATH NAME
 *   passthru_ops listxattr PATH                        the names, sorted, one a line
 *   passthru_ops removexattr PATH NAME
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static int failed(const char *call) {
    printf("%s: %s\n", call, strerror(errno));
    return 1;
}

static struct timespec parse_time(const char *spec) {
    struct timespec ts = {0, 0};
    if (strcmp(spec, "now") == 0) {
        ts.tv_nsec = UTIME_NOW;
    } else if (strcmp(spec, "omit") == 0) {
        ts.tv_nsec = UTIME_OMIT;
    } else {
        char *dot;
        ts.tv_sec = strtol(spec, &dot, 10);
        if (*dot == '.') {
            /* A decimal fraction: ".75" is 750000000 ns. */
            long scale = 100000000;
            for (const char *digit = dot + 1; *digit >= '0' && *digit <= '9' && scale > 0; digit++) {
                ts.tv_nsec += (*digit - '0') * scale;
                scale /= 10;
            }
        }
    }
    return ts;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: passthru_ops SUBCOMMAND PATH ...\n");
        return 2;
    }
    const char *cmd = argv[1];
    const char *path = argv[2];
    if (strcmp(cmd, "utimens") == 0 && argc >= 5) {
        struct timespec times[2] = {parse_time(argv[3]), parse_time(argv[4])};
        int flags = argc > 5 && strcmp(argv[5], "nofollow") == 0 ? AT_SYMLINK_NOFOLLOW : 0;
        if (utimensat(AT_FDCWD, path, times, flags) != 0) {
            return failed("utimensat");
        }
        printf("ok\n");
        return 0;
    }
    if (strcmp(cmd, "times") == 0) {
        struct stat st;
        int flags = argc > 3 && strcmp(argv[3], "nofollow") == 0 ? AT_SYMLINK_NOFOLLOW : 0;
        if (fstatat(AT_FDCWD, path, &st, flags) != 0) {
            return failed("stat");
        }
        printf("atime %ld.%09ld mtime %ld.%09ld\n", (long) st.st_atim.tv_sec, st.st_atim.tv_nsec,
                (long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        return 0;
    }
    if (strcmp(cmd, "setxattr") == 0 && argc >= 5) {
        int flags = 0;
        if (argc > 5) {
            flags = strcmp(argv[5], "create") == 0 ? XATTR_CREATE : XATTR_REPLACE;
        }
        if (setxattr(path, argv[3], argv[4], strlen(argv[4]), flags) != 0) {
            return failed("setxattr");
        }
        printf("ok\n");
        return 0;
    }
    if (strcmp(cmd, "getxattr") == 0 && argc >= 4) {
        ssize_t size = getxattr(path, argv[3], NULL, 0);
        if (size < 0) {
            return failed("getxattr");
        }
        char *value = malloc((size_t) size + 1);
        size = getxattr(path, argv[3], value, (size_t) size);
        if (size < 0) {
            return failed("getxattr");
        }
        value[size] = 0;
        printf("%s=%s (%zd bytes)\n", argv[3], value, size);
        return 0;
    }
    if (strcmp(cmd, "listxattr") == 0) {
        ssize_t size = listxattr(path, NULL, 0);
        if (size < 0) {
            return failed("listxattr");
        }
        char *list = malloc((size_t) size + 1);
        size = listxattr(path, list, (size_t) size);
        if (size < 0) {
            return failed("listxattr");
        }
        char *names[1024];
        int count = 0;
        for (char *name = list; name < list + size && count < 1024; name += strlen(name) + 1) {
            names[count++] = name;
        }
        qsort(names, (size_t) count, sizeof names[0], compare_names);
        for (int i = 0; i < count; i++) {
            printf("%s\n", names[i]);
        }
        printf("(%d names)\n", count);
        return 0;
    }
    if (strcmp(cmd, "removexattr") == 0 && argc >= 4) {
        if (removexattr(path, argv[3]) != 0) {
            return failed("removexattr");
        }
        printf("ok\n");
        return 0;
    }
    fprintf(stderr, "unknown subcommand or missing arguments: %s\n", cmd);
    return 2;
}
