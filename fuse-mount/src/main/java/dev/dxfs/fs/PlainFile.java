package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import jnr.ffi.Pointer;

/**
 * A handle served straight from a backing descriptor: reads, executions, appends, and writes to
 * paths the policy does not stage.
 */
final class PlainFile extends OpenFile {
    private final int fd;
    private final boolean executes;
    private final boolean onVersion;
    private final boolean writes;
    private boolean released;

    /**
     * Takes ownership of {@code fd}. {@code onVersion}: {@code fd} is open on the node's own
     * version (not on a writer's unpublished file); {@code writes}: the handle has write access.
     */
    PlainFile(Node node, int fd, boolean executes, boolean onVersion, boolean writes) {
        super(node);
        this.fd = fd;
        this.executes = executes;
        this.onVersion = onVersion;
        this.writes = writes;
    }

    /**
     * The descriptor of the node's version when the handle is open on it (the kernel may then
     * read it without the daemon: the version never changes but by appends and writes in place,
     * which land in that same file), else -1.
     */
    int versionFd() {
        return onVersion ? fd : -1;
    }

    /** Whether the handle writes: in place, into the file it is open on. */
    boolean writes() {
        return writes;
    }

    /** Whether a program is being started from (and so runs from) this handle. */
    boolean executes() {
        return executes;
    }

    @Override
    public String toString() {
        return (executes ? "exec " : "plain ") + node();
    }

    @Override
    void read(ReadReply reply) {
        reply.from(fd);
    }

    @Override
    long write(Pointer buf, long size, long offset) throws FsException {
        // With O_APPEND, Linux pwrite appends whatever the offset: every append lands. The lock
        // costs nothing beside the backing filesystem's own per inode (see writeCached).
        synchronized (this) {
            return check(C.pwrite(fd, buf, size, offset), "write");
        }
    }

    /**
     * A shared mapping of an appender's file writes its pages in place, as natively: the
     * descriptor's O_APPEND is set aside for the one pwrite, under the handle's lock, which the
     * appends of the handle take too, so that none of them lands at an offset meanwhile.
     */
    @Override
    long writeCached(Pointer buf, long size, long offset) throws FsException {
        synchronized (this) {
            int flags = (int) check(C.fcntl(fd, Libc.F_GETFL, 0), "fcntl");
            if ((flags & Libc.O_APPEND) == 0) {
                return check(C.pwrite(fd, buf, size, offset), "write");
            }
            check(C.fcntl(fd, Libc.F_SETFL, flags & ~Libc.O_APPEND), "fcntl");
            try {
                return check(C.pwrite(fd, buf, size, offset), "write");
            } finally {
                C.fcntl(fd, Libc.F_SETFL, flags);
            }
        }
    }

    @Override
    void truncate(long size) throws FsException {
        check(C.ftruncate(fd, size), "ftruncate");
    }

    @Override
    void allocate(int mode, long offset, long length) throws FsException {
        check(C.fallocate(fd, mode, offset, length), "fallocate");
    }

    @Override
    synchronized int duplicate() throws FsException {
        requireOpen(released);
        return (int) check(C.dup(fd), "dup");
    }

    @Override
    long copyFrom(int from, long fromOffset, long offset, long length) throws FsException {
        synchronized (this) {
            return SparseCopy.copyRange(from, fromOffset, fd, offset, length);
        }
    }

    @Override
    long seek(long offset, int whence) throws FsException {
        return check(C.lseek(fd, offset, whence), "lseek");
    }

    @Override
    void sync(boolean dataOnly) throws FsException {
        check(dataOnly ? C.fdatasync(fd) : C.fsync(fd), "fsync");
    }

    @Override
    synchronized void stat(Pointer statbuf) throws FsException {
        requireOpen(released);
        check(C.fstat(fd, statbuf), "fstat");
    }

    /** Its writes went to the published file itself: nothing to publish. */
    @Override
    void flush() {
        // Nothing to do: the writes are in the file.
    }

    /** Other calls may still hold this handle (a stat of its node): they see it released. */
    @Override
    synchronized NodeTable.Binding release() {
        released = true;
        C.close(fd);
        return null;
    }
}
