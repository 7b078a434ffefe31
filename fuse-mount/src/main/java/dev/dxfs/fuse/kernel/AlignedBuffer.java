package dev.dxfs.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;

/**
 * Native memory that starts on a page boundary, seen both as a ByteBuffer (to read and write the
 * protocol's structs) and by address (for system calls). The kernel copies a read's data into
 * the reader's pages several times slower from a source that is not page-aligned.
 */
final class AlignedBuffer {
    static final int PAGE = 4096;

    final ByteBuffer bytes;
    final long address;

    /** At least {@code size} bytes: whole pages. */
    AlignedBuffer(int size) {
        int pages = (size + PAGE - 1) / PAGE * PAGE;
        // One page more than needed: the aligned slice starts at the first boundary and ends at the last.
        bytes = ByteBuffer.allocateDirect(pages + PAGE).alignedSlice(PAGE).order(ByteOrder.nativeOrder());
        address = Pointer.wrap(Sys.RUNTIME, bytes).address();
    }

    /** The memory from {@code offset} on, as the C library calls of the filesystem take it. */
    Pointer pointer(int offset) {
        return Pointer.wrap(Sys.RUNTIME, address + offset, bytes.capacity() - offset);
    }
}
