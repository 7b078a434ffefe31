package dev.dxfs.fuse;

import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One request from the kernel and the ways to answer it. The reply calls copy what they are
 * given before they return, so the buffers may be reused at once.
 *
 * <p>Native memory from {@link #newStat} and {@link #allocate} is freed when its Java object is
 * collected, and a native call does not keep that object alive: every call that passes such
 * memory as its last use fences it.
 */
public final class Request {
    static final Runtime RUNTIME = Runtime.getRuntime(FuseLib.F);
    /** sizeof(struct stat) on x86-64. */
    public static final int STAT_SIZE = 144;
    private static final int ENTRY_SIZE = 16 + STAT_SIZE + 16;
    private static final int ATTR_TIMEOUT = 16 + STAT_SIZE;
    private static final int ENTRY_TIMEOUT = ATTR_TIMEOUT + 8;
    private static final int BUFVEC_SIZE = 64;
    /** fuse_buf_flags: FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK. */
    private static final int FD_AT_POSITION = 2 | 4;
    /** Supplementary groups read at first: most users have a few. */
    private static final int GROUPS_GUESS = 32;
    /** How long a thread's groups are kept (see {@link GroupsCache}). */
    private static final long GROUPS_KEPT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final GroupsCache GROUPS = new GroupsCache(GROUPS_KEPT_NANOS, System::nanoTime);

    private final Pointer req;

    Request(Pointer req) {
        this.req = req;
    }

    /** A zeroed struct stat to fill. */
    public static Pointer newStat() {
        return Memory.allocateDirect(RUNTIME, STAT_SIZE, true);
    }

    /** Zeroed native memory of {@code size} bytes. */
    public static Pointer allocate(long size) {
        return Memory.allocateDirect(RUNTIME, (int) size, true);
    }

    /**
     * The kernel's number for this request: numbers grow in the order the kernel queued the
     * requests (struct fuse_req of libfuse 2.9 holds it after its session pointer).
     */
    public long unique() {
        return req.getLong(8);
    }

    /** The calling thread's id (the kernel reports threads, not processes). */
    public int tid() {
        return FuseLib.F.fuse_req_ctx(req).getInt(8);
    }

    /**
     * The caller's umask, sent with a create, mknod or mkdir (0 with other requests). The mount
     * asks for the create mode unmasked (FUSE_DONT_MASK), so that the backing filesystem can apply
     * the umask, or a directory's default ACL instead, as natively.
     */
    public int umask() {
        return FuseLib.F.fuse_req_ctx(req).getInt(12);
    }

    public int uid() {
        return FuseLib.F.fuse_req_ctx(req).getInt(0);
    }

    public int gid() {
        return FuseLib.F.fuse_req_ctx(req).getInt(4);
    }

    /**
     * Who the request's backing calls are made for ({@link Credentials}): the caller's fsuid and
     * fsgid and its supplementary groups; null when they are made as the daemon itself (the
     * daemon is not root, or the caller has the daemon's own uid and gid). Groups that cannot be
     * read (the caller is gone) count as none: fewer rights, never more.
     */
    public Credentials.Caller caller() {
        if (!Credentials.switching()) {
            return null;
        }
        Pointer ctx = FuseLib.F.fuse_req_ctx(req);
        int uid = ctx.getInt(0);
        int gid = ctx.getInt(4);
        if (Credentials.isDaemon(uid, gid)) {
            return null;
        }
        return new Credentials.Caller(uid, gid, GROUPS.of(ctx.getInt(8), uid, gid, this::groups));
    }

    /** The caller's supplementary groups as libfuse reads them from /proc, or null. */
    private int[] groups() {
        int[] list = new int[GROUPS_GUESS];
        int count = FuseLib.F.fuse_req_getgroups(req, list.length, list);
        if (count > list.length) {
            list = new int[count];
            count = FuseLib.F.fuse_req_getgroups(req, list.length, list);
        }
        return count < 0 ? null : Arrays.copyOf(list, Math.min(count, list.length));
    }

    public void error(int errno) {
        FuseLib.F.fuse_reply_err(req, errno);
    }

    public void ok() {
        FuseLib.F.fuse_reply_err(req, 0);
    }

    /**
     * Answers a lookup (or mkdir, symlink, ...) with node {@code node} and its attributes, which
     * the kernel may keep for the given seconds. Returns whether the kernel took it: only then
     * does it hold a reference.
     */
    public boolean entry(long node, Pointer stat, double nameSeconds, double attrSeconds) {
        Pointer entry = entryParam(node, stat);
        entry.putDouble(ATTR_TIMEOUT, attrSeconds);
        entry.putDouble(ENTRY_TIMEOUT, nameSeconds);
        try {
            return FuseLib.F.fuse_reply_entry(req, entry) == 0;
        } finally {
            Reference.reachabilityFence(entry);
        }
    }

    /**
     * Answers a create with the new node and the open file; the kernel keeps neither the name
     * nor the attributes, which are its creator's alone until the file is published.
     */
    public boolean created(long node, Pointer stat, FileInfo fi) {
        Pointer entry = entryParam(node, stat);
        try {
            return FuseLib.F.fuse_reply_create(req, entry, fi.memory()) == 0;
        } finally {
            Reference.reachabilityFence(entry);
        }
    }

    private static Pointer entryParam(long node, Pointer stat) {
        Pointer entry = Memory.allocateDirect(RUNTIME, ENTRY_SIZE, true);
        entry.putLong(0, node);
        entry.transferFrom(16, stat, 0, STAT_SIZE);
        return entry;
    }

    /** Answers with attributes the kernel may keep for {@code seconds}. */
    public void attr(Pointer stat, double seconds) {
        FuseLib.F.fuse_reply_attr(req, stat, seconds);
        Reference.reachabilityFence(stat);
    }

    /** {@code target} is NUL-terminated. */
    public void readlink(Pointer target) {
        FuseLib.F.fuse_reply_readlink(req, target);
        Reference.reachabilityFence(target);
    }

    public void open(FileInfo fi) {
        FuseLib.F.fuse_reply_open(req, fi.memory());
    }

    public void written(long count) {
        FuseLib.F.fuse_reply_write(req, count);
    }

    public void buffer(Pointer buf, long size) {
        FuseLib.F.fuse_reply_buf(req, buf, size);
        Reference.reachabilityFence(buf);
    }

    /**
     * Answers a read with up to {@code size} bytes of {@code fd} from {@code offset}: libfuse
     * reads them itself, so the data never passes through the Java heap. Fewer bytes at the end
     * of the file; a failed read is answered with its errno.
     */
    public void data(int fd, long size, long offset) {
        Pointer bufvec = Memory.allocateDirect(RUNTIME, BUFVEC_SIZE, true);
        bufvec.putLong(0, 1);
        bufvec.putLong(24, size);
        bufvec.putInt(32, FD_AT_POSITION);
        bufvec.putInt(48, fd);
        bufvec.putLong(56, offset);
        FuseLib.F.fuse_reply_data(req, bufvec, 0);
        Reference.reachabilityFence(bufvec);
    }

    public void statfs(Pointer statvfs) {
        FuseLib.F.fuse_reply_statfs(req, statvfs);
        Reference.reachabilityFence(statvfs);
    }

    /** Answers a getxattr or listxattr that asked only for the size. */
    public void xattrSize(long size) {
        FuseLib.F.fuse_reply_xattr(req, size);
    }

    /** A readdir answer being filled: entries are added until the kernel's buffer is full. */
    public DirectoryPage page(long size) {
        return new DirectoryPage(size);
    }

    public final class DirectoryPage {
        private final Pointer buf;
        private final long size;
        private final Pointer name = Memory.allocateDirect(RUNTIME, 256 + 1);
        private final Pointer stat = newStat();
        private long used;

        private DirectoryPage(long size) {
            this.buf = Memory.allocateDirect(RUNTIME, (int) size);
            this.size = size;
        }

        /**
         * Adds an entry whose successor is at {@code next}; returns false, adding nothing, when
         * it does not fit.
         */
        public boolean add(byte[] entryName, long ino, int dirType, long next) {
            name.put(0, entryName, 0, entryName.length);
            name.putByte(entryName.length, (byte) 0);
            stat.putLong(8, ino);
            stat.putInt(24, dirType << 12);
            long needed = FuseLib.F.fuse_add_direntry(req, buf.slice(used), size - used, name, stat, next);
            Reference.reachabilityFence(this);
            if (needed > size - used) {
                return false;
            }
            used += needed;
            return true;
        }

        public void reply() {
            buffer(buf, used);
        }
    }
}
