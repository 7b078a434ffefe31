package dev.dxfs.fuse.kernel;

/**
 * The FUSE protocol's numbers and the layout of the structs this transport reads and writes
 * (include/uapi/linux/fuse.h). Offsets of a request's own struct count from the end of the
 * 40-byte struct fuse_in_header; offsets of an answer's from the end of the 16-byte struct
 * fuse_out_header.
 */
final class Protocol {
    static final int MAJOR = 7;
    /**
     * The newest minor whose protocol this transport implements; it says which requests and
     * struct sizes the kernel may use, while each feature stays off until its flag is asked for.
     */
    static final int NEWEST_MINOR = 44;
    /** The oldest minor served: umask in create, mknod and mkdir and FUSE_DONT_MASK (Linux 2.6.31). */
    static final int OLDEST_MINOR = 12;

    static final int IN_HEADER = 40;
    static final int OUT_HEADER = 16;

    // struct fuse_in_header
    static final int IN_OPCODE = 4;
    static final int IN_UNIQUE = 8;
    static final int IN_NODEID = 16;
    static final int IN_UID = 24;
    static final int IN_GID = 28;
    static final int IN_PID = 32;

    // opcodes
    static final int LOOKUP = 1;
    static final int FORGET = 2;
    static final int GETATTR = 3;
    static final int SETATTR = 4;
    static final int READLINK = 5;
    static final int SYMLINK = 6;
    static final int MKNOD = 8;
    static final int MKDIR = 9;
    static final int UNLINK = 10;
    static final int RMDIR = 11;
    static final int RENAME = 12;
    static final int LINK = 13;
    static final int OPEN = 14;
    static final int READ = 15;
    static final int WRITE = 16;
    static final int STATFS = 17;
    static final int RELEASE = 18;
    static final int FSYNC = 20;
    static final int SETXATTR = 21;
    static final int GETXATTR = 22;
    static final int LISTXATTR = 23;
    static final int REMOVEXATTR = 24;
    static final int FLUSH = 25;
    static final int INIT = 26;
    static final int OPENDIR = 27;
    static final int READDIR = 28;
    static final int RELEASEDIR = 29;
    static final int FSYNCDIR = 30;
    static final int CREATE = 35;
    static final int INTERRUPT = 36;
    static final int DESTROY = 38;
    static final int BATCH_FORGET = 42;
    static final int FALLOCATE = 43;
    static final int RENAME2 = 45;
    static final int LSEEK = 46;
    static final int COPY_FILE_RANGE = 47;
    static final int TMPFILE = 51;
    /** FUSE_STATX (7.39, Linux 6.6): a GETATTR that also asks the birth time. */
    static final int STATX = 52;

    // INIT flags (fuse_init_in.flags / fuse_init_out.flags)
    static final int ASYNC_READ = 1;
    static final int ATOMIC_O_TRUNC = 1 << 3;
    static final int BIG_WRITES = 1 << 5;
    static final int DONT_MASK = 1 << 6;
    /** FUSE_HANDLE_KILLPRIV (7.26): the filesystem clears set-id bits at a write, truncate or chown. */
    static final int HANDLE_KILLPRIV = 1 << 19;
    static final int POSIX_ACL = 1 << 20;
    static final int MAX_PAGES = 1 << 22;
    /** fuse_init_in.flags2 and fuse_init_out.flags2 hold the flags from bit 32 on (7.36). */
    static final int INIT_EXT = 1 << 30;
    // flags2: the INIT flags from bit 32 on, shifted down by 32
    static final int DIRECT_IO_ALLOW_MMAP = 1 << (36 - 32);
    /** FUSE_PASSTHROUGH (7.40): opens may hand their I/O to a backing file (bit 37). */
    static final int PASSTHROUGH = 1 << (37 - 32);

