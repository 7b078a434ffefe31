package dev.dxfs.fuse.kernel;

import com.kenai.jffi.MemoryIO;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;

/**
 * Native memory that starts on a page boundary, seen both as a ByteBuffer (to read and write the
 * protocol's structs) and by address (for system calls). The kernel copies a read's data into
 * the reader's pages several times slower from a source that is not page-aligned.
 *
 * <p>The memory is an anonymous mapping of its own, not a {@code ByteBuffer.allocateDirect}: that
 * one zeroes every byte, so each request thread's megabyte was resident from its start, though a
 * thread that serves only lookups and creates touches the first page or two of it. A mapping's
 * pages become resident when first written, and a thread that never carries a large read or
 * write costs a few pages. The mapping goes once the buffer (and every slice of it, which keeps
 * it reachable) is garbage: a thread's own small buffers end with the thread.
 */
final class AlignedBuffer {
    static final int PAGE = 4096;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final Cleaner UNMAPS = Cleaner.create();

    final ByteBuffer bytes;
    final long address;

    /** At least {@code size} bytes: whole pages. */
    AlignedBuffer(int size) {
        int pages = (size + PAGE - 1) / PAGE * PAGE;
        address = Sys.C.mmap(null, pages, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0);
        if (address == -1) {
            throw new OutOfMemoryError("mmap of " + pages + " bytes failed: errno " + Sys.errno());
        }
        bytes = MemoryIO.getInstance().newDirectByteBuffer(address, pages).order(ByteOrder.nativeOrder());
        long mapped = address;
        UNMAPS.register(bytes, () -> Sys.C.munmap(mapped, pages));
    }

    /** The memory from {@code offset} on, as the C library calls of the filesystem take it. */
    Pointer pointer(int offset) {
        return Pointer.wrap(Sys.RUNTIME, address + offset, bytes.capacity() - offset);
    }
}
