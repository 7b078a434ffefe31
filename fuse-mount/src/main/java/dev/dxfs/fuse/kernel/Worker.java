package dev.dxfs.fuse.kernel;

import dev.dxfs.fuse.Request;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;

/**
 * What one request thread receives and answers with, made once per thread: nothing is allocated
 * per request but the names the filesystem takes as strings.
 */
final class Worker {
    /** Room for a request's header and structs before a write's data. */
    private static final int HEADERS = AlignedBuffer.PAGE;
    /** The largest extended attribute value (XATTR_SIZE_MAX), which a getxattr answer may hold. */
    private static final int XATTR_SIZE_MAX = 65536;
    /** The longest path (PATH_MAX) a symlink's target has, with its NUL. */
    private static final int PATH_MAX = 4096;

    final AlignedBuffer in;
    /** A write's data in {@link #in}: after the headers of a WRITE. */
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
        in = new AlignedBuffer(HEADERS + maxIo);
        writeData = in.pointer(Protocol.IN_HEADER + Protocol.WRITE_IN_SIZE);
        request = in.pointer(0);
        reply = new KernelRequest(device, Math.max(maxIo, XATTR_SIZE_MAX));
        backingFiles = device.backingFiles;
    }

    /** The NUL-terminated name at {@code at}, one char per byte. */
    String name(int at) {
        int length = nameLength(at);
        in.bytes.get(at, name, 0, length);
        return new String(name, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** The length of the NUL-terminated name at {@code at}, without its NUL. */
    int nameLength(int at) {
        int end = at;
        int limit = Math.min(in.bytes.capacity(), at + name.length);
        while (end < limit && in.bytes.get(end) != 0) {
            end++;
        }
        return end - at;
    }
}
