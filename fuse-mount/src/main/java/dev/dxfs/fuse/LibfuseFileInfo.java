package dev.dxfs.fuse;

import jnr.ffi.Pointer;

/**
 * libfuse 2's struct fuse_file_info (x86-64), in libfuse's memory.
 */
final class LibfuseFileInfo implements FileInfo {
    private static final int FLAGS = 0;
    private static final int WRITEPAGE = 16;
    private static final int BITS = 20;
    private static final int FH = 24;
    private static final int DIRECT_IO = 1;

    private final Pointer memory;

    LibfuseFileInfo(Pointer memory) {
        this.memory = memory;
    }

    static LibfuseFileInfo orNull(Pointer memory) {
        return memory == null ? null : new LibfuseFileInfo(memory);
    }

    Pointer memory() {
        return memory;
    }

    @Override
    public int flags() {
        return memory.getInt(FLAGS);
    }

    @Override
    public long handle() {
        return memory.getLong(FH);
    }

    @Override
    public void handle(long handle) {
        memory.putLong(FH, handle);
    }

    @Override
    public boolean cachedWrite() {
        return memory.getInt(WRITEPAGE) != 0;
    }

    @Override
    public void directIo() {
        memory.putInt(BITS, memory.getInt(BITS) | DIRECT_IO);
    }

    /** libfuse 2 has no passthrough: the handle is served as the filesystem set it up otherwise. */
    @Override
    public void passThrough(int versionFd, boolean writes) {
        // Nothing to hand over.
    }

    /** libfuse 2's protocol (7.19) has no FOPEN_NOFLUSH (7.35): every close sends its FLUSH. */
    @Override
    public void nothingToFlush() {
        // Nothing to tell.
    }
}