    // struct fuse_init_in
    static final int INIT_MAJOR = 0;
    static final int INIT_MINOR = 4;
    static final int INIT_MAX_READAHEAD = 8;
    static final int INIT_FLAGS = 12;
    static final int INIT_FLAGS2 = 16;
    // struct fuse_init_out
    static final int INIT_OUT_MAX_READAHEAD = 8;
    static final int INIT_OUT_FLAGS = 12;
    static final int INIT_OUT_MAX_BACKGROUND = 16;
    static final int INIT_OUT_CONGESTION_THRESHOLD = 18;
    static final int INIT_OUT_MAX_WRITE = 20;
    // time_gran (24) stays 0: the kernel's default, as with libfuse 2
    static final int INIT_OUT_MAX_PAGES = 28;
    static final int INIT_OUT_FLAGS2 = 32;
    static final int INIT_OUT_MAX_STACK_DEPTH = 36;
    /** sizeof(struct fuse_init_out) from 7.23 on; 24 bytes before (FUSE_COMPAT_22_INIT_OUT_SIZE). */
    static final int INIT_OUT_SIZE = 64;
    static final int INIT_OUT_SIZE_BEFORE_23 = 24;

    // struct fuse_attr (88 bytes)
    static final int ATTR_SIZE = 88;
    // struct fuse_entry_out: nodeid, generation, entry_valid, attr_valid, their nsecs, attr
    static final int ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
    // struct fuse_attr_out: attr_valid, attr_valid_nsec, dummy, attr
    static final int ATTR_OUT_SIZE = 16 + ATTR_SIZE;
    // struct fuse_open_out: fh, open_flags, backing_id (padding before 7.40)
    static final int OPEN_OUT_SIZE = 16;
    static final int OPEN_OUT_FLAGS = 8;
    static final int OPEN_OUT_BACKING_ID = 12;
    static final int FOPEN_DIRECT_IO = 1;
    /** A close of the file sends no FLUSH (7.35). */
    static final int FOPEN_NOFLUSH = 1 << 5;
    static final int FOPEN_PASSTHROUGH = 1 << 7;
    // struct fuse_kstatfs
    static final int STATFS_OUT_SIZE = 80;
    // struct fuse_dirent: ino, off, namelen, type, name (padded to 8 bytes)
    static final int DIRENT_NAME = 24;

