/*
 * fsops: file system calls driven one at a time, so that a test can hold descriptors open in
 * this process while other processes look at the same files.
 *
 *   fsops shell
 *       Reads one command a line on stdin and answers one line on stdout (flushed), so the test
 *       knows the call has returned before it goes on. Data travels as hex. Commands:
 *         open PATH FLAGS [MODE]   FLAGS: '|'-separated rdonly wronly rdwr creat excl trunc append
 *                                  tmpfile (PATH is then the directory) -> "fd N"
 *         write FD HEX             -> "wrote N"
 *         pwrite FD OFFSET HEX     -> "wrote N"
 *         read FD COUNT            -> "data N HEX"  (one read(2) call)
 *         pread FD OFFSET COUNT    -> "data N HEX"
 *         readall FD               -> "data N HEX"  (read(2) until end of file)
 *         fstat FD / stat PATH     -> "stat size=N mode=OCTAL ino=N nlink=N"
 *         fstatx FD / statx PATH   -> "statx size=N mode=OCTAL ino=N nlink=N btime=SEC.NSEC"  (statx(2)
 *                                  asking the basic stats and the birth time; btime=- without one)
 *         dup FD                   -> "fd N"
 *         close FD / unlink PATH   -> "ok"
 *         link FD PATH proc|empty  -> "ok"  (linkat of the open file: of /proc/self/fd/FD with
 *                                  AT_SYMLINK_FOLLOW, or of FD itself with AT_EMPTY_PATH)
 *         rename2 OLD NEW FLAGS    -> "ok"  (renameat2; FLAGS: '|'-separated noreplace exchange
 *                                  whiteout, or 0)
 *         umask OCTAL              -> "ok"
 *         fchmod FD OCTAL / fchown FD UID GID -> "ok"
 *         futimens FD MTIME        -> "ok"  (MTIME in seconds; the access time is left alone)
 *         lstat PATH               -> "lstat type=T rdev=MAJOR,MINOR"  (T: f d l c b p s)
 *         ftruncate FD LEN / truncate PATH LEN -> "ok"
 *         fallocate FD MODES OFFSET LEN -> "ok"  (MODES: '|'-separated keep punch zero collapse
 *                                  insert, or 0)
 *         copyrange FDIN OFFIN FDOUT OFFOUT LEN -> "copied N"  (one copy_file_range(2) call)
 *         seek FD data|hole OFFSET -> "at N"  (lseek with SEEK_DATA or SEEK_HOLE)
 *         blocks FD                -> "blocks N"  (st_blocks: 512-byte units allocated)
 *         map FD LEN rw|r          -> "map N"  (mmap MAP_SHARED of [0, LEN), N names the mapping)
 *         mapread N OFFSET COUNT   -> "data N HEX"
 *         mapwrite N OFFSET HEX    -> "ok"
 *         msync N / unmap N        -> "ok"  (msync with MS_SYNC)
 *         quit
 *       A failed call answers "err ENAME description".
 *   fsops append PATH TAG LINES
 *       Opens PATH with O_WRONLY|O_APPEND|O_CREAT and writes "TAG n\n" for n in 0..LINES-1, one
 *       write(2) per line. Prints "appended N errors N".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "openflags.h"

static void fail(void) {
    int saved = errno;
    const char *name = strerrorname_np(saved);
    printf("err %s %s\n", name ? name : "EUNKNOWN", strerror(saved));
}

static unsigned nibble(char c) {
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* Linear in the length: sscanf measures its whole input string at every call. */
static unsigned char *unhex(const char *hex, size_t *len) {
    size_t n = strlen(hex) / 2;
    unsigned char *out = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        out[i] = (unsigned char)(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    }
    *len = n;
    return out;
}

static void print_data(const unsigned char *data, size_t len) {
    printf("data %zu ", len);
    for (size_t i = 0; i < len; i++) {
        printf("%02x", data[i]);
    }
    printf("\n");
}

static void print_stat(const struct stat *st) {
    printf("stat size=%lld mode=%o ino=%llu nlink=%llu\n", (long long)st->st_size,
           (unsigned)(st->st_mode & 07777), (unsigned long long)st->st_ino, (unsigned long long)st->st_nlink);
}

