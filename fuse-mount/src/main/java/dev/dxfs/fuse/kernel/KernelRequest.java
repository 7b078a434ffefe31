package dev.dxfs.fuse.kernel;

import static dev.dxfs.fuse.kernel.Protocol.ATTR_OUT_SIZE;
import static dev.dxfs.fuse.kernel.Protocol.ENTRY_OUT_SIZE;
import static dev.dxfs.fuse.kernel.Protocol.OPEN_OUT_SIZE;

import dev.dxfs.fuse.FileInfo;
import dev.dxfs.fuse.Request;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import jnr.ffi.Pointer;

/**
 * A request read from the device by this transport, answered by writing to the device. One per
 * thread, reused for each request the thread receives.
 *
 * <p>An answer is written with its 16-byte header just before a page boundary, so that its data
 * (a read's bytes above all) starts on the boundary.
 */
final class KernelRequest extends Request {
    /** Where the answer's data starts in the buffer; the header comes right before it. */
    private static final int DATA = AlignedBuffer.PAGE;
    private static final int HEADER = DATA - Protocol.OUT_HEADER;
    private static final long NANOS = 1_000_000_000L;
    // struct stat (x86-64)
    private static final int ST_INO = 8;
    private static final int ST_NLINK = 16;
    private static final int ST_MODE = 24;
    private static final int ST_UID = 28;
    private static final int ST_GID = 32;
    private static final int ST_RDEV = 40;
    private static final int ST_SIZE = 48;
    private static final int ST_BLKSIZE = 56;
    private static final int ST_BLOCKS = 64;
    private static final int ST_ATIME = 72;
    private static final int ST_MTIME = 88;
    private static final int ST_CTIME = 104;
    // struct statvfs (x86-64)
    private static final int F_BSIZE = 0;
    private static final int F_FRSIZE = 8;
    private static final int F_BLOCKS = 16;
    private static final int F_NAMEMAX = 80;

    private final Device device;
    private final AlignedBuffer out;
    private final ByteBuffer bytes;
    private final Pointer data;
    private final Page page = new Page();
    private long unique;
    private long node;
    private int uid;
    private int gid;
    private int pid;
    private int umask;
    private boolean answered;

    /**
     * @param out the buffer the request was received in: the answer's data goes from its second
     *     page on, where nothing of the request is read any more when it is answered
     */
    KernelRequest(Device device, AlignedBuffer out) {
        this.device = device;
        this.out = out;
        this.bytes = out.bytes;
        this.data = out.pointer(DATA);
    }

    /** Takes the next request's header. */
    void begin(ByteBuffer in) {
        unique = in.getLong(Protocol.IN_UNIQUE);
        node = in.getLong(Protocol.IN_NODEID);
        uid = in.getInt(Protocol.IN_UID);
        gid = in.getInt(Protocol.IN_GID);
        pid = in.getInt(Protocol.IN_PID);
        umask = 0;
        answered = false;
    }

    void umask(int umask) {
        this.umask = umask;
    }

    boolean answered() {
        return answered;
    }

    @Override
    public long unique() {
        return unique;
    }

    @Override
    public int tid() {
        return pid;
    }

    @Override
    public int umask() {
        return umask;
    }

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public int gid() {
        return gid;
    }

