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

    KernelFileInfo reset(long handle, int flags) {
        this.handle = handle;
        this.flags = flags;
        this.directIo = false;
        this.cachedWrite = false;
        return this;
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

    /** fuse_open_out.open_flags. */
    int openFlags() {
        return directIo ? Protocol.FOPEN_DIRECT_IO : 0;
    }
}