    // struct fuse_getattr_in: getattr_flags, dummy, fh; struct fuse_statx_in starts alike
    static final int GETATTR_FLAGS = 0;
    static final int GETATTR_FH = 8;
    static final int GETATTR_FLAG_FH = 1;
    // struct fuse_statx_out: attr_valid, attr_valid_nsec, flags, spare[2], then struct fuse_statx,
    // which has struct statx's layout (256 bytes)
    static final int STATX_OUT_STAT = 32;
    static final int STATX_OUT_SIZE = STATX_OUT_STAT + 256;
    // struct statx and struct fuse_statx: the fields answered; timestamps are {int64 sec; uint32 nsec; int32}
    static final int SX_MASK = 0;
    static final int SX_BLKSIZE = 4;
    static final int SX_NLINK = 16;
    static final int SX_UID = 20;
    static final int SX_GID = 24;
    static final int SX_MODE = 28;
    static final int SX_INO = 32;
    static final int SX_SIZE = 40;
    static final int SX_BLOCKS = 48;
    static final int SX_ATIME = 64;
    static final int SX_BTIME = 80;
    static final int SX_CTIME = 96;
    static final int SX_MTIME = 112;
    static final int SX_RDEV_MAJOR = 128;
    static final int SX_RDEV_MINOR = 132;
    /**
     * The kernel keeps a STATX answer only when its mask holds every basic stat; STATX_BTIME
     * says the birth time is there, and its absence that the file has none.
     */
    static final int STATX_BASIC_STATS = 0x7ff;
    static final int STATX_BTIME = 0x800;
    // struct fuse_setattr_in
    static final int SETATTR_VALID = 0;
    static final int SETATTR_FH = 8;
    static final int SETATTR_SIZE = 16;
    static final int SETATTR_ATIME = 32;
    static final int SETATTR_MTIME = 40;
    static final int SETATTR_ATIMENSEC = 56;
    static final int SETATTR_MTIMENSEC = 60;
    static final int SETATTR_MODE = 68;
    static final int SETATTR_UID = 76;
    static final int SETATTR_GID = 80;
    static final int FATTR_FH = 1 << 6;
    /** The FATTR bits libfuse 2 hands on (MODE, UID, GID, SIZE, ATIME, MTIME, ATIME_NOW, MTIME_NOW). */
    static final int FATTR_HANDED_ON = 0x3f | 1 << 7 | 1 << 8;
    // struct fuse_mknod_in: mode, rdev, umask, padding; struct fuse_mkdir_in: mode, umask
    static final int MKNOD_IN_SIZE = 16;
    static final int MKDIR_IN_SIZE = 8;
    // struct fuse_create_in: flags, mode, umask, open_flags
    static final int CREATE_IN_SIZE = 16;
    // struct fuse_rename_in: newdir; struct fuse_rename2_in: newdir, flags, padding; struct fuse_link_in: oldnodeid
    static final int RENAME_IN_SIZE = 8;
    static final int RENAME2_IN_SIZE = 16;
    static final int RENAME2_FLAGS = 8;
    static final int LINK_IN_SIZE = 8;
    // struct fuse_read_in / fuse_write_in: fh, offset, size, ...; flags at 32
    static final int IO_FH = 0;
    static final int IO_OFFSET = 8;
    static final int IO_SIZE = 16;
    static final int IO_FLAGS = 32;
    // struct fuse_write_in: write_flags at 20; FUSE_WRITE_CACHE: pages written back from the cache
    static final int WRITE_FLAGS = 20;
    static final int WRITE_CACHE = 1;
    static final int WRITE_IN_SIZE = 40;
    // struct fuse_release_in / fuse_flush_in / fuse_fsync_in: fh, then flags
    static final int RELEASE_FLAGS = 8;
    static final int FSYNC_FLAGS = 8;
    static final int FSYNC_FDATASYNC = 1;
    // struct fuse_setxattr_in (without FUSE_SETXATTR_EXT): size, flags; struct fuse_getxattr_in: size, padding
    static final int XATTR_IN_SIZE = 8;
    // struct fuse_batch_forget_in: count, dummy; then struct fuse_forget_one: nodeid, nlookup
    static final int FORGET_ONE_SIZE = 16;
    // struct fuse_fallocate_in: fh, offset, length, mode
    static final int FALLOCATE_OFFSET = 8;
    static final int FALLOCATE_LENGTH = 16;
    static final int FALLOCATE_MODE = 24;
    // struct fuse_lseek_in: fh, offset, whence, padding
    static final int LSEEK_OFFSET = 8;
    static final int LSEEK_WHENCE = 16;
    // struct fuse_copy_file_range_in: fh_in, off_in, nodeid_out, fh_out, off_out, len, flags
    static final int COPY_OFFSET_IN = 8;
    static final int COPY_NODE_OUT = 16;
    static final int COPY_FH_OUT = 24;
    static final int COPY_OFFSET_OUT = 32;
    static final int COPY_LENGTH = 40;

    /** enum fuse_notify_code: FUSE_NOTIFY_INVAL_INODE, with struct fuse_notify_inval_inode_out. */
    static final int NOTIFY_INVAL_INODE = 2;
    static final int NOTIFY_INVAL_INODE_SIZE = 24;
    /** FUSE_NOTIFY_INC_EPOCH (7.44, Linux 6.16): the header alone. */
    static final int NOTIFY_INC_EPOCH = 8;
    /**
     * FUSE_NOTIFY_PRUNE (7.45, Linux 6.18): struct fuse_notify_prune_out {uint32 count; uint32
     * padding; uint64 spare} and count node ids. Known to a kernel that offers 7.45, whatever
     * minor was agreed: notifications are not negotiated.
     */
    static final int NOTIFY_PRUNE = 9;
    static final int PRUNE_MINOR = 45;
    static final int NOTIFY_PRUNE_SIZE = 16;
    static final int INC_EPOCH_MINOR = 44;

    /**
     * Device ioctls (magic 229): FUSE_DEV_IOC_BACKING_OPEN, _IOW(229, 1, struct fuse_backing_map),
     * takes {int32 fd; uint32 flags; uint64 padding} and returns a backing id; FUSE_DEV_IOC_BACKING_CLOSE,
     * _IOW(229, 2, uint32_t), takes a pointer to the id.
     */
    static final long DEV_IOC_BACKING_OPEN = 0x4010e501L;
    static final long DEV_IOC_BACKING_CLOSE = 0x4004e502L;
    static final int BACKING_MAP_SIZE = 16;

    private Protocol() {}
}
