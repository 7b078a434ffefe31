package dev.dxfs.fuse.kernel;

import dev.dxfs.fuse.Request;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;

/**
 * What one request thread receives and answers with, made once per thread: nothing is allocated
 * per request but the names the filesystem takes as strings.
 *
 * <p>One buffer holds the request and then its answer: a request's headers end on its first
 * page boundary, the answer starts there, and every request is answered as its last step, once
 * its arguments have been read (names are strings by then, a setxattr's value written). The
 * largest request (a WRITE's data) and the largest answer (a READ's) both take the rest, so one
 * buffer of a page more than the largest request serves both, and a thread holds 1 MiB and a
 * page, not twice that.
 */
final class Worker {
    /** Room for a request's header and structs before a write's data. */
    private static final int HEADERS = AlignedBuffer.PAGE;
    /**
     * Where a request is received: so far into the buffer that a WRITE's data, after its 80
     * bytes of headers, starts on a page boundary, as the backing filesystem copies it fastest.
     */
    private static final int RECEIVED_AT = HEADERS - Protocol.IN_HEADER - Protocol.WRITE_IN_SIZE;
    /** The largest extended attribute value (XATTR_SIZE_MAX), which a getxattr answer may hold. */
    private static final int XATTR_SIZE_MAX = 65536;
    /** The longest path (PATH_MAX) a symlink's target has, with its NUL. */
    private static final int PATH_MAX = 4096;

    private final AlignedBuffer buffer;
    /** The request received, from its header on. */
    final ByteBuffer in;
    /** Where the request is received, and how much of it may come. */
    final long inAddress;
    final int inCapacity;
    /** A write's data in {@link #in}: after the headers of a WRITE, on a page boundary. */
    final Pointer writeData;
    /** The whole of {@link #in}, for data that follows a name (a setxattr's value). */
    final Pointer request;
    /** A struct stat that a SETATTR's values are handed over in. */
    final Pointer attr = Request.newStat();
    final KernelRequest reply;
    final KernelFileInfo file = new KernelFileInfo();
    /** The connection's backing files, which opens are answered with and releases give back. */
    final BackingFiles backingFiles;
    private final byte[] name = new byte[PATH_MAX];

    Worker(Device device, int maxIo) {
        buffer = new AlignedBuffer(HEADERS + Math.max(maxIo, XATTR_SIZE_MAX));
        inCapacity = buffer.bytes.capacity() - RECEIVED_AT;
        in = buffer.bytes.slice(RECEIVED_AT, inCapacity).order(buffer.bytes.order());
        inAddress = buffer.address + RECEIVED_AT;
        writeData = buffer.pointer(HEADERS);
        request = buffer.pointer(RECEIVED_AT);
        reply = new KernelRequest(device, buffer);
        backingFiles = device.backingFiles;
    }

    /** The NUL-terminated name at {@code at}, one char per byte. */
    String name(int at) {
        int length = nameLength(at);
        in.get(at, name, 0, length);
        return new String(name, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** The length of the NUL-terminated name at {@code at}, without its NUL. */
    int nameLength(int at) {
        int end = at;
        int limit = Math.min(in.capacity(), at + name.length);
        while (end < limit && in.get(end) != 0) {
            end++;
        }
        return end - at;
    }
}
