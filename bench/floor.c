/* The FUSE floor: the least a FUSE passthrough costs on this machine. A single-threaded daemon
 * without libfuse that speaks /dev/fuse itself and mirrors one backing directory, with nothing
 * between a request and its system call but a table from node ids to O_PATH descriptors. Files
 * are opened in passthrough mode when the kernel lets the daemon (root) register a backing file,
 * so that their reads and writes never reach it; otherwise their page cache is kept across opens.
 * bench/run measures it next to dxfs as the figure no FUSE daemon can beat.
 *
 * Usage: floor [--uring] BACKING MOUNTPOINT (as root). Mounts, then forks: the parent prints the
 * daemon's pid and exits; the daemon serves until the mount goes away (umount).
 *
 * --uring serves requests over FUSE's io_uring transport (protocol 7.42; the fuse module's
 * parameter enable_uring must be set) instead of read(2) and write(2) on the device: one thread
 * holds one ring entry per queue (the kernel makes a queue per possible CPU and puts a request on
 * the queue of the CPU its caller runs on), and answers a request and fetches the next in one
 * io_uring_enter(2). FORGETs and INTERRUPTs still come through read(2), watched by a poll on the
 * same ring. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* The installed uapi header stops at protocol 7.38; these are the parts of 7.40 and later that
 * the floor uses, as the kernel's fuse.h defines them. */
#define FLOOR_MINOR 45
#define FLOOR_PASSTHROUGH (1ULL << 37)   /* an init flag in flags2, the upper 32 bits */
#define FLOOR_FOPEN_PASSTHROUGH (1 << 7)
#define FLOOR_MAX_STACK_DEPTH 1          /* the backing files are on a filesystem that stacks nothing */
#define FLOOR_OVER_IO_URING (1ULL << 41)
#define FLOOR_URING_CMD_REGISTER 1
#define FLOOR_URING_CMD_COMMIT_AND_FETCH 2

struct floor_init_out {
    uint32_t major, minor, max_readahead, flags;
    uint16_t max_background, congestion_threshold;
    uint32_t max_write, time_gran;
    uint16_t max_pages, map_alignment;
    uint32_t flags2, max_stack_depth;
    uint16_t request_timeout;
    uint16_t unused[11];
};

struct floor_open_out {
    uint64_t fh;
    uint32_t open_flags;
    int32_t backing_id;
};

struct floor_backing_map {
    int32_t fd;
    uint32_t flags;
    uint64_t padding;
};

/* An entry's header buffer: the in (then out) header, the opcode's own header (the first
 * argument), and the sizes of the payload buffer's contents; the rest of a request is in the payload. */
struct floor_uring_header {
    char in_out[128];
    char op_in[128];
    uint64_t flags, commit_id;
    uint32_t payload_sz, padding;
    uint64_t reserved;
};

/* The command in an SQE's 80-byte tail. */
struct floor_uring_cmd {
    uint64_t flags, commit_id;
    uint16_t qid;
    uint8_t padding[6];
};

#define FLOOR_DEV_IOC_BACKING_OPEN _IOW(FUSE_DEV_IOC_MAGIC, 1, struct floor_backing_map)
#define FLOOR_DEV_IOC_BACKING_CLOSE _IOW(FUSE_DEV_IOC_MAGIC, 2, uint32_t)

#define MAX_WRITE (1 << 20)
#define PAGE 4096
#define TIMEOUT_SECONDS 10
#define BUCKETS (1 << 16)

/* One inode of the backing directory the kernel knows: found again by device and inode number
 * when another name leads to it, forgotten when the kernel's lookup count drops to zero. */
struct node {
    int fd;                 /* O_PATH */
    dev_t dev;
    ino_t ino;
    uint64_t lookups;
    int backing_id;         /* registered at its first passthrough open, 0 before */
    struct node *next;      /* in its hash bucket */
};

struct dir_handle {
    DIR *dir;
    off_t offset;           /* where the next readdir continues, as the kernel numbers it */
};

