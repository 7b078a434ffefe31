package dev.dxfs.fs;

import jnr.ffi.Pointer;

/**
 * One open of a regular file through the mount: what a FUSE file handle stands for. Every read,
 * write and attribute call on the handle goes to its own descriptor, never back through a name,
 * so a handle keeps the version it opened.
 */
abstract sealed class OpenFile permits PlainFile, StagedWrite {
    private final Node node;
    /** How many times the kernel had been given the node when the handle was opened. */
    private final long givenAtOpen;
    /** Whether its RELEASE was received: the kernel holds no file of it any more. */
    private volatile boolean closedByKernel;

    OpenFile(Node node) {
        this.node = node;
        this.givenAtOpen = node.timesGiven();
    }

    Node node() {
        return node;
    }

    /**
     * Whether the kernel has been given the handle's node again since the open: the kernel sends
     * a RELEASE after the close has returned, so a lookup by the closing process's next step
     * (a stat of what it wrote) may come first.
     */
    boolean nodeGivenSinceOpen() {
        return node.timesGiven() != givenAtOpen;
    }

    /** The handle's RELEASE was received: the kernel's last file of it is closed, whenever the daemon handles it. */
    void closedByKernel() {
        closedByKernel = true;
    }

    boolean isClosedByKernel() {
        return closedByKernel;
    }

    /** Something that answers a read from a descriptor, while the handle keeps it open. */
    interface ReadReply {
        void from(int fd);
    }

    /** Answers a read with this handle's data. */
    abstract void read(ReadReply reply) throws FsException;

    abstract long write(Pointer buf, long size, long offset) throws FsException;

    /**
     * Writes pages the kernel cached (a shared mapping's, written back) at their offset. Only a
     * handle that appends writes them otherwise than {@link #write}.
     */
    long writeCached(Pointer buf, long size, long offset) throws FsException {
        return write(buf, size, offset);
    }

    abstract void truncate(long size) throws FsException;

    abstract void allocate(int mode, long offset, long length) throws FsException;

    /** A descriptor of the data this handle reads, the caller's to close. */
    abstract int duplicate() throws FsException;

    /**
     * copy_file_range(2) of {@code length} bytes of {@code from} at {@code fromOffset} into this
     * handle's file at {@code offset}, as a write: the bytes copied.
     */
    abstract long copyFrom(int from, long fromOffset, long offset, long length) throws FsException;

    /** lseek(2) of the handle's file with SEEK_DATA or SEEK_HOLE: the offset found. */
    abstract long seek(long offset, int whence) throws FsException;

    abstract void sync(boolean dataOnly) throws FsException;

    /** Fills {@code statbuf} with the attributes this handle's opener should see. */
    abstract void stat(Pointer statbuf) throws FsException;

    /** Calls that reach a handle from outside (through its node) after its release fail. */
    static void requireOpen(boolean released) throws FsException {
        if (released) {
            throw new FsException(Errno.ESTALE, "released");
        }
    }

    /** One close() of a descriptor of this handle; the last one is followed by {@link #release}. */
    abstract void flush() throws FsException;

    /**
     * The last close: the handle's resources are freed whatever happens. Returns the name it
     * published to, or null.
     */
    abstract NodeTable.Binding release() throws FsException;
}
