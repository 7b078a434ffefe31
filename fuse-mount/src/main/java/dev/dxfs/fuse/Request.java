package dev.dxfs.fuse;

import java.util.concurrent.TimeUnit;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One request from the kernel and the ways to answer it, whichever transport carried it. The
 * reply calls copy what they are given before they return, so the buffers may be reused at once.
 * A request is answered on the thread that received it, and the object may be reused for the
 * thread's next request once answered.
 *
 * <p>Native memory from {@link #newStat} and {@link #allocate} is freed when its Java object is
 * collected, and a native call does not keep that object alive: every call that passes such
 * memory as its last use fences it.
 */
public abstract class Request {
    public static final Runtime RUNTIME = Runtime.getSystemRuntime();
    /** sizeof(struct stat) on x86-64. */
    public static final int STAT_SIZE = 144;
    /** How long a thread's groups are kept (see {@link GroupsCache}). */
    private static final long GROUPS_KEPT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final GroupsCache GROUPS = new GroupsCache(GROUPS_KEPT_NANOS, System::nanoTime);

    /** A zeroed struct stat to fill. */
    public static Pointer newStat() {
        return Memory.allocateDirect(RUNTIME, STAT_SIZE, true);
    }

    /** Zeroed native memory of {@code size} bytes. */
    public static Pointer allocate(long size) {
        return Memory.allocateDirect(RUNTIME, (int) size, true);
    }

    /** The kernel's number for this request: numbers grow in the order the kernel queued the requests. */
    public abstract long unique();

    /** The calling thread's id (the kernel reports threads, not processes). */
    public abstract int tid();

    /**
     * The caller's umask, sent with a create, mknod or mkdir (0 with other requests). The mount
     * asks for the create mode unmasked (FUSE_DONT_MASK), so that the backing filesystem can apply
     * the umask, or a directory's default ACL instead, as natively.
     */
    public abstract int umask();

    public abstract int uid();

    public abstract int gid();

    /** The caller's supplementary groups, or null when they cannot be read (the caller is gone). */
    protected abstract int[] groups();

    /**
     * Who the request's backing calls are made for ({@link Credentials}): the caller's fsuid and
     * fsgid and its supplementary groups; null when they are made as the daemon itself (the
     * daemon is not root, or the caller has the daemon's own uid and gid). Groups that cannot be
     * read (the caller is gone) count as none: fewer rights, never more.
     */
    public final Credentials.Caller caller() {
        if (!Credentials.switching()) {
            return null;
        }
        int uid = uid();
        int gid = gid();
        if (Credentials.isDaemon(uid, gid)) {
            return null;
        }
        return new Credentials.Caller(uid, gid, GROUPS.of(tid(), uid, gid, this::groups));
    }

    public abstract void error(int errno);

    public final void ok() {
        error(0);
    }

    /**
     * Answers a lookup (or mkdir, symlink, ...) with node {@code node} and its attributes, which
     * the kernel may keep for the given seconds. Returns whether the kernel took it: only then
     * does it hold a reference.
     */
    public abstract boolean entry(long node, Pointer stat, double nameSeconds, double attrSeconds);

    /**
     * Answers a lookup of a name that does not exist with an entry of no node, which the kernel
     * keeps as that name's absence for {@code seconds}: until then a walk of the name, and an
     * open that creates it, look it up no more. Returns whether the kernel took it.
     */
    public final boolean absent(double seconds) {
        return entry(0, newStat(), seconds, 0);
    }

    /**
     * Answers a create with the new node, its attributes, which the kernel may keep for
     * {@code attrSeconds}, and the open file; the kernel never keeps the name, which is its
     * creator's alone until the file is published.
     */
    public abstract boolean created(long node, Pointer stat, double attrSeconds, FileInfo fi);

    /** Answers with attributes the kernel may keep for {@code seconds}. */
    public abstract void attr(Pointer stat, double seconds);

    /**
     * Answers a statx as {@link #attr} answers a getattr, with the birth time of {@code birth},
     * a struct statx as statx(2) filled it (none where its mask lacks STATX_BTIME).
     */
    public abstract void statx(Pointer stat, Pointer birth, double seconds);

    /** {@code target} is NUL-terminated. */
    public abstract void readlink(Pointer target);

    public abstract void open(FileInfo fi);

    public abstract void written(long count);

    /** Answers an lseek with the offset it found. */
    public abstract void sought(long offset);

    public abstract void buffer(Pointer buf, long size);

    /**
     * Answers a read with up to {@code size} bytes of {@code fd} from {@code offset}, read
     * straight into the reply, so the data never passes through the Java heap. Fewer bytes at the
     * end of the file; a failed read is answered with its errno.
     */
    public abstract void data(int fd, long size, long offset);

    /** {@code statvfs} is a struct statvfs. */
    public abstract void statfs(Pointer statvfs);

    /** Answers a getxattr or listxattr that asked only for the size. */
    public abstract void xattrSize(long size);

    /** A readdir answer being filled: entries are added until the kernel's buffer of {@code size} is full. */
    public abstract DirectoryPage page(long size);

    /** Directory entries being gathered into one answer. */
    public interface DirectoryPage {
        /**
         * Adds an entry whose successor is at {@code next}; returns false, adding nothing, when
         * it does not fit.
         */
        boolean add(byte[] entryName, long ino, int dirType, long next);

        void reply();
    }
}