static void print_statx(const struct statx *stx) {
    printf("statx size=%llu mode=%o ino=%llu nlink=%u btime=", (unsigned long long)stx->stx_size,
           (unsigned)(stx->stx_mode & 07777), (unsigned long long)stx->stx_ino, (unsigned)stx->stx_nlink);
    if (stx->stx_mask & STATX_BTIME) {
        printf("%lld.%09u\n", (long long)stx->stx_btime.tv_sec, (unsigned)stx->stx_btime.tv_nsec);
    } else {
        printf("-\n");
    }
}

/* Writes all of data, through write(2) or at offset with pwrite(2) when offset >= 0. */
static ssize_t write_all(int fd, const unsigned char *data, size_t len, off_t offset) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = offset >= 0 ? pwrite(fd, data + done, len - done, offset + (off_t)done)
                                : write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

#define MAPS 16

static struct {
    unsigned char *at;
    size_t len;
} maps[MAPS];

/* The mapping a command names, or NULL (and an answer) when there is none. */
static unsigned char *mapping(const char *text, size_t *len) {
    int n = atoi(text);
    if (n < 0 || n >= MAPS || !maps[n].at) {
        printf("err EINVAL no mapping %s\n", text);
        return NULL;
    }
    *len = maps[n].len;
    return maps[n].at;
}

static int parse_falloc_modes(char *text) {
    int modes = 0;
    for (char *save = NULL, *word = strtok_r(text, "|", &save); word; word = strtok_r(NULL, "|", &save)) {
        modes |= strcmp(word, "keep") == 0 ? FALLOC_FL_KEEP_SIZE
                : strcmp(word, "punch") == 0 ? FALLOC_FL_PUNCH_HOLE
                : strcmp(word, "zero") == 0 ? FALLOC_FL_ZERO_RANGE
                : strcmp(word, "collapse") == 0 ? FALLOC_FL_COLLAPSE_RANGE
                : strcmp(word, "insert") == 0 ? FALLOC_FL_INSERT_RANGE : 0;
    }
    return modes;
}

static char file_type(mode_t mode) {
    return S_ISREG(mode) ? 'f' : S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : S_ISCHR(mode) ? 'c'
            : S_ISBLK(mode) ? 'b' : S_ISFIFO(mode) ? 'p' : 's';
}

