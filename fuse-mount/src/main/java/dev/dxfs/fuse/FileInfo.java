package dev.dxfs.fuse;

import jnr.ffi.Pointer;

/**
 * libfuse 2's struct fuse_file_info (x86-64): the open flags, the handle number the filesystem
 * chose, and the bits that tell the kernel how to cache the file.
 */
public final class FileInfo {
    private static final int FLAGS = 0;
    private static final int BITS = 20;
    private static final int FH = 24;
    private static final int DIRECT_IO = 1;

    private final Pointer memory;

    FileInfo(Pointer memory) {
        this.memory = memory;
    }

    static FileInfo orNull(Pointer memory) {
        return memory == null ? null : new FileInfo(memory);
    }

    Pointer memory() {
        return memory;
    }

    public int flags() {
        return memory.getInt(FLAGS);
    }

    public long handle() {
        return memory.getLong(FH);
    }

    public void handle(long handle) {
        memory.putLong(FH, handle);
    }

    /**
     * Reads and writes bypass the kernel's page cache, which is one per node and shared by all
     * the node's open files.
     */
    public void directIo() {
        memory.putInt(BITS, memory.getInt(BITS) | DIRECT_IO);
    }
}
