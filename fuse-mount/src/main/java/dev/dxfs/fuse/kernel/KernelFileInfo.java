package dev.dxfs.fuse.kernel;

import dev.dxfs.fuse.FileInfo;

/**
 * The open file a request names, read from the request, and what the filesystem chose for it,
 * written into an open's answer. One per thread, reset for each request that names a file.
 */
final class KernelFileInfo implements FileInfo {
    private int flags;
    private long handle;
    private boolean directIo;
    private boolean cachedWrite;
    private int versionFd;
    private boolean writes;
    private boolean noFlush;
    private boolean regularFile;

    KernelFileInfo reset(long handle, int flags) {
        this.handle = handle;
        this.flags = flags;
        this.directIo = false;
        this.cachedWrite = false;
        this.versionFd = -1;
        this.writes = false;
        this.noFlush = false;
        this.regularFile = false;
        return this;
    }

    /** An OPEN's or a CREATE's: the handle is a regular file's (an OPENDIR's is not, and is numbered apart). */
    KernelFileInfo regularFile() {
        regularFile = true;
        return this;
    }

    boolean isRegularFile() {
        return regularFile;
    }

    /** A WRITE's: whether fuse_write_in.write_flags has FUSE_WRITE_CACHE. */
    KernelFileInfo writeFlags(int writeFlags) {
        cachedWrite = (writeFlags & Protocol.WRITE_CACHE) != 0;
        return this;
    }

    @Override
    public int flags() {
        return flags;
    }

    @Override
    public long handle() {
        return handle;
    }

    @Override
    public void handle(long handle) {
        this.handle = handle;
    }

    @Override
    public boolean cachedWrite() {
        return cachedWrite;
    }

    @Override
    public void directIo() {
        directIo = true;
    }

    @Override
    public void passThrough(int versionFd, boolean writes) {
        this.versionFd = versionFd;
        this.writes = writes;
    }

    @Override
    public void nothingToFlush() {
        noFlush = true;
    }

    /** The file the handle may pass through to, or -1. */
    int versionFd() {
        return versionFd;
    }

    /**
     * fuse_open_out.open_flags, for an answer naming {@code backingId} (0: none). A handle with
     * nothing to flush at a close gets no FLUSH (so a close does not wait for the daemon either).
     * A handle that writes, or names its node's backing file without being open on it, keeps its
     * reads and writes with the daemon: direct_io, which the kernel lets override passthrough.
     */
    int openFlags(int backingId) {
        int flags = noFlush ? Protocol.FOPEN_NOFLUSH : 0;
        if (backingId > 0) {
            return flags | (versionFd >= 0 && !writes ? Protocol.FOPEN_PASSTHROUGH
                    : Protocol.FOPEN_PASSTHROUGH | Protocol.FOPEN_DIRECT_IO);
        }
        return directIo ? flags | Protocol.FOPEN_DIRECT_IO : flags;
    }
}
