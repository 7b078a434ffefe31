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
     * Reads and writes bypass the kernel's page cache, which is one per node and shared by all
     * the node's open files.
     */
    void directIo();

    /**
     * The handle only reads its node's version, the file {@code versionFd} is open on, and has
     * nothing to do at a flush: a transport that can hands its reads and mappings to the kernel,
     * straight from that file (FUSE passthrough), in place of {@link #directIo} and of the page
     * cache, and spares its closes the FLUSH. One that cannot ignores this.
     */
    void passThrough(int versionFd);
}
