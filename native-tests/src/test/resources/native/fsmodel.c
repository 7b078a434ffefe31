/*
 * fsmodel: runs one stream of file system operations on two directories in lockstep (a plain
 * directory, the reference, and a dxfs mount) and compares what each call answers: results,
 * errno, data read, attributes. Every operation runs on the reference first, then on the other
 * root, in this one process, with descriptors kept in numbered slots.
 *
 *   fsmodel REFERENCE OTHER OPERATIONS-FILE
 *
 * One operation a line (paths are relative to the roots; numbers are decimal, modes octal):
 *   open SLOT PATH FLAGS MODE    FLAGS: r | w | rw, then any of c (creat) x (excl) t (trunc) a (append)
 *   close SLOT
 *   write SLOT LEN SEED          pwrite SLOT OFF LEN SEED     mmapwrite SLOT OFF LEN SEED
 *   read SLOT LEN                pread SLOT OFF LEN           mmapread SLOT OFF LEN
 *   fstat SLOT   ftruncate SLOT LEN   fchmod SLOT MODE   fallocate SLOT MODE OFF LEN
 *   copyrange SLOT SLOT OFF OFF LEN   (copy_file_range from the first slot's file to the second's)
 *   stat PATH   cat PATH   readdir PATH   truncate PATH LEN   unlink PATH   rmdir PATH
 *   mkdir PATH MODE   chmod PATH MODE   utimens PATH SECONDS   rename PATH PATH   link PATH PATH
 *   tree                         every entry below the root, with attributes and content
 * Data written is generated from SEED; data read is answered as its length and a hash.
 *
 * Answers, one line per operation:
 *   same RESULT                  both roots answered RESULT
 *   skip REASON                  not run: the reference's state is one where dxfs differs on
 *                                purpose (the reasons are listed in FsModelTest)
 *   diff REFERENCE-RESULT \t OTHER-RESULT   and the program exits 1
 *   mmap-fallback RESULT         see mmapwrite below
 * At the end all slots are closed and the trees compared once more ("final ...").
 *
 * mmapwrite maps [OFF mod size, +LEN) of the file with MAP_SHARED and writes into it; mmapread
 * maps the same range and reads it. A FUSE handle opened with direct_io refuses shared mappings
 * (ENODEV) unless the daemon negotiated FUSE_DIRECT_IO_ALLOW_MMAP, which libfuse 2 cannot; when
 * only the other root answers ENODEV, the bytes are written there with pwrite(2) (read with
 * pread(2)), as programs fall back to, and the line says so. fallocate's MODE is the number of
 * the flags (KEEP_SIZE 1, PUNCH_HOLE 2, ZERO_RANGE 16).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "splitmix.h"

#define SLOTS 8
#define RESULT_MAX 65536
#define MAX_IO (1 << 20)
/* utimens sets times below this; anything later is the clock of the run, shown as "now". */
#define OLD_TIME 1000000000L

struct side {
    const char *root;
    int fd[SLOTS];
    int flags[SLOTS];
    char result[RESULT_MAX];
};

static struct side sides[2];
/* Slots holding a staged write that created its file with O_TRUNC: the name is not listed before its publish. */
static int unlisted[SLOTS];
static unsigned char *buffer;

static void fill(unsigned char *data, size_t len, uint64_t seed) {
    uint64_t state = seed;
    for (size_t i = 0; i < len; i++) {
        data[i] = (unsigned char)(mix(&state) >> 56);
    }
}

static uint64_t hash(const unsigned char *data, size_t len) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ data[i]) * 1099511628211ull;
    }
    return h;
}

static void path_of(const struct side *side, const char *rel, char *out) {
    snprintf(out, 4096, "%s/%s", side->root, rel);
}

static int errno_result(struct side *side) {
    const char *name = strerrorname_np(errno);
    snprintf(side->result, RESULT_MAX, "err %s", name ? name : "EUNKNOWN");
    return -1;
}

