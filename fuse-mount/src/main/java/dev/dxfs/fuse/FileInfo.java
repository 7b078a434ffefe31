package dev.dxfs.fuse;

/**
 * An open file as a request names it: the open flags, the handle number the filesystem chose,
 * and how the kernel is to cache the file.
 */
public interface FileInfo {
    int flags();

    long handle();

    void handle(long handle);

    /**
     * Whether a WRITE carries pages the kernel cached and now writes back (a shared mapping's):
     * they belong at their offset whatever the open flags, O_APPEND included.
     */
    boolean cachedWrite();

    /**
     * Reads and writes bypass the kernel's page cache, which is one per node and shared by all
     * the node's open files.
     */
    void directIo();

    /**
     * The handle is open on its node's version, the file {@code versionFd} is open on: a
     * transport that can names that file to the kernel (FUSE passthrough). A handle that only
     * reads has its reads and mappings served by the kernel straight from that file, in place of
     * {@link #directIo} and of the page cache, and nothing to do at a flush; one that
     * {@code writes} (in place: an append) keeps its reads and writes with the filesystem and has
     * its mappings made of that file. A transport that cannot ignores this.
     */
    void passThrough(int versionFd, boolean writes);

    /**
     * A close of the handle has nothing for the filesystem to do (it only reads: no write to
     * report, no shared mapping it could have dirtied): a transport that can tells the kernel to
     * send no FLUSH, so that a close does not wait for the daemon. A transport that cannot
     * ignores this.
     */
    void nothingToFlush();
}