    /** As libfuse reads them: from the calling thread's status in /proc (pid 0: not visible to us). */
    @Override
    protected int[] groups() {
        if (pid == 0) {
            return null;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/task/" + pid + "/status"),
                    StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("Groups:")) {
                    String list = line.substring("Groups:".length()).trim();
                    return list.isEmpty() ? new int[0]
                            : Arrays.stream(list.split("\\s+")).mapToInt(Integer::parseInt).toArray();
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    @Override
    public void error(int errno) {
        send(-errno, 0);
    }

    @Override
    public boolean entry(long node, Pointer stat, double nameSeconds, double attrSeconds) {
        putEntry(DATA, node, stat, nameSeconds, attrSeconds);
        return send(0, ENTRY_OUT_SIZE);
    }

    @Override
    public boolean created(long node, Pointer stat, double attrSeconds, FileInfo fi) {
        putEntry(DATA, node, stat, 0, attrSeconds);
        return sendOpen(DATA + ENTRY_OUT_SIZE, node, fi, ENTRY_OUT_SIZE + OPEN_OUT_SIZE);
    }

    @Override
    public void attr(Pointer stat, double seconds) {
        bytes.putLong(DATA, seconds(seconds));
        bytes.putInt(DATA + 8, nanos(seconds));
        bytes.putInt(DATA + 12, 0);
        putAttr(DATA + 16, stat);
        send(0, ATTR_OUT_SIZE);
    }

    /** struct fuse_statx_out: the same attributes as {@link #attr}'s, and the birth time where there is one. */
    @Override
    public void statx(Pointer stat, Pointer birth, double seconds) {
        for (int at = DATA; at < DATA + Protocol.STATX_OUT_SIZE; at += 8) {
            bytes.putLong(at, 0);
        }
        bytes.putLong(DATA, seconds(seconds));
        bytes.putInt(DATA + 8, nanos(seconds));
        int at = DATA + Protocol.STATX_OUT_STAT;
        boolean born = (birth.getInt(Protocol.SX_MASK) & Protocol.STATX_BTIME) != 0;
        bytes.putInt(at + Protocol.SX_MASK, Protocol.STATX_BASIC_STATS | (born ? Protocol.STATX_BTIME : 0));
        bytes.putInt(at + Protocol.SX_BLKSIZE, (int) stat.getLong(ST_BLKSIZE));
        bytes.putInt(at + Protocol.SX_NLINK, (int) stat.getLong(ST_NLINK));
        bytes.putInt(at + Protocol.SX_UID, stat.getInt(ST_UID));
        bytes.putInt(at + Protocol.SX_GID, stat.getInt(ST_GID));
        bytes.putShort(at + Protocol.SX_MODE, (short) stat.getInt(ST_MODE));
        bytes.putLong(at + Protocol.SX_INO, stat.getLong(ST_INO));
        bytes.putLong(at + Protocol.SX_SIZE, stat.getLong(ST_SIZE));
        bytes.putLong(at + Protocol.SX_BLOCKS, stat.getLong(ST_BLOCKS));
        putTime(at + Protocol.SX_ATIME, stat.getLong(ST_ATIME), stat.getLong(ST_ATIME + 8));
        putTime(at + Protocol.SX_CTIME, stat.getLong(ST_CTIME), stat.getLong(ST_CTIME + 8));
        putTime(at + Protocol.SX_MTIME, stat.getLong(ST_MTIME), stat.getLong(ST_MTIME + 8));
        if (born) {
            putTime(at + Protocol.SX_BTIME, birth.getLong(Protocol.SX_BTIME),
                    Integer.toUnsignedLong(birth.getInt(Protocol.SX_BTIME + 8)));
        }
        // The C library's dev_t, split as its major() and minor() split it.
        long rdev = stat.getLong(ST_RDEV);
        bytes.putInt(at + Protocol.SX_RDEV_MAJOR, (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL)));
        bytes.putInt(at + Protocol.SX_RDEV_MINOR, (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL)));
        send(0, Protocol.STATX_OUT_SIZE);
    }

    /** A struct statx_timestamp. */
    private void putTime(int at, long seconds, long nanos) {
        bytes.putLong(at, seconds);
        bytes.putInt(at + 8, (int) nanos);
    }

    @Override
    public void readlink(Pointer target) {
        int length = (int) target.indexOf(0, (byte) 0);
        target.transferTo(0, data, 0, length);
        send(0, length);
    }

    @Override
    public void open(FileInfo fi) {
        sendOpen(DATA, node, fi, OPEN_OUT_SIZE);
    }

    @Override
    public void written(long count) {
        bytes.putLong(DATA, count);
        send(0, 8);
    }

    @Override
    public void sought(long offset) {
        bytes.putLong(DATA, offset);
        send(0, 8);
    }

    @Override
    public void buffer(Pointer buf, long size) {
        if (size > 0) {
            buf.transferTo(0, data, 0, size);
        }
        send(0, (int) size);
    }

    @Override
    public void data(int fd, long size, long offset) {
        long read = Sys.C.pread(fd, out.address + DATA, Math.min(size, bytes.capacity() - DATA), offset);
        if (read < 0) {
            error(Sys.errno());
        } else {
            send(0, (int) read);
        }
    }

    @Override
    public void statfs(Pointer statvfs) {
        for (int i = 0; i < 5; i++) {
            bytes.putLong(DATA + 8 * i, statvfs.getLong(F_BLOCKS + 8L * i));
        }
        bytes.putInt(DATA + 40, (int) statvfs.getLong(F_BSIZE));
        bytes.putInt(DATA + 44, (int) statvfs.getLong(F_NAMEMAX));
        bytes.putInt(DATA + 48, (int) statvfs.getLong(F_FRSIZE));
        for (int at = DATA + 52; at < DATA + Protocol.STATFS_OUT_SIZE; at += 4) {
            bytes.putInt(at, 0);
        }
        send(0, Protocol.STATFS_OUT_SIZE);
    }

    @Override
    public void xattrSize(long size) {
        bytes.putLong(DATA, size);
        send(0, 8);
    }

    @Override
    public DirectoryPage page(long size) {
        page.limit = (int) Math.min(size, bytes.capacity() - DATA);
        page.used = 0;
        return page;
    }

    /** struct fuse_dirent entries written straight into the answer. */
    private final class Page implements DirectoryPage {
        int limit;
        int used;