static int ok(struct side *side, const char *word, long long value) {
    snprintf(side->result, RESULT_MAX, "%s %lld", word, value);
    return 0;
}

static void describe_stat(const struct stat *st, char *out, size_t cap) {
    char type = S_ISREG(st->st_mode) ? 'f' : S_ISDIR(st->st_mode) ? 'd' : S_ISLNK(st->st_mode) ? 'l' : '?';
    char mtime[64];
    /* A directory's mtime is not compared: every publish is a rename into it. */
    if (type == 'd') {
        snprintf(mtime, sizeof mtime, "-");
    } else if (st->st_mtim.tv_sec < OLD_TIME) {
        snprintf(mtime, sizeof mtime, "%ld.%09ld", (long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
    } else {
        snprintf(mtime, sizeof mtime, "now");
    }
    snprintf(out, cap, "%c mode=%o size=%lld nlink=%lu mtime=%s", type, (unsigned)(st->st_mode & 07777),
             type == 'd' ? 0LL : (long long)st->st_size, (unsigned long)st->st_nlink, mtime);
}

static int stat_result(struct side *side, const struct stat *st) {
    char text[256];
    describe_stat(st, text, sizeof text);
    snprintf(side->result, RESULT_MAX, "stat %s", text);
    return 0;
}

static int data_result(struct side *side, const unsigned char *data, ssize_t len) {
    snprintf(side->result, RESULT_MAX, "data %zd %016llx", len, (unsigned long long)hash(data, (size_t)len));
    return 0;
}

/* Reads the whole file at path; returns its length, or -1 with errno set. */
static ssize_t slurp(const char *path, unsigned char *out, size_t cap) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return -1;
    }
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, out + got, cap - got);
        if (n < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        if (n == 0 || got + (size_t)n == cap) {
            got += (size_t)n;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    return (ssize_t)got;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of a directory, without "." and ".."; returns the count or -1. */
static int list_dir(const char *path, char ***names) {
    DIR *dir = opendir(path);
    if (!dir) {
        return -1;
    }
    int count = 0, cap = 16;
    *names = malloc(sizeof(char *) * cap);
    for (struct dirent *entry = readdir(dir); entry; entry = readdir(dir)) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
            continue;
        }
        if (count == cap) {
            *names = realloc(*names, sizeof(char *) * (cap *= 2));
        }
        (*names)[count++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(*names, (size_t)count, sizeof(char *), compare_names);
    return count;
}

static void free_names(char **names, int count) {
    for (int i = 0; i < count; i++) {
        free(names[i]);
    }
    free(names);
}

/* Appends every entry below rel (depth first, sorted) to out. */
static void tree(const struct side *side, const char *rel, char *out, size_t cap) {
    char path[4096];
    path_of(side, rel, path);
    char **names;
    int count = list_dir(path, &names);
    for (int i = 0; i < count; i++) {
        char child[2048], full[4096], text[256];
        snprintf(child, sizeof child, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        path_of(side, child, full);
        struct stat st;
        if (lstat(full, &st) != 0) {
            snprintf(text, sizeof text, "lstat failed");
        } else {
            describe_stat(&st, text, sizeof text);
        }
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s[%s", used ? " " : "", child);
        used = strlen(out);
        snprintf(out + used, cap - used, " %s", text);
        if (S_ISREG(st.st_mode)) {
            ssize_t len = slurp(full, buffer, MAX_IO);
            used = strlen(out);
            if (len < 0) {
                /* A file that cannot be read is told apart from an empty one, with its errno. */
                const char *name = strerrorname_np(errno);
                snprintf(out + used, cap - used, " data=err %s", name ? name : "EUNKNOWN");
            } else {
                snprintf(out + used, cap - used, " data=%016llx", (unsigned long long)hash(buffer, (size_t)len));
            }
        }
        used = strlen(out);
        snprintf(out + used, cap - used, "]");
        if (S_ISDIR(st.st_mode)) {
            tree(side, child, out, cap);
        }
    }
    if (count > 0) {
        free_names(names, count);
    }
}

static int parse_flags(const char *text) {
    int flags = strncmp(text, "rw", 2) == 0 ? O_RDWR : text[0] == 'w' ? O_WRONLY : O_RDONLY;
    for (const char *c = text; *c; c++) {
        flags |= *c == 'c' ? O_CREAT : *c == 'x' ? O_EXCL : *c == 't' ? O_TRUNC : *c == 'a' ? O_APPEND : 0;
    }
    return flags;
}

/* Whether a descriptor with these flags on a regular file is a write dxfs stages. */
static int staged_flags(int flags) {
    return (flags & O_ACCMODE) != O_RDONLY && !(flags & O_APPEND);
}

/* The slot whose descriptor (on the reference) is the file at rel, or -1; staged_only limits it to staged writers. */
static int slot_holding(const char *rel, int staged_only, int except) {
    char path[4096];
    path_of(&sides[0], rel, path);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        return -1;
    }
    for (int s = 0; s < SLOTS; s++) {
        struct stat held;
        if (s != except && sides[0].fd[s] >= 0 && (!staged_only || staged_flags(sides[0].flags[s]))
                && fstat(sides[0].fd[s], &held) == 0 && held.st_ino == st.st_ino && held.st_dev == st.st_dev) {
            return s;
        }
    }
    return -1;
}

static int executable(const char *rel) {
    char path[4096];
    path_of(&sides[0], rel, path);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
}

static int hard_linked(const char *rel) {
    char path[4096];
    path_of(&sides[0], rel, path);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1;
}

/*
 * Why the operation must not run, judged on the reference before it runs: the differences
 * dxfs intends (FsModelTest lists them). NULL when it runs.
 */
static const char *intended_difference(char **arg, int args) {
    const char *op = arg[0];
    if (strcmp(op, "open") == 0 && args == 5) {
        int flags = parse_flags(arg[3]);
        int slot = atoi(arg[1]);
        if (staged_flags(flags) && hard_linked(arg[2])) {
            return "rewrite-of-hard-linked-file";
        }
        if (slot_holding(arg[2], 1, slot) >= 0 || (staged_flags(flags) && slot_holding(arg[2], 0, slot) >= 0)) {
            return "second-descriptor-beside-a-staged-writer";
        }
        if (executable(arg[2]) && slot_holding(arg[2], 0, slot) >= 0) {
            return "second-descriptor-of-an-executable";
        }
    } else if (strcmp(op, "truncate") == 0 && args == 3) {
        if (hard_linked(arg[1])) {
            return "rewrite-of-hard-linked-file";
        }
        if (slot_holding(arg[1], 0, -1) >= 0) {
            return "path-truncate-of-an-open-file";
        }
    } else if (strcmp(op, "link") == 0 && args == 3) {
        if (slot_holding(arg[1], 1, -1) >= 0) {
            return "rewrite-of-hard-linked-file";
        }
    } else if (strcmp(op, "readdir") == 0 || strcmp(op, "tree") == 0 || strcmp(op, "rmdir") == 0
            || strcmp(op, "rename") == 0) {
        for (int s = 0; s < SLOTS; s++) {
            if (unlisted[s] && sides[0].fd[s] >= 0) {
                return "directory-holding-an-unpublished-new-file";
            }
        }
    } else if (strcmp(op, "mmapwrite") == 0 && args == 5) {
        int slot = atoi(arg[1]);
        if (slot >= 0 && slot < SLOTS && sides[0].fd[slot] >= 0 && (sides[0].flags[slot] & O_APPEND)) {
            return "mmap-fallback-of-an-append-descriptor";
        }
    }
    return NULL;
}

static int slot_fd(struct side *side, const char *text) {
    int slot = atoi(text);
    return slot >= 0 && slot < SLOTS ? side->fd[slot] : -1;
}

/*
 * Maps [off mod size, +len) of fd's file shared (clipped to the file), writes seed's bytes into
 * it (write) or reads it; NULL-equivalent answers on failure, with the mmap errno kept.
 */
static int mmap_range(struct side *side, int fd, long long off, size_t len, uint64_t seed, int write,
                      int *mmap_errno) {
    *mmap_errno = 0;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        return errno_result(side);
    }
    if (st.st_size == 0) {
        errno = EINVAL;
        return errno_result(side);
    }
    off %= st.st_size;
    if ((long long)len > st.st_size - off) {
        len = (size_t)(st.st_size - off);
    }
    long page = sysconf(_SC_PAGESIZE);
    long long base = off - off % page;
    size_t span = (size_t)(off - base) + len;
    unsigned char *map = mmap(NULL, span, write ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, base);
    if (map == MAP_FAILED) {
        *mmap_errno = errno;
        return errno_result(side);
    }
    if (write) {
        fill(map + (off - base), len, seed);
        ok(side, "mapped", (long long)len);
    } else {
        data_result(side, map + (off - base), (ssize_t)len);
    }
    munmap(map, span);
    return 0;
}

/* Runs one operation on one side; the answer is left in side->result. */
static void run(struct side *side, char **arg, int args, int *mmap_errno) {
    const char *op = arg[0];
    char path[4096], other[4096];
    struct stat st;
    *mmap_errno = 0;
    if (args > 1) {
        path_of(side, arg[1], path);
    }
    if (args > 2) {
        path_of(side, arg[2], other);
    }
    if (strcmp(op, "open") == 0 && args == 5) {
        int slot = atoi(arg[1]);
        if (side->fd[slot] >= 0) {
            close(side->fd[slot]);
            side->fd[slot] = -1;
        }
        path_of(side, arg[2], path);
        int flags = parse_flags(arg[3]);
        int fd = open(path, flags | O_CLOEXEC, (mode_t)strtoul(arg[4], NULL, 8));
        if (fd < 0) {
            errno_result(side);
            return;
        }
        side->fd[slot] = fd;
        side->flags[slot] = flags;
        ok(side, "opened", 0);
    } else if (strcmp(op, "close") == 0 && args == 2) {
        int slot = atoi(arg[1]);
        int fd = side->fd[slot];
        side->fd[slot] = -1;
        if (close(fd) != 0) errno_result(side); else ok(side, "closed", 0);
    } else if ((strcmp(op, "write") == 0 && args == 4) || (strcmp(op, "pwrite") == 0 && args == 5)) {
        int positional = op[0] == 'p';
        size_t len = (size_t)atoll(arg[positional ? 3 : 2]) % MAX_IO;
        fill(buffer, len, strtoull(arg[positional ? 4 : 3], NULL, 10));
        int fd = slot_fd(side, arg[1]);
        ssize_t n = positional ? pwrite(fd, buffer, len, (off_t)atoll(arg[2])) : write(fd, buffer, len);
        if (n < 0) errno_result(side); else ok(side, "wrote", n);
    } else if ((strcmp(op, "read") == 0 && args == 3) || (strcmp(op, "pread") == 0 && args == 4)) {
        int positional = op[0] == 'p';
        size_t len = (size_t)atoll(arg[positional ? 3 : 2]) % MAX_IO;
        int fd = slot_fd(side, arg[1]);
        ssize_t n = positional ? pread(fd, buffer, len, (off_t)atoll(arg[2])) : read(fd, buffer, len);
        if (n < 0) errno_result(side); else data_result(side, buffer, n);
    } else if (strcmp(op, "mmapwrite") == 0 && args == 5) {
        mmap_range(side, slot_fd(side, arg[1]), atoll(arg[2]), (size_t)atoll(arg[3]) % MAX_IO,
                   strtoull(arg[4], NULL, 10), 1, mmap_errno);
    } else if (strcmp(op, "mmapread") == 0 && args == 4) {
        mmap_range(side, slot_fd(side, arg[1]), atoll(arg[2]), (size_t)atoll(arg[3]) % MAX_IO, 0, 0, mmap_errno);
    } else if (strcmp(op, "fallocate") == 0 && args == 5) {
        if (fallocate(slot_fd(side, arg[1]), atoi(arg[2]), (off_t)atoll(arg[3]), (off_t)atoll(arg[4])) != 0) {
            errno_result(side);
        } else {
            ok(side, "allocated", 0);
        }
    } else if (strcmp(op, "copyrange") == 0 && args == 6) {
        loff_t in = atoll(arg[3]), out = atoll(arg[4]);
        ssize_t n = copy_file_range(slot_fd(side, arg[1]), &in, slot_fd(side, arg[2]), &out,
                                    (size_t)atoll(arg[5]) % MAX_IO, 0);
        if (n < 0) errno_result(side); else ok(side, "copied", n);
    } else if (strcmp(op, "fstat") == 0 && args == 2) {
        if (fstat(slot_fd(side, arg[1]), &st) != 0) errno_result(side); else stat_result(side, &st);
    } else if (strcmp(op, "ftruncate") == 0 && args == 3) {
        if (ftruncate(slot_fd(side, arg[1]), (off_t)atoll(arg[2])) != 0) errno_result(side); else ok(side, "truncated", 0);
    } else if (strcmp(op, "fchmod") == 0 && args == 3) {
        if (fchmod(slot_fd(side, arg[1]), (mode_t)strtoul(arg[2], NULL, 8)) != 0) errno_result(side); else ok(side, "chmoded", 0);
    } else if (strcmp(op, "stat") == 0 && args == 2) {
        if (lstat(path, &st) != 0) errno_result(side); else stat_result(side, &st);
    } else if (strcmp(op, "cat") == 0 && args == 2) {
        ssize_t n = slurp(path, buffer, MAX_IO);
        if (n < 0) errno_result(side); else data_result(side, buffer, n);
    } else if (strcmp(op, "readdir") == 0 && args == 2) {
        char **names;
        int count = list_dir(path, &names);
        if (count < 0) {
            errno_result(side);
            return;
        }
        snprintf(side->result, RESULT_MAX, "entries");
        for (int i = 0; i < count; i++) {
            size_t used = strlen(side->result);
            snprintf(side->result + used, RESULT_MAX - used, " %s", names[i]);
        }
        free_names(names, count);
    } else if (strcmp(op, "truncate") == 0 && args == 3) {
        if (truncate(path, (off_t)atoll(arg[2])) != 0) errno_result(side); else ok(side, "truncated", 0);
    } else if (strcmp(op, "unlink") == 0 && args == 2) {
        if (unlink(path) != 0) errno_result(side); else ok(side, "unlinked", 0);
    } else if (strcmp(op, "rmdir") == 0 && args == 2) {
        if (rmdir(path) != 0) errno_result(side); else ok(side, "removed", 0);
    } else if (strcmp(op, "mkdir") == 0 && args == 3) {
        if (mkdir(path, (mode_t)strtoul(arg[2], NULL, 8)) != 0) errno_result(side); else ok(side, "made", 0);
    } else if (strcmp(op, "chmod") == 0 && args == 3) {
        if (chmod(path, (mode_t)strtoul(arg[2], NULL, 8)) != 0) errno_result(side); else ok(side, "chmoded", 0);
    } else if (strcmp(op, "utimens") == 0 && args == 3) {
        long seconds = atol(arg[2]) % OLD_TIME;
        struct timespec times[2] = {{seconds, 250000000L}, {seconds, 500000000L}};
        if (utimensat(AT_FDCWD, path, times, 0) != 0) errno_result(side); else ok(side, "timed", 0);
    } else if (strcmp(op, "rename") == 0 && args == 3) {
        if (rename(path, other) != 0) errno_result(side); else ok(side, "renamed", 0);
    } else if (strcmp(op, "link") == 0 && args == 3) {
        if (link(path, other) != 0) errno_result(side); else ok(side, "linked", 0);
    } else if (strcmp(op, "tree") == 0 && args == 1) {
        side->result[0] = 0;
        tree(side, "", side->result, RESULT_MAX);
    } else {
        snprintf(side->result, RESULT_MAX, "bad operation");
    }
}

/* Runs one line on both sides and prints the verdict; returns 0 when they agree. */
static int step(char *line) {
    char *arg[8];
    int args = 0;
    for (char *save = NULL, *word = strtok_r(line, " \n", &save); word && args < 8; word = strtok_r(NULL, " \n", &save)) {
        arg[args++] = word;
    }
    if (args == 0) {
        return 0;
    }
    const char *why = intended_difference(arg, args);
    if (why) {
        printf("skip %s\n", why);
        return 0;
    }
    int mmap_errno[2];
    int creates_unlisted = 0;
    if (strcmp(arg[0], "open") == 0 && args == 5) {
        char path[4096];
        struct stat st;
        int flags = parse_flags(arg[3]);
        path_of(&sides[0], arg[2], path);
        creates_unlisted = staged_flags(flags) && (flags & O_CREAT) && (flags & O_TRUNC) && lstat(path, &st) != 0;
    }
    run(&sides[0], arg, args, &mmap_errno[0]);
    if (strcmp(arg[0], "open") == 0 && args == 5) {
        unlisted[atoi(arg[1])] = creates_unlisted && sides[0].fd[atoi(arg[1])] >= 0;
    }
    run(&sides[1], arg, args, &mmap_errno[1]);
    if (mmap_errno[1] == ENODEV && mmap_errno[0] == 0) {
        int fd = slot_fd(&sides[1], arg[1]);
        int write = strcmp(arg[0], "mmapwrite") == 0;
        struct stat st;
        fstat(fd, &st);
        long long off = atoll(arg[2]) % (st.st_size ? st.st_size : 1);
        size_t len = (size_t)atoll(arg[3]) % MAX_IO;
        len = (long long)len > st.st_size - off ? (size_t)(st.st_size - off) : len;
        if (write) {
            fill(buffer, len, strtoull(arg[4], NULL, 10));
        }
        ssize_t n = write ? pwrite(fd, buffer, len, off) : pread(fd, buffer, len, off);
        if (n != (ssize_t)len) {
            errno_result(&sides[1]);
        } else if (write) {
            snprintf(sides[1].result, RESULT_MAX, "%s", sides[0].result);
        } else {
            data_result(&sides[1], buffer, n);
        }
        if (strcmp(sides[0].result, sides[1].result) == 0) {
            printf("mmap-fallback %s\n", sides[0].result);
            return 0;
        }
    }
    if (strcmp(sides[0].result, sides[1].result) != 0) {
        printf("diff %s\t%s\n", sides[0].result, sides[1].result);
        return 1;
    }
    printf("same %s\n", sides[0].result);
    return 0;
}

int main(int argc, char **argv) {
    FILE *operations = argc == 4 ? fopen(argv[3], "r") : NULL;
    if (!operations) {
        fprintf(stderr, "usage: fsmodel REFERENCE OTHER OPERATIONS-FILE\n");
        return 2;
    }
    buffer = malloc(MAX_IO);
    for (int i = 0; i < 2; i++) {
        sides[i].root = argv[1 + i];
        for (int s = 0; s < SLOTS; s++) {
            sides[i].fd[s] = -1;
        }
    }
    umask(022);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, operations) > 0) {
        if (step(line) != 0) {
            return 1;
        }
        fflush(stdout);
    }
    for (int slot = 0; slot < SLOTS; slot++) {
        char close_line[32];
        snprintf(close_line, sizeof close_line, "close %d", slot);
        if (sides[0].fd[slot] >= 0 || sides[1].fd[slot] >= 0) {
            printf("final ");
            if (step(close_line) != 0) {
                return 1;
            }
        }
    }
    char tree_line[] = "tree";
    printf("final ");
    return step(tree_line);
}
