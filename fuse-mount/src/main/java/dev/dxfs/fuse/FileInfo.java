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
}