static int dev_fuse;
static int passthrough;     /* negotiated, and not yet refused by the kernel */
static struct node root;
static struct node *buckets[BUCKETS];
static char *in_buffer, *out_buffer;
static int uring;           /* --uring */

/* One entry of a ring queue: the request now being answered is in it, and so is its answer. */
struct ring_entry {
    struct floor_uring_header header;
    char *payload;          /* a page after the start of its buffer: the opcode's header is copied before it */
    uint16_t qid;
};

static struct ring_entry *answering;   /* the entry whose request dispatch() serves, NULL for the device's */

/* Where an answer's data is best made: in the entry's payload, which the kernel copies it from. */
static char *answer_buffer(void) {
    return answering ? answering->payload : out_buffer;
}

static struct node *node_of(uint64_t nodeid) {
    return nodeid == FUSE_ROOT_ID ? &root : (struct node *) (uintptr_t) nodeid;
}

static uint64_t id_of(struct node *node) {
    return node == &root ? FUSE_ROOT_ID : (uint64_t) (uintptr_t) node;
}

static struct node **bucket(dev_t dev, ino_t ino) {
    return &buckets[(ino ^ dev) % BUCKETS];
}

/* /proc/self/fd/N: the path that opens, truncates or touches what an O_PATH descriptor names. */
static const char *proc_path(int fd) {
    static char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return path;
}

static void reply(uint64_t unique, int error, const void *payload, size_t size) {
    if (answering) {   /* sent by the commit that fetches the entry's next request */
        *(struct fuse_out_header *) answering->header.in_out =
            (struct fuse_out_header){.len = sizeof(struct fuse_out_header) + (error ? 0 : size), .error = error,
                                     .unique = unique};
        answering->header.payload_sz = error ? 0 : size;
        if (!error && size && payload != answering->payload) {
            memcpy(answering->payload, payload, size);
        }
        return;
    }
    struct fuse_out_header header = {.len = sizeof header + (error ? 0 : size), .error = error, .unique = unique};
    struct iovec iov[2] = {{&header, sizeof header}, {(void *) payload, error ? 0 : size}};
    /* ENOENT: the request was interrupted meanwhile, and the kernel no longer waits for it. */
    if (writev(dev_fuse, iov, 2) < 0 && errno != ENOENT) {
        perror("floor: reply");
    }
}

static void reply_errno(uint64_t unique, int result) {
    reply(unique, result < 0 ? -errno : 0, NULL, 0);
}

static void fill_attr(struct fuse_attr *attr, const struct stat *st) {
    *attr = (struct fuse_attr){
        .ino = st->st_ino, .size = st->st_size, .blocks = st->st_blocks,
        .atime = st->st_atim.tv_sec, .mtime = st->st_mtim.tv_sec, .ctime = st->st_ctim.tv_sec,
        .atimensec = st->st_atim.tv_nsec, .mtimensec = st->st_mtim.tv_nsec, .ctimensec = st->st_ctim.tv_nsec,
        .mode = st->st_mode, .nlink = st->st_nlink, .uid = st->st_uid, .gid = st->st_gid,
        .rdev = st->st_rdev, .blksize = st->st_blksize};
}

/* Finds or makes the node of NAME in PARENT, counting one more lookup, and fills ENTRY. */
static int lookup(struct node *parent, const char *name, struct fuse_entry_out *entry) {
    /* One walk of the name: the descriptor is kept if the inode is new, closed if not. */
    int fd = openat(parent->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
        int error = -errno;
        if (fd >= 0) {
            close(fd);
        }
        return error;
    }
    struct node **head = bucket(st.st_dev, st.st_ino);
    struct node *node = *head;
    while (node && (node->ino != st.st_ino || node->dev != st.st_dev)) {
        node = node->next;
    }
    if (node) {
        close(fd);
    } else {
        node = malloc(sizeof *node);
        *node = (struct node){.fd = fd, .dev = st.st_dev, .ino = st.st_ino, .next = *head};
        *head = node;
    }
    node->lookups++;
    *entry = (struct fuse_entry_out){.nodeid = id_of(node), .entry_valid = TIMEOUT_SECONDS,
                                     .attr_valid = TIMEOUT_SECONDS};
    fill_attr(&entry->attr, &st);
    return 0;
}