/* The commands on files' space and mappings; returns 0 when op is none of them. */
static int space_command(const char *op, char *a, char *b, char *c, char *d, char *e) {
    if (strcmp(op, "lstat") == 0 && a) {
        struct stat st;
        if (lstat(a, &st) != 0) fail();
        else printf("lstat type=%c rdev=%u,%u\n", file_type(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
    } else if (strcmp(op, "ftruncate") == 0 && a && b) {
        if (ftruncate(atoi(a), (off_t)atoll(b)) != 0) fail(); else printf("ok\n");
    } else if (strcmp(op, "truncate") == 0 && a && b) {
        if (truncate(a, (off_t)atoll(b)) != 0) fail(); else printf("ok\n");
    } else if (strcmp(op, "fallocate") == 0 && a && b && c && d) {
        if (fallocate(atoi(a), parse_falloc_modes(b), (off_t)atoll(c), (off_t)atoll(d)) != 0) fail();
        else printf("ok\n");
    } else if (strcmp(op, "seek") == 0 && a && b && c) {
        off_t at = lseek(atoi(a), (off_t)atoll(c), strcmp(b, "hole") == 0 ? SEEK_HOLE : SEEK_DATA);
        if (at < 0) fail(); else printf("at %lld\n", (long long)at);
    } else if (strcmp(op, "blocks") == 0 && a) {
        struct stat st;
        if (fstat(atoi(a), &st) != 0) fail(); else printf("blocks %lld\n", (long long)st.st_blocks);
    } else if (strcmp(op, "copyrange") == 0 && a && b && c && d && e) {
        loff_t in = atoll(b), out = atoll(d);
        ssize_t n = copy_file_range(atoi(a), &in, atoi(c), &out, (size_t)atoll(e), 0);
        if (n < 0) fail(); else printf("copied %zd\n", n);
    } else if (strcmp(op, "map") == 0 && a && b && c) {
        int n = 0;
        while (n < MAPS && maps[n].at) {
            n++;
        }
        size_t len = (size_t)atoll(b);
        int prot = strcmp(c, "rw") == 0 ? PROT_READ | PROT_WRITE : PROT_READ;
        void *at = n == MAPS ? MAP_FAILED : mmap(NULL, len, prot, MAP_SHARED, atoi(a), 0);
        if (at == MAP_FAILED) {
            fail();
        } else {
            maps[n].at = at;
            maps[n].len = len;
            printf("map %d\n", n);
        }
    } else if (strcmp(op, "mapread") == 0 && a && b && c) {
        size_t len;
        unsigned char *at = mapping(a, &len);
        size_t off = (size_t)atoll(b), count = (size_t)atoll(c);
        if (at && off + count > len) printf("err EINVAL beyond the mapping\n");
        else if (at) print_data(at + off, count);
    } else if (strcmp(op, "mapwrite") == 0 && a && b) {
        size_t len, n;
        unsigned char *at = mapping(a, &len);
        unsigned char *data = unhex(c ? c : "", &n);
        size_t off = (size_t)atoll(b);
        if (at && off + n > len) printf("err EINVAL beyond the mapping\n");
        else if (at) {
            memcpy(at + off, data, n);
            printf("ok\n");
        }
        free(data);
    } else if ((strcmp(op, "msync") == 0 || strcmp(op, "unmap") == 0) && a) {
        size_t len;
        unsigned char *at = mapping(a, &len);
        if (!at) {
            return 1;
        }
        if (op[0] == 'm' && msync(at, len, MS_SYNC) != 0) {
            fail();
        } else if (op[0] == 'u' && munmap(at, len) != 0) {
            fail();
        } else {
            if (op[0] == 'u') {
                maps[atoi(a)].at = NULL;
            }
            printf("ok\n");
        }
    } else {
        return 0;
    }
    return 1;
}

static void command(char *line) {
    char *save = NULL;
    char *op = strtok_r(line, " \n", &save);
    char *a = strtok_r(NULL, " \n", &save);
    char *b = strtok_r(NULL, " \n", &save);
    char *c = strtok_r(NULL, " \n", &save);
    char *d = strtok_r(NULL, " \n", &save);
    char *e = strtok_r(NULL, " \n", &save);
    if (!op) {
        printf("err EINVAL empty command\n");
    } else if (strcmp(op, "open") == 0 && a && b) {
        int flags = parse_open_flags(b);
        if (flags < 0) {
            printf("err EINVAL bad flags %s\n", b);
            return;
        }
        int fd = open(a, flags, c ? (mode_t)strtoul(c, NULL, 8) : 0644);
        if (fd < 0) fail(); else printf("fd %d\n", fd);
    } else if (strcmp(op, "write") == 0 && a) {
        size_t len;
        unsigned char *data = unhex(b ? b : "", &len);
        ssize_t n = write_all(atoi(a), data, len, -1);
        if (n < 0) fail(); else printf("wrote %zd\n", n);
        free(data);
    } else if (strcmp(op, "pwrite") == 0 && a && b) {
        size_t len;
        unsigned char *data = unhex(c ? c : "", &len);
        ssize_t n = write_all(atoi(a), data, len, (off_t)atoll(b));
        if (n < 0) fail(); else printf("wrote %zd\n", n);
        free(data);
    } else if ((strcmp(op, "read") == 0 && a && b) || (strcmp(op, "pread") == 0 && a && b && c)) {
        int positional = op[0] == 'p';
        size_t count = (size_t)atoll(positional ? c : b);
        unsigned char *buf = malloc(count + 1);
        ssize_t n = positional ? pread(atoi(a), buf, count, (off_t)atoll(b)) : read(atoi(a), buf, count);
        if (n < 0) fail(); else print_data(buf, (size_t)n);
        free(buf);
    } else if (strcmp(op, "readall") == 0 && a) {
        size_t cap = 1 << 16, len = 0;
        unsigned char *buf = malloc(cap);
        for (;;) {
            if (len == cap) {
                buf = realloc(buf, cap *= 2);
            }
            ssize_t n = read(atoi(a), buf + len, cap - len);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                fail();
                break;
            }
            if (n == 0) {
                print_data(buf, len);
                break;
            }
            len += (size_t)n;
        }
        free(buf);
    } else if (strcmp(op, "fstat") == 0 && a) {
        struct stat st;
        if (fstat(atoi(a), &st) != 0) fail(); else print_stat(&st);
    } else if (strcmp(op, "stat") == 0 && a) {
        struct stat st;
        if (stat(a, &st) != 0) fail(); else print_stat(&st);
    } else if ((strcmp(op, "fstatx") == 0 || strcmp(op, "statx") == 0) && a) {
        struct statx stx;
        int by_fd = op[0] == 'f';
        if (statx(by_fd ? atoi(a) : AT_FDCWD, by_fd ? "" : a, by_fd ? AT_EMPTY_PATH : 0,
                  STATX_BASIC_STATS | STATX_BTIME, &stx) != 0) fail(); else print_statx(&stx);
    } else if (strcmp(op, "dup") == 0 && a) {
        int fd = dup(atoi(a));
        if (fd < 0) fail(); else printf("fd %d\n", fd);
    } else if (strcmp(op, "close") == 0 && a) {
        if (close(atoi(a)) != 0) fail(); else printf("ok\n");
    } else if (strcmp(op, "unlink") == 0 && a) {
        if (unlink(a) != 0) fail(); else printf("ok\n");
    } else if (strcmp(op, "link") == 0 && a && b && c) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", atoi(a));
        int done = strcmp(c, "empty") == 0 ? linkat(atoi(a), "", AT_FDCWD, b, AT_EMPTY_PATH)
                                           : linkat(AT_FDCWD, proc, AT_FDCWD, b, AT_SYMLINK_FOLLOW);
        if (done != 0) fail(); else printf("ok\n");
    } else if (strcmp(op, "rename2") == 0 && a && b && c) {
        unsigned flags = 0;
        for (char *save2 = NULL, *flag = strtok_r(c, "|", &save2); flag; flag = strtok_r(NULL, "|", &save2)) {
            flags |= strcmp(flag, "noreplace") == 0 ? RENAME_NOREPLACE
                    : strcmp(flag, "exchange") == 0 ? RENAME_EXCHANGE
                    : strcmp(flag, "whiteout") == 0 ? RENAME_WHITEOUT : 0;
        }
        if (renameat2(AT_FDCWD, a, AT_FDCWD, b, flags) != 0) fail(); else printf("ok\n");
    } else if (strcmp(op, "umask") == 0 && a) {
        umask((mode_t)strtoul(a, NULL, 8));
        printf("ok\n");
    } else if (strcmp(op, "fchmod") == 0 && a && b) {
        if (fchmod(atoi(a), (mode_t)strtoul(b, NULL, 8)) != 0) fail(); else printf("ok\n");
    } else if (strcmp(op, "fchown") == 0 && a && b && c) {
        if (fchown(atoi(a), (uid_t)atoi(b), (gid_t)atoi(c)) != 0) fail(); else printf("ok\n");
    } else if (strcmp(op, "futimens") == 0 && a && b) {
        struct timespec times[2] = {{0, UTIME_OMIT}, {atoll(b), 0}};
        if (futimens(atoi(a), times) != 0) fail(); else printf("ok\n");
    } else if (space_command(op, a, b, c, d, e)) {
        return;
    } else {
        printf("err EINVAL unknown command %s\n", op);
    }
}

static int shell(void) {
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
        if (strncmp(line, "quit", 4) == 0) {
            break;
        }
        command(line);
        fflush(stdout);
    }
    free(line);
    return 0;
}

static int append(const char *path, const char *tag, long lines) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) {
        perror("fsops: open");
        printf("appended 0 errors 1\n");
        return 1;
    }
    long appended = 0, errors = 0;
    char text[256];
    for (long i = 0; i < lines; i++) {
        int len = snprintf(text, sizeof text, "%s %ld\n", tag, i);
        if (write_all(fd, (unsigned char *)text, (size_t)len, -1) != len) {
            if (errors++ < 5) {
                perror("fsops: write");
            }
        } else {
            appended++;
        }
    }
    if (close(fd) != 0) {
        perror("fsops: close");
        errors++;
    }
    printf("appended %ld errors %ld\n", appended, errors);
    return errors == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "shell") == 0) {
        return shell();
    }
    if (argc == 5 && strcmp(argv[1], "append") == 0) {
        return append(argv[2], argv[3], atol(argv[4]));
    }
    fprintf(stderr, "usage: fsops shell | fsops append PATH TAG LINES\n");
    return 2;
}
