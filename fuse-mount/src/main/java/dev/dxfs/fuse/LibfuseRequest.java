package dev.dxfs.fuse;

import java.lang.ref.Reference;
import java.util.Arrays;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A request that libfuse 2 received and parsed, answered through its {@code fuse_reply_*} calls.
 */
final class LibfuseRequest extends Request {
    private static final int ENTRY_SIZE = 16 + STAT_SIZE + 16;
    private static final int ATTR_TIMEOUT = 16 + STAT_SIZE;
    private static final int ENTRY_TIMEOUT = ATTR_TIMEOUT + 8;
    private static final int BUFVEC_SIZE = 64;
    /** fuse_buf_flags: FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK. */
    private static final int FD_AT_POSITION = 2 | 4;
    /** Supplementary groups read at first: most users have a few. */
    private static final int GROUPS_GUESS = 32;

    private final Pointer req;

    LibfuseRequest(Pointer req) {
        this.req = req;
    }

    /** struct fuse_req of libfuse 2.9 holds the number after its session pointer. */
    @Override
    public long unique() {
        return req.getLong(8);
    }

    @Override
    public int tid() {
        return FuseLib.F.fuse_req_ctx(req).getInt(8);
    }

    @Override
    public int umask() {
        return FuseLib.F.fuse_req_ctx(req).getInt(12);
    }

    @Override
    public int uid() {
        return FuseLib.F.fuse_req_ctx(req).getInt(0);
    }

    @Override
    public int gid() {
        return FuseLib.F.fuse_req_ctx(req).getInt(4);
    }

    /** As libfuse reads them from /proc. */
    @Override
    protected int[] groups() {
        int[] list = new int[GROUPS_GUESS];
        int count = FuseLib.F.fuse_req_getgroups(req, list.length, list);
        if (count > list.length) {
            list = new int[count];
            count = FuseLib.F.fuse_req_getgroups(req, list.length, list);
        }
        return count < 0 ? null : Arrays.copyOf(list, Math.min(count, list.length));
    }

    @Override
    public void error(int errno) {
        FuseLib.F.fuse_reply_err(req, errno);
    }

    @Override
    public boolean entry(long node, Pointer stat, double nameSeconds, double attrSeconds) {
        Pointer entry = entryParam(node, stat);
        entry.putDouble(ATTR_TIMEOUT, attrSeconds);
        entry.putDouble(ENTRY_TIMEOUT, nameSeconds);
        try {
            return FuseLib.F.fuse_reply_entry(req, entry) == 0;
        } finally {
            Reference.reachabilityFence(entry);
        }
    }

    @Override
    public boolean created(long node, Pointer stat, double attrSeconds, FileInfo fi) {
        Pointer entry = entryParam(node, stat);
        entry.putDouble(ATTR_TIMEOUT, attrSeconds);
        try {
            return FuseLib.F.fuse_reply_create(req, entry, ((LibfuseFileInfo) fi).memory()) == 0;
        } finally {
            Reference.reachabilityFence(entry);
        }
    }

    private static Pointer entryParam(long node, Pointer stat) {
        Pointer entry = Memory.allocateDirect(RUNTIME, ENTRY_SIZE, true);
        entry.putLong(0, node);
        entry.transferFrom(16, stat, 0, STAT_SIZE);
        return entry;
    }

    @Override
    public void attr(Pointer stat, double seconds) {
        FuseLib.F.fuse_reply_attr(req, stat, seconds);
        Reference.reachabilityFence(stat);
    }

    @Override
    public void readlink(Pointer target) {
        FuseLib.F.fuse_reply_readlink(req, target);
        Reference.reachabilityFence(target);
    }

    @Override
    public void open(FileInfo fi) {
        FuseLib.F.fuse_reply_open(req, ((LibfuseFileInfo) fi).memory());
    }

    @Override
    public void written(long count) {
        FuseLib.F.fuse_reply_write(req, count);
    }

    /** Protocol 7.19 has no STATX: libfuse 2 never asks. */
    @Override
    public void statx(Pointer stat, Pointer birth, double seconds) {
        throw new UnsupportedOperationException("libfuse 2 has no statx");
    }

    /** Protocol 7.19 has no LSEEK: libfuse 2 never asks. */
    @Override
    public void sought(long offset) {
        throw new UnsupportedOperationException("libfuse 2 has no lseek");
    }

    @Override
    public void buffer(Pointer buf, long size) {
        FuseLib.F.fuse_reply_buf(req, buf, size);
        Reference.reachabilityFence(buf);
    }

    /** libfuse reads the data itself. */
    @Override
    public void data(int fd, long size, long offset) {
        Pointer bufvec = Memory.allocateDirect(RUNTIME, BUFVEC_SIZE, true);
        bufvec.putLong(0, 1);
        bufvec.putLong(24, size);
        bufvec.putInt(32, FD_AT_POSITION);
        bufvec.putInt(48, fd);
        bufvec.putLong(56, offset);
        FuseLib.F.fuse_reply_data(req, bufvec, 0);
        Reference.reachabilityFence(bufvec);
    }

    @Override
    public void statfs(Pointer statvfs) {
        FuseLib.F.fuse_reply_statfs(req, statvfs);
        Reference.reachabilityFence(statvfs);
    }

    @Override
    public void xattrSize(long size) {
        FuseLib.F.fuse_reply_xattr(req, size);
    }

    @Override
    public DirectoryPage page(long size) {
        return new LibfusePage(size);
    }

    private final class LibfusePage implements DirectoryPage {
        private final Pointer buf;
        private final long size;
        private final Pointer name = Memory.allocateDirect(RUNTIME, 256 + 1);
        private final Pointer stat = newStat();
        private long used;

        private LibfusePage(long size) {
            this.buf = Memory.allocateDirect(RUNTIME, (int) size);
            this.size = size;
        }

        @Override
        public boolean add(byte[] entryName, long ino, int dirType, long next) {
            name.put(0, entryName, 0, entryName.length);
            name.putByte(entryName.length, (byte) 0);
            stat.putLong(8, ino);
            stat.putInt(24, dirType << 12);
            long needed = FuseLib.F.fuse_add_direntry(req, buf.slice(used), size - used, name, stat, next);
            Reference.reachabilityFence(this);
            if (needed > size - used) {
                return false;
            }
            used += needed;
            return true;
        }

        @Override
        public void reply() {
            buffer(buf, used);
        }
    }
}
