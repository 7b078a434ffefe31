package dev.dxfs.fs;

import static dev.dxfs.fs.Libc.C;

import java.lang.ref.Reference;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Copies the first bytes of a file into an empty one in the kernel, as a file of the same shape:
 * its data copied, its holes left holes, and its preallocated ranges (fallocate's unwritten
 * extents, which read as zeros) preallocated again instead of written. A tool that preallocates a
 * file and then reopens it to write (fio lays its files out so) would otherwise have the daemon
 * write every byte of the preallocation as zeros into the staged copy before its first write.
 */
final class SparseCopy {
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    /** FS_IOC_FIEMAP: _IOWR('f', 11, struct fiemap). */
    private static final long FS_IOC_FIEMAP = 0xC020660BL;
    private static final int FIEMAP_HEADER = 32;
    private static final int FIEMAP_EXTENT_SIZE = 56;
    private static final int FIEMAP_EXTENT_LAST = 0x1;
    private static final int FIEMAP_EXTENT_UNWRITTEN = 0x800;
    private static final int EXTENTS_PER_CALL = 64;
    private static final long COPY_CHUNK = 1L << 30;

    private final int from;
    private final int to;
    private final long length;
    private final Pointer offsets = Memory.allocateDirect(Libc.RUNTIME, 16);

    private SparseCopy(int from, int to, long length) {
        this.from = from;
        this.to = to;
        this.length = length;
    }

    /** Makes {@code to}, empty, a copy of the first {@code length} bytes of {@code from}. */
    static void copy(int from, int to, long length) throws FsException {
        new SparseCopy(from, to, length).run();
    }

    private void run() throws FsException {
        preallocateUnwritten();
        long at = 0;
        while (at < length) {
            long data = C.lseek(from, at, SEEK_DATA);
            if (data < 0 && Libc.errno() != ENXIO) {
                // A filesystem that cannot tell where data is: all of it is.
                copyData(at, length);
                break;
            }
            if (data < 0 || data >= length) {
                break;
            }
            long hole = C.lseek(from, data, SEEK_HOLE);
            long end = hole < 0 ? length : Math.min(hole, length);
            copyData(data, end);
            at = end;
        }
        // A hole at the end has set no size.
        FsException.check(C.ftruncate(to, length), "ftruncate");
        Reference.reachabilityFence(offsets);
    }

    /**
     * Preallocates in {@code to} what is preallocated and unwritten in {@code from}: SEEK_DATA
     * counts such a range as a hole unless the page cache holds data of it, which the copy then
     * writes over the preallocation.
     */
    private void preallocateUnwritten() throws FsException {
        Pointer map = Memory.allocateDirect(Libc.RUNTIME, FIEMAP_HEADER + EXTENTS_PER_CALL * FIEMAP_EXTENT_SIZE);
        long at = 0;
        while (at < length) {
            map.setMemory(0, FIEMAP_HEADER, (byte) 0);
            map.putLong(0, at);
            map.putLong(8, length - at);
            map.putInt(24, EXTENTS_PER_CALL);
            if (C.ioctl(from, FS_IOC_FIEMAP, map) < 0) {
                // No extent map (not every filesystem has one): holes stay holes.
                return;
            }
            int mapped = map.getInt(20);
            if (mapped == 0) {
                return;
            }
            for (int i = 0; i < mapped; i++) {
                int extent = FIEMAP_HEADER + i * FIEMAP_EXTENT_SIZE;
                long logical = map.getLong(extent);
                long end = Math.min(logical + map.getLong(extent + 16), length);
                int flags = map.getInt(extent + 40);
                if ((flags & FIEMAP_EXTENT_UNWRITTEN) != 0 && end > logical) {
                    FsException.check(C.fallocate(to, FALLOC_FL_KEEP_SIZE, logical, end - logical), "fallocate");
                }
                if ((flags & FIEMAP_EXTENT_LAST) != 0 || end >= length) {
                    return;
                }
                at = end;
            }
        }
    }

    private void copyData(long start, long end) throws FsException {
        offsets.putLong(0, start);
        offsets.putLong(8, start);
        long at = start;
        while (at < end) {
            long n = copyOnce(from, offsets, to, offsets.slice(8), end - at);
            if (n == 0) {
                return;
            }
            at += n;
        }
    }

    /**
     * One copy_file_range(2) of up to {@code length} bytes of {@code from} at {@code fromOffset}
     * into {@code to} at {@code toOffset}: the bytes copied, fewer at the end of {@code from}.
     */
    static long copyRange(int from, long fromOffset, int to, long toOffset, long length) throws FsException {
        Pointer offsets = Memory.allocateDirect(Libc.RUNTIME, 16);
        offsets.putLong(0, fromOffset);
        offsets.putLong(8, toOffset);
        long copied = copyOnce(from, offsets, to, offsets.slice(8), length);
        Reference.reachabilityFence(offsets);
        return copied;
    }

    private static long copyOnce(int from, Pointer fromOffset, int to, Pointer toOffset, long length)
            throws FsException {
        long n = C.copy_file_range(from, fromOffset, to, toOffset, Math.min(COPY_CHUNK, length), 0);
        if (n < 0) {
            throw new FsException(Libc.errno(), "copy_file_range");
        }
        return n;
    }
}
