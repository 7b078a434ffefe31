package dev.dxfs.fuse;

import jnr.ffi.Pointer;

/**
 * A filesystem served over FUSE at the protocol's level, whichever transport carries the requests
 * (libfuse 2's low-level API or the daemon's own): every request names its node by the id the
 * filesystem gave it, and every method answers its request exactly once. Names are byte
 * strings ({@link Names}); {@code fi} is null where the kernel sent no file handle.
 */
public interface Filesystem {
    /** The session is live; {@code kernel} is how the filesystem makes the kernel forget a name. */
    void init(KernelCache kernel);

    void lookup(Request req, long parent, String name);

    /** The kernel dropped {@code lookups} references to node {@code ino}; nothing to answer. */
    void forget(long ino, long lookups);

    void getattr(Request req, long ino, FileInfo fi);

    /**
     * getattr with the file's birth time (7.39, Linux 6.6), which the kernel asks only for a
     * statx(2) that wants it while it keeps none for the node; libfuse 2's protocol cannot carry
     * it, and the kernel then asks GETATTR and shows no birth time.
     */
    void statx(Request req, long ino, FileInfo fi);

    /** {@code attr} is a struct stat holding the fields {@code toSet} selects ({@link SetAttr}). */
    void setattr(Request req, long ino, Pointer attr, int toSet, FileInfo fi);

    void readlink(Request req, long ino);

    void mknod(Request req, long parent, String name, int mode, long rdev);

    void mkdir(Request req, long parent, String name, int mode);

    void unlink(Request req, long parent, String name);

    void rmdir(Request req, long parent, String name);

    void symlink(Request req, String target, long parent, String name);

    /**
     * {@code flags} are renameat2(2)'s: RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT (0 from
     * rename(2), and always 0 through libfuse 2, whose protocol cannot carry them).
     */
    void rename(Request req, long parent, String name, long newParent, String newName, int flags);

    void link(Request req, long ino, long newParent, String newName);

    void open(Request req, long ino, FileInfo fi);

    void create(Request req, long parent, String name, int mode, FileInfo fi);

    /**
     * open(O_TMPFILE) in directory {@code parent}: a new file without a name, answered as a create
     * (7.37; libfuse 2's protocol cannot carry it, and the kernel then fails the open with
     * EOPNOTSUPP).
     */
    void tmpfile(Request req, long parent, int mode, FileInfo fi);

    void read(Request req, long ino, long size, long offset, FileInfo fi);

    void write(Request req, long ino, Pointer buf, long size, long offset, FileInfo fi);

    void flush(Request req, long ino, FileInfo fi);

    void release(Request req, long ino, FileInfo fi);

    /**
     * A RELEASE of handle {@code fh} was received: called in the order the kernel queued
     * requests, before any later request is received, so must not block. Its {@link #release}
     * follows on another thread.
     */
    void releaseQueued(long fh);

    void fsync(Request req, long ino, boolean dataOnly, FileInfo fi);

    void fallocate(Request req, long ino, int mode, long offset, long length, FileInfo fi);

    /**
     * copy_file_range(2) from handle {@code fhIn} of node {@code ino} to handle {@code fhOut} of
     * node {@code inoOut}, both of this mount (7.28; libfuse 2's protocol cannot carry it, and the
     * kernel then copies through READs and WRITEs): answered with the bytes copied, as a write.
     */
    void copyFileRange(Request req, long ino, long fhIn, long offsetIn, long inoOut, long fhOut, long offsetOut,
            long length);

    /**
     * lseek(2) with SEEK_DATA or SEEK_HOLE, the only ones the kernel asks of a filesystem (7.24;
     * libfuse 2's protocol cannot carry it, and the kernel then counts every byte as data).
     */
    void lseek(Request req, long ino, long offset, int whence, FileInfo fi);

    void opendir(Request req, long ino, FileInfo fi);

    void readdir(Request req, long ino, long size, long offset, FileInfo fi);

    void releasedir(Request req, long ino, FileInfo fi);

    void fsyncdir(Request req, long ino, boolean dataOnly, FileInfo fi);

    void statfs(Request req, long ino);

    void setxattr(Request req, long ino, String name, Pointer value, long size, int flags);

    void getxattr(Request req, long ino, String name, long size);

    void listxattr(Request req, long ino, long size);

    void removexattr(Request req, long ino, String name);
}