        @Override
        public boolean add(byte[] entryName, long ino, int dirType, long next) {
            int length = Protocol.DIRENT_NAME + entryName.length;
            int padded = (length + 7) & ~7;
            if (used + padded > limit) {
                return false;
            }
            int at = DATA + used;
            bytes.putLong(at, ino);
            bytes.putLong(at + 8, next);
            bytes.putInt(at + 16, entryName.length);
            bytes.putInt(at + 20, dirType);
            bytes.put(at + Protocol.DIRENT_NAME, entryName);
            for (int pad = at + length; pad < at + padded; pad++) {
                bytes.put(pad, (byte) 0);
            }
            used += padded;
            return true;
        }

        @Override
        public void reply() {
            send(0, used);
        }
    }

    /** The INIT answer of {@code size} bytes the negotiation wrote at {@link #initAnswer}. */
    void answerInit(int size) {
        send(0, size);
    }

    /** Where the INIT answer is written: zeroed. */
    ByteBuffer initAnswer() {
        for (int at = DATA; at < DATA + Protocol.INIT_OUT_SIZE; at += 8) {
            bytes.putLong(at, 0);
        }
        return bytes.slice(DATA, Protocol.INIT_OUT_SIZE).order(bytes.order());
    }

    private void putEntry(int at, long node, Pointer stat, double nameSeconds, double attrSeconds) {
        bytes.putLong(at, node);
        bytes.putLong(at + 8, 0);
        bytes.putLong(at + 16, seconds(nameSeconds));
        bytes.putLong(at + 24, seconds(attrSeconds));
        bytes.putInt(at + 32, nanos(nameSeconds));
        bytes.putInt(at + 36, nanos(attrSeconds));
        putAttr(at + 40, stat);
    }

    /** struct fuse_attr from a struct stat, as libfuse converts it. */
    private void putAttr(int at, Pointer stat) {
        bytes.putLong(at, stat.getLong(ST_INO));
        bytes.putLong(at + 8, stat.getLong(ST_SIZE));
        bytes.putLong(at + 16, stat.getLong(ST_BLOCKS));
        bytes.putLong(at + 24, stat.getLong(ST_ATIME));
        bytes.putLong(at + 32, stat.getLong(ST_MTIME));
        bytes.putLong(at + 40, stat.getLong(ST_CTIME));
        bytes.putInt(at + 48, (int) stat.getLong(ST_ATIME + 8));
        bytes.putInt(at + 52, (int) stat.getLong(ST_MTIME + 8));
        bytes.putInt(at + 56, (int) stat.getLong(ST_CTIME + 8));
        bytes.putInt(at + 60, stat.getInt(ST_MODE));
        bytes.putInt(at + 64, (int) stat.getLong(ST_NLINK));
        bytes.putInt(at + 68, stat.getInt(ST_UID));
        bytes.putInt(at + 72, stat.getInt(ST_GID));
        bytes.putInt(at + 76, (int) stat.getLong(ST_RDEV));
        bytes.putInt(at + 80, (int) stat.getLong(ST_BLKSIZE));
        bytes.putInt(at + 84, 0);
    }

    /**
     * Answers an open of {@code node} with a struct fuse_open_out at {@code at}, in an answer of
     * {@code size} bytes, and the node's backing file where the handle passes through to it or
     * must name it. An open counted for an answer the kernel did not take is given back at
     * once: no RELEASE will come for it.
     */
    private boolean sendOpen(int at, long node, FileInfo fi, int size) {
        KernelFileInfo file = (KernelFileInfo) fi;
        BackingFiles backingFiles = device.backingFiles;
        boolean counted = file.isRegularFile();
        int backingId = counted ? backingFiles.open(node, file.handle(), file.versionFd()) : 0;
        bytes.putLong(at, file.handle());
        bytes.putInt(at + Protocol.OPEN_OUT_FLAGS, file.openFlags(backingId));
        bytes.putInt(at + Protocol.OPEN_OUT_BACKING_ID, backingId);
        boolean taken = send(0, size);
        if (!taken && counted) {
            backingFiles.released(file.handle());
        }
        return taken;
    }

    /** A timeout's whole seconds, as libfuse rounds them. */
    private static long seconds(double seconds) {
        return seconds <= 0 ? 0 : seconds >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) seconds;
    }

    private static int nanos(double seconds) {
        if (seconds <= 0 || seconds >= Long.MAX_VALUE) {
            return 0;
        }
        return (int) Math.min(NANOS - 1, Math.max(0, (long) ((seconds - (long) seconds) * NANOS)));
    }

    /** Writes the answer: its header, then {@code size} bytes of data. Returns whether the kernel took it. */
    private boolean send(int error, int size) {
        answered = true;
        bytes.putInt(HEADER, Protocol.OUT_HEADER + size);
        bytes.putInt(HEADER + 4, error);
        bytes.putLong(HEADER + 8, unique);
        return device.write(out.address + HEADER, Protocol.OUT_HEADER + size);
    }
}