static void forget(uint64_t nodeid, uint64_t count) {
    struct node *node = node_of(nodeid);
    if (node == &root || (node->lookups -= count) > 0) {
        return;
    }
    struct node **link = bucket(node->dev, node->ino);
    while (*link != node) {
        link = &(*link)->next;
    }
    *link = node->next;
    if (node->backing_id > 0) {
        ioctl(dev_fuse, FLOOR_DEV_IOC_BACKING_CLOSE, &node->backing_id);
    }
    close(node->fd);
    free(node);
}

static void reply_entry(uint64_t unique, struct node *parent, const char *name) {
    struct fuse_entry_out entry;
    int error = lookup(parent, name, &entry);
    reply(unique, error, &entry, sizeof entry);
}

/* The answer to a request that made `name` in `parent`: its entry, or the call's errno. */
static void reply_made(uint64_t unique, int result, struct node *parent, const char *name) {
    if (result < 0) {
        reply_errno(unique, result);
    } else {
        reply_entry(unique, parent, name);
    }
}

static void reply_attr(uint64_t unique, struct node *node) {
    struct stat st;
    if (fstatat(node->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
        reply_errno(unique, -1);
        return;
    }
    struct fuse_attr_out out = {.attr_valid = TIMEOUT_SECONDS};
    fill_attr(&out.attr, &st);
    reply(unique, 0, &out, sizeof out);
}

/* The open reply for FD, a file of NODE: passthrough when the kernel takes the node's backing
 * file, its page cache kept across opens when not. */
static struct floor_open_out opened(struct node *node, int fd) {
    struct floor_open_out out = {.fh = fd, .open_flags = FOPEN_NOFLUSH};
    if (passthrough && node->backing_id == 0) {
        struct floor_backing_map map = {.fd = fd};
        int id = ioctl(dev_fuse, FLOOR_DEV_IOC_BACKING_OPEN, &map);
        if (id > 0) {
            node->backing_id = id;
        } else {
            fprintf(stderr, "floor: no passthrough (%s), keeping the page cache instead\n", strerror(errno));
            passthrough = 0;
        }
    }
    if (node->backing_id > 0) {
        out.open_flags |= FLOOR_FOPEN_PASSTHROUGH;
        out.backing_id = node->backing_id;
    } else {
        out.open_flags |= FOPEN_KEEP_CACHE;
    }
    return out;
}

static int open_flags(uint32_t flags) {
    return (flags & ~(O_CREAT | O_EXCL | O_NOCTTY)) | O_CLOEXEC;
}

static void do_init(uint64_t unique, const struct fuse_init_in *in) {
    uint64_t offered = in->flags | (in->flags & FUSE_INIT_EXT ? (uint64_t) in->flags2 << 32 : 0);
    uint64_t wanted = FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC | FUSE_BIG_WRITES | FUSE_MAX_PAGES | FUSE_INIT_EXT
                      | (geteuid() == 0 ? FLOOR_PASSTHROUGH : 0) | (uring ? FLOOR_OVER_IO_URING : 0);
    uint64_t flags = offered & wanted;
    if (uring && !(flags & FLOOR_OVER_IO_URING)) {
        fprintf(stderr, "floor: the kernel offers no io_uring (/sys/module/fuse/parameters/enable_uring)\n");
        exit(1);
    }
    passthrough = (flags & FLOOR_PASSTHROUGH) != 0;
    struct floor_init_out out = {
        .major = FUSE_KERNEL_VERSION, .minor = in->minor < FLOOR_MINOR ? in->minor : FLOOR_MINOR,
        .max_readahead = in->max_readahead, .flags = (uint32_t) flags, .flags2 = (uint32_t) (flags >> 32),
        .max_background = 16, .congestion_threshold = 12, .max_write = MAX_WRITE, .time_gran = 1,
        .max_pages = MAX_WRITE / PAGE, .max_stack_depth = passthrough ? FLOOR_MAX_STACK_DEPTH : 0};
    reply(unique, 0, &out, sizeof out);
}

static void do_setattr(uint64_t unique, struct node *node, const struct fuse_setattr_in *in) {
    const char *path = proc_path(node->fd);
    if ((in->valid & FATTR_MODE) && chmod(path, in->mode) < 0) {
        goto fail;
    }
    if ((in->valid & (FATTR_UID | FATTR_GID))
            && fchownat(node->fd, "", in->valid & FATTR_UID ? in->uid : (uid_t) -1,
                        in->valid & FATTR_GID ? in->gid : (gid_t) -1, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
        goto fail;
    }
    if ((in->valid & FATTR_SIZE)
            && ((in->valid & FATTR_FH) ? ftruncate(in->fh, in->size) : truncate(path, in->size)) < 0) {
        goto fail;
    }
    if (in->valid & (FATTR_ATIME | FATTR_MTIME)) {
        struct timespec times[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};
        if (in->valid & FATTR_ATIME) {
            times[0] = (in->valid & FATTR_ATIME_NOW) ? (struct timespec){.tv_nsec = UTIME_NOW}
                                                     : (struct timespec){in->atime, in->atimensec};
        }
        if (in->valid & FATTR_MTIME) {
            times[1] = (in->valid & FATTR_MTIME_NOW) ? (struct timespec){.tv_nsec = UTIME_NOW}
                                                     : (struct timespec){in->mtime, in->mtimensec};
        }
        if (utimensat(AT_FDCWD, path, times, 0) < 0) {
            goto fail;
        }
    }
    reply_attr(unique, node);
    return;
fail:
    reply_errno(unique, -1);
}

static void do_create(uint64_t unique, struct node *parent, const struct fuse_create_in *in, const char *name) {
    int fd = openat(parent->fd, name, open_flags(in->flags) | O_CREAT, in->mode);
    if (fd < 0) {
        reply_errno(unique, -1);
        return;
    }
    struct {
        struct fuse_entry_out entry;
        struct floor_open_out open;
    } out;
    int error = lookup(parent, name, &out.entry);
    if (error) {
        close(fd);
        reply(unique, error, NULL, 0);
        return;
    }
    out.open = opened(node_of(out.entry.nodeid), fd);
    reply(unique, 0, &out, sizeof out);
}

static void do_open(uint64_t unique, struct node *node, const struct fuse_open_in *in) {
    int fd = open(proc_path(node->fd), open_flags(in->flags));
    if (fd < 0) {
        reply_errno(unique, -1);
        return;
    }
    struct floor_open_out out = opened(node, fd);
    reply(unique, 0, &out, sizeof out);
}

static void do_read(uint64_t unique, const struct fuse_read_in *in) {
    char *buffer = answer_buffer();
    ssize_t n = pread(in->fh, buffer, in->size, in->offset);
    reply(unique, n < 0 ? -errno : 0, buffer, n < 0 ? 0 : n);
}

static void do_write(uint64_t unique, const struct fuse_write_in *in) {
    ssize_t n = pwrite(in->fh, in + 1, in->size, in->offset);
    struct fuse_write_out out = {.size = n < 0 ? 0 : n};
    reply(unique, n < 0 ? -errno : 0, &out, sizeof out);
}

static void do_opendir(uint64_t unique, struct node *node) {
    int fd = openat(node->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);
    if (!dir) {
        if (fd >= 0) {
            close(fd);
        }
        reply_errno(unique, -1);
        return;
    }
    struct dir_handle *handle = malloc(sizeof *handle);
    *handle = (struct dir_handle){.dir = dir, .offset = 0};
    struct fuse_open_out out = {.fh = (uint64_t) (uintptr_t) handle};
    reply(unique, 0, &out, sizeof out);
}

static void do_readdir(uint64_t unique, const struct fuse_read_in *in) {
    struct dir_handle *handle = (struct dir_handle *) (uintptr_t) in->fh;
    if ((off_t) in->offset != handle->offset) {
        seekdir(handle->dir, in->offset);
        handle->offset = in->offset;
    }
    char *buffer = answer_buffer();
    size_t used = 0;
    size_t size = in->size < MAX_WRITE ? in->size : MAX_WRITE;
    errno = 0;
    struct dirent *entry;
    while ((entry = readdir(handle->dir))) {
        size_t length = strlen(entry->d_name);
        size_t record = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + length);
        if (used + record > size) {
            seekdir(handle->dir, handle->offset);   /* it comes first in the next reply */
            break;
        }
        struct fuse_dirent *dirent = (struct fuse_dirent *) (buffer + used);
        *dirent = (struct fuse_dirent){.ino = entry->d_ino, .off = entry->d_off, .namelen = length,
                                       .type = entry->d_type};
        memcpy(dirent->name, entry->d_name, length);
        memset(dirent->name + length, 0, record - FUSE_NAME_OFFSET - length);
        used += record;
        handle->offset = entry->d_off;
    }
    reply(unique, !entry && errno ? -errno : 0, buffer, used);
}

static void do_statfs(uint64_t unique) {
    struct statfs st;
    if (fstatfs(root.fd, &st) < 0) {
        reply_errno(unique, -1);
        return;
    }
    struct fuse_statfs_out out = {.st = {.blocks = st.f_blocks, .bfree = st.f_bfree, .bavail = st.f_bavail,
                                         .files = st.f_files, .ffree = st.f_ffree, .bsize = st.f_bsize,
                                         .namelen = st.f_namelen, .frsize = st.f_frsize}};
    reply(unique, 0, &out, sizeof out);
}

static void dispatch(const struct fuse_in_header *header, const void *arg) {
    uint64_t unique = header->unique;
    struct node *node = node_of(header->nodeid);
    const char *name = arg;
    switch (header->opcode) {
    case FUSE_INIT: do_init(unique, arg); break;
    case FUSE_DESTROY: reply(unique, 0, NULL, 0); exit(0);
    case FUSE_LOOKUP: reply_entry(unique, node, name); break;
    case FUSE_FORGET: forget(header->nodeid, ((const struct fuse_forget_in *) arg)->nlookup); break;
    case FUSE_BATCH_FORGET: {
        const struct fuse_batch_forget_in *in = arg;
        const struct fuse_forget_one *each = (const void *) (in + 1);
        for (uint32_t i = 0; i < in->count; i++) {
            forget(each[i].nodeid, each[i].nlookup);
        }
        break;
    }
    case FUSE_GETATTR: reply_attr(unique, node); break;
    case FUSE_SETATTR: do_setattr(unique, node, arg); break;
    case FUSE_READLINK: {
        char *buffer = answer_buffer();
        ssize_t n = readlinkat(node->fd, "", buffer, PAGE);
        reply(unique, n < 0 ? -errno : 0, buffer, n < 0 ? 0 : n);
        break;
    }
    case FUSE_SYMLINK: {
        const char *target = name + strlen(name) + 1;
        reply_made(unique, symlinkat(target, node->fd, name), node, name);
        break;
    }
    case FUSE_MKNOD: {
        const struct fuse_mknod_in *in = arg;
        name = (const char *) (in + 1);
        reply_made(unique, mknodat(node->fd, name, in->mode, in->rdev), node, name);
        break;
    }
    case FUSE_MKDIR: {
        const struct fuse_mkdir_in *in = arg;
        name = (const char *) (in + 1);
        reply_made(unique, mkdirat(node->fd, name, in->mode), node, name);
        break;
    }
    case FUSE_LINK: {
        const struct fuse_link_in *in = arg;
        name = (const char *) (in + 1);
        reply_made(unique, linkat(node_of(in->oldnodeid)->fd, "", node->fd, name, AT_EMPTY_PATH), node, name);
        break;
    }
    case FUSE_UNLINK: reply_errno(unique, unlinkat(node->fd, name, 0)); break;
    case FUSE_RMDIR: reply_errno(unique, unlinkat(node->fd, name, AT_REMOVEDIR)); break;
    case FUSE_RENAME: {
        const struct fuse_rename_in *in = arg;
        const char *from = (const char *) (in + 1);
        reply_errno(unique, renameat(node->fd, from, node_of(in->newdir)->fd, from + strlen(from) + 1));
        break;
    }
    case FUSE_RENAME2: {
        const struct fuse_rename2_in *in = arg;
        const char *from = (const char *) (in + 1);
        reply_errno(unique, renameat2(node->fd, from, node_of(in->newdir)->fd, from + strlen(from) + 1, in->flags));
        break;
    }
    case FUSE_OPEN: do_open(unique, node, arg); break;
    case FUSE_CREATE: {
        const struct fuse_create_in *in = arg;
        do_create(unique, node, in, (const char *) (in + 1));
        break;
    }
    case FUSE_READ: do_read(unique, arg); break;
    case FUSE_WRITE: do_write(unique, arg); break;
    case FUSE_FLUSH: reply(unique, 0, NULL, 0); break;
    case FUSE_RELEASE: close(((const struct fuse_release_in *) arg)->fh); reply(unique, 0, NULL, 0); break;
    case FUSE_FSYNC: {
        const struct fuse_fsync_in *in = arg;
        reply_errno(unique, (in->fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(in->fh) : fsync(in->fh));
        break;
    }
    case FUSE_FALLOCATE: {
        const struct fuse_fallocate_in *in = arg;
        reply_errno(unique, fallocate(in->fh, in->mode, in->offset, in->length));
        break;
    }
    case FUSE_OPENDIR: do_opendir(unique, node); break;
    case FUSE_READDIR: do_readdir(unique, arg); break;
    case FUSE_RELEASEDIR: {
        struct dir_handle *handle = (struct dir_handle *) (uintptr_t) ((const struct fuse_release_in *) arg)->fh;
        closedir(handle->dir);
        free(handle);
        reply(unique, 0, NULL, 0);
        break;
    }
    case FUSE_FSYNCDIR: {
        struct dir_handle *handle = (struct dir_handle *) (uintptr_t) ((const struct fuse_fsync_in *) arg)->fh;
        reply_errno(unique, fsync(dirfd(handle->dir)));
        break;
    }
    case FUSE_STATFS: do_statfs(unique); break;
    case FUSE_ACCESS:
        reply_errno(unique, faccessat(AT_FDCWD, proc_path(node->fd),
                                      ((const struct fuse_access_in *) arg)->mask, 0));
        break;
    case FUSE_INTERRUPT: break;   /* every request is answered at once anyway */
    default: reply(unique, -ENOSYS, NULL, 0); break;   /* xattrs, locks, lseek, statx: the kernel copes */
    }
}

/* Reads and serves the requests waiting on the device; returns once none is left when the device
 * is non-blocking, and never when it blocks. */
static void serve_device(size_t size) {
    for (;;) {
        ssize_t n = read(dev_fuse, in_buffer, size);
        if (n < 0) {
            if (errno == EAGAIN) {
                return;
            }
            if (errno == ENOENT || errno == EINTR) {
                continue;
            }
            exit(errno == ENODEV ? 0 : 1);   /* ENODEV: unmounted */
        }
        const struct fuse_in_header *header = (const void *) in_buffer;
        dispatch(header, header + 1);
    }
}

/* A raw io_uring: 128-byte SQEs (a FUSE command fills their tail), used by this thread alone, with
 * the kernel's completion work run in io_uring_enter(2) rather than by interrupting the thread. */
static struct {
    int fd;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;   /* 128 bytes each: index them twice */
    struct io_uring_cqe *cqes;
    unsigned pending;            /* SQEs queued since the last enter */
} ring;

#define POLL_TAG UINT64_MAX

static void ring_setup(unsigned entries) {
    struct io_uring_params params = {.flags = IORING_SETUP_SQE128 | IORING_SETUP_SINGLE_ISSUER
                                              | IORING_SETUP_DEFER_TASKRUN};
    ring.fd = syscall(__NR_io_uring_setup, entries, &params);
    if (ring.fd < 0) {
        perror("floor: io_uring_setup");
        exit(1);
    }
    size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
    size_t size = sq_size > cq_size ? sq_size : cq_size;   /* one mapping for both (IORING_FEAT_SINGLE_MMAP) */
    char *rings = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQ_RING);
    ring.sqes = mmap(NULL, 2 * params.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQES);
    if (rings == MAP_FAILED || ring.sqes == MAP_FAILED || !(params.features & IORING_FEAT_SINGLE_MMAP)) {
        perror("floor: io_uring mmap");
        exit(1);
    }
    ring.sq_head = (unsigned *) (rings + params.sq_off.head);
    ring.sq_tail = (unsigned *) (rings + params.sq_off.tail);
    ring.sq_mask = (unsigned *) (rings + params.sq_off.ring_mask);
    ring.sq_array = (unsigned *) (rings + params.sq_off.array);
    ring.cq_head = (unsigned *) (rings + params.cq_off.head);
    ring.cq_tail = (unsigned *) (rings + params.cq_off.tail);
    ring.cq_mask = (unsigned *) (rings + params.cq_off.ring_mask);
    ring.cqes = (struct io_uring_cqe *) (rings + params.cq_off.cqes);
}

static struct io_uring_sqe *ring_sqe(void) {
    unsigned tail = *ring.sq_tail, index = tail & *ring.sq_mask;
    struct io_uring_sqe *sqe = &ring.sqes[2 * index];
    memset(sqe, 0, 2 * sizeof *sqe);
    ring.sq_array[index] = index;
    __atomic_store_n(ring.sq_tail, tail + 1, __ATOMIC_RELEASE);
    ring.pending++;
    return sqe;
}

static void ring_command(struct ring_entry *entry, uint32_t op, const struct iovec *buffers) {
    struct io_uring_sqe *sqe = ring_sqe();
    sqe->opcode = IORING_OP_URING_CMD;
    sqe->fd = dev_fuse;
    sqe->cmd_op = op;
    sqe->user_data = (uint64_t) (uintptr_t) entry;
    if (buffers) {
        sqe->addr = (uint64_t) (uintptr_t) buffers;
        sqe->len = 2;
    }
    *(struct floor_uring_cmd *) sqe->cmd = (struct floor_uring_cmd){.commit_id = entry->header.commit_id,
                                                                    .qid = entry->qid};
}

static void ring_poll_device(void) {
    struct io_uring_sqe *sqe = ring_sqe();
    sqe->opcode = IORING_OP_POLL_ADD;
    sqe->fd = dev_fuse;
    sqe->poll32_events = POLLIN;
    sqe->len = IORING_POLL_ADD_MULTI;
    sqe->user_data = POLL_TAG;
}

/* The kernel makes a queue per possible CPU and takes requests only once each has an entry. */
static unsigned possible_cpus(void) {
    char text[64] = "";
    FILE *file = fopen("/sys/devices/system/cpu/possible", "r");
    if (!file || !fgets(text, sizeof text, file)) {
        perror("floor: /sys/devices/system/cpu/possible");
        exit(1);
    }
    fclose(file);
    char *last = strrchr(text, '-');
    char *comma = strrchr(text, ',');
    if (!last || (comma && comma > last)) {
        last = comma ? comma : text - 1;
    }
    return (unsigned) atoi(last + 1) + 1;
}

/* Serves the INIT through the device, then every request through the ring. */
static void serve_ring(size_t size) {
    const struct fuse_in_header *init = (const void *) in_buffer;
    while (read(dev_fuse, in_buffer, size) < 0 || init->opcode != FUSE_INIT) {
        if (errno != EINTR && errno != ENOENT) {
            exit(1);
        }
    }
    dispatch(init, init + 1);
    fcntl(dev_fuse, F_SETFL, fcntl(dev_fuse, F_GETFL) | O_NONBLOCK);

    unsigned queues = possible_cpus();
    ring_setup(2 * queues + 2);
    struct ring_entry *entries = calloc(queues, sizeof *entries);
    struct iovec (*buffers)[2] = calloc(queues, sizeof *buffers);
    for (unsigned qid = 0; qid < queues; qid++) {
        char *buffer;
        if (posix_memalign((void **) &buffer, PAGE, size)) {
            exit(1);
        }
        entries[qid] = (struct ring_entry){.payload = buffer + PAGE, .qid = qid};
        buffers[qid][0] = (struct iovec){&entries[qid].header, sizeof entries[qid].header};
        buffers[qid][1] = (struct iovec){entries[qid].payload, MAX_WRITE};
        ring_command(&entries[qid], FLOOR_URING_CMD_REGISTER, buffers[qid]);
    }
    ring_poll_device();
    for (;;) {
        if (syscall(__NR_io_uring_enter, ring.fd, ring.pending, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("floor: io_uring_enter");
            exit(1);
        }
        ring.pending = 0;
        unsigned head = *ring.cq_head, tail = __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE);
        for (; head != tail; head++) {
            struct io_uring_cqe *cqe = &ring.cqes[head & *ring.cq_mask];
            if (cqe->user_data == POLL_TAG) {
                serve_device(size);
                if (!(cqe->flags & IORING_CQE_F_MORE)) {
                    ring_poll_device();
                }
                continue;
            }
            if (cqe->res < 0) {   /* ENOTCONN: unmounted */
                exit(cqe->res == -ENOTCONN || cqe->res == -ECONNABORTED ? 0 : 1);
            }
            struct ring_entry *entry = (struct ring_entry *) (uintptr_t) cqe->user_data;
            const struct fuse_in_header *header = (const void *) entry->header.in_out;
            /* dispatch() takes the opcode's header and the rest of the request in one piece, as read(2) gives them. */
            size_t op_size = header->len - sizeof *header - entry->header.payload_sz;
            char *arg = entry->payload - op_size;
            memcpy(arg, entry->header.op_in, op_size);
            answering = entry;
            dispatch(header, arg);
            answering = NULL;
            ring_command(entry, FLOOR_URING_CMD_COMMIT_AND_FETCH, NULL);
        }
        __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
    }
}

static void serve(void) {
    size_t size = MAX_WRITE + PAGE;
    if (posix_memalign((void **) &in_buffer, PAGE, size) || posix_memalign((void **) &out_buffer, PAGE, size)) {
        exit(1);
    }
    if (uring) {
        serve_ring(size);
    } else {
        serve_device(size);
    }
}

int main(int argc, char **argv) {
    uring = argc == 4 && !strcmp(argv[1], "--uring");
    argv += uring;
    if (argc - uring != 3) {
        fprintf(stderr, "usage: floor [--uring] BACKING MOUNTPOINT\n");
        return 2;
    }
    if (uring) {
        /* Checked before mounting: a daemon that finds no ring at INIT would leave a dead mount. */
        FILE *parameter = fopen("/sys/module/fuse/parameters/enable_uring", "r");
        if (!parameter || fgetc(parameter) != 'Y') {
            fprintf(stderr, "floor: --uring needs /sys/module/fuse/parameters/enable_uring set to Y\n");
            return 1;
        }
        fclose(parameter);
    }
    /* One O_PATH descriptor per inode the kernel knows: as many as root may have, or as the hard limit allows. */
    struct rlimit files = {1 << 20, 1 << 20};
    if (setrlimit(RLIMIT_NOFILE, &files) < 0) {
        getrlimit(RLIMIT_NOFILE, &files);
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }

    root.fd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
    dev_fuse = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (root.fd < 0 || dev_fuse < 0) {
        perror("floor: open");
        return 1;
    }
    char options[256];
    snprintf(options, sizeof options,
             "fd=%d,rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other", dev_fuse);
    if (mount("floor", argv[2], "fuse.floor", MS_NOSUID | MS_NODEV, options) < 0) {
        perror("floor: mount");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("floor: fork");
        umount2(argv[2], MNT_DETACH);
        return 1;
    }
    if (pid > 0) {
        printf("%d\n", pid);
        return 0;
    }
    setsid();
    int null = open("/dev/null", O_RDWR);
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    close(null);
    serve();
    return 0;
}
