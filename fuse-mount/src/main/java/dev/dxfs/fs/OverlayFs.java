package dev.dxfs.fs;

import static dev.dxfs.fs.BackingDir.relative;
import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.policy.Commit;
import dev.dxfs.policy.OpenFlags;
import dev.dxfs.policy.StagingArea;
import dev.dxfs.policy.StagingPolicy;
import dev.dxfs.policy.WriteKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The FUSE callbacks. Each one finds its handle or path, makes one backing call and answers
 * with its result or errno; the decisions live in the policy module, the staged-write I/O in
 * {@link StagedWrite}, the busy-node trick in {@link NodeDetacher}.
 */
public final class OverlayFs extends FuseStubFS {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayFs.class);
    /** In struct fuse_file_info, the bit field that jnr-fuse maps at the wrong offset. */
    private static final int FILE_INFO_BITS_OFFSET = 20;
    private static final int DIRECT_IO = 1;
    /**
     * In struct fuse_operations: flag_nullpath_ok (bit 0) and flag_utime_omit_ok (bit 2), so that
     * UTIME_NOW and UTIME_OMIT reach the daemon. Not flag_nopath: libfuse 2 passes fchmod,
     * fchown and futimens as calls on the path alone, without the handle.
     */
    private static final int OPERATION_FLAGS = 1 | 4;
    /** The flags follow the 38 function pointers from getattr to bmap. */
    private static final int OPERATION_FLAGS_OFFSET = 38 * Libc.RUNTIME.addressSize();
    private static final ByteBuffer STAGING_NAME = ByteBuffer.wrap(
            (StagingArea.DIRECTORY + "\0").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

    private final BackingDir backing;
    private final StagingPolicy policy;
    private final HandleTable handles = new HandleTable();
    private final Callers callers = new Callers();
    private final MountStats stats;
    private final NodeDetacher detacher;
    private final boolean durable;
    private final boolean privileged;
    private final Runnable onInit;
    /** Threads whose open was answered ESTALE: the kernel's one retry comes from the same thread. */
    private final Set<Integer> retryingThreads = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object[] openLocks = new Object[256];
    /** When each name was last opened by a staged writer. */
    private final ConcurrentHashMap<String, Long> lastWriteOpen = new ConcurrentHashMap<>();
    private static final long RECENT_WRITE_NANOS = 5_000_000_000L;
    private static final int SETTLE_CHECKS = 2;
    private static final long WRITERS_WAIT_NANOS = 2_000_000_000L;

    private OverlayFs(BackingDir backing, StagingPolicy policy, MountStats stats, NodeDetacher detacher,
            boolean durable, Runnable onInit) {
        this.backing = backing;
        this.policy = policy;
        this.stats = stats;
        this.detacher = detacher;
        this.durable = durable;
        this.privileged = C.geteuid() == 0;
        this.onInit = onInit;
        for (int i = 0; i < openLocks.length; i++) {
            openLocks[i] = new Object();
        }
        Pointer operations = Struct.getMemory(fuseOperations);
        operations.putInt(OPERATION_FLAGS_OFFSET, OPERATION_FLAGS);
    }

    /**
     * Prepares an overlay of {@code directory}, which must not be mounted over yet: its
     * descriptor is opened now, and its staging directory is created and swept.
     *
     * @param mountPoint where the overlay will be mounted (the same directory, for an in-place mount)
     * @param onInit run when the kernel first talks to the filesystem
     */
    public static OverlayFs over(String directory, String mountPoint, StagingPolicy policy, boolean durable,
            Runnable onInit) throws IOException {
        BackingDir backing;
        try {
            backing = BackingDir.open(directory, new StagingArea("mount", ProcessHandle.current().pid()));
        } catch (FsException e) {
            throw new IOException(directory + ": " + describe(e.errno));
        }
        MountStats stats = new MountStats();
        return new OverlayFs(backing, policy, stats, new NodeDetacher(mountPoint, stats), durable, onInit);
    }

    /** The C library's text for an errno. */
    public static String describe(int errno) {
        jnr.constants.platform.Errno known = jnr.constants.platform.Errno.valueOf(errno);
        return known == null ? "errno " + errno : known.description();
    }

    @Override
    protected String getFSName() {
        return "dxfs";
    }

    private interface Op {
        int run() throws FsException;
    }

    /** Runs one callback: errno for expected failures, EIO (logged) for anything else. */
    private int op(String name, String path, Op op) {
        try {
            return op.run();
        } catch (FsException e) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("{} {}: {} (errno {})", name, path, e.getMessage(), e.errno);
            }
            return -e.errno;
        } catch (RuntimeException | Error e) {
            stats.error();
            LOG.error("{} {} failed", name, path, e);
            return -Errno.EIO;
        }
    }

    private int callerTid() {
        return getContext().pid.intValue();
    }

    /** A node that has no name in the backing tree: detached by dxfs, or unlinked while open. */
    private static boolean isHidden(String path) {
        return NodeDetacher.isHidden(path) || isLibfuseHiding(path);
    }

    private static Pointer memory(Struct struct) {
        return Struct.getMemory(struct);
    }

    // ---- attributes

    @Override
    public int getattr(String path, FileStat stat) {
        return op("getattr", path, () -> {
            int tid = callerTid();
            if (isHidden(path)) {
                return hiddenStat(path, memory(stat), tid);
            }
            detacher.awaitDetach(path, tid);
            List<StagedWrite> mine = callersStaged(path, tid);
            if (!mine.isEmpty()) {
                mine.get(mine.size() - 1).stat(memory(stat));
                return 0;
            }
            // A node serves one version: while it has readers, its attributes (above all its
            // size, which bounds what the kernel reads through the node's page cache) are those
            // of their version, not of a newer file published under the name since.
            for (OpenFile file : handles.onNode(path)) {
                if (file instanceof PlainFile && statIfOpen(file, memory(stat))) {
                    return 0;
                }
            }
            backing.stat(path, memory(stat));
            return 0;
        });
    }

    private int hiddenStat(String path, Pointer statbuf, int tid) throws FsException {
        if (path.equals(NodeDetacher.HIDDEN)) {
            if (!detacher.isOwn(tid)) {
                return -Errno.ENOENT;
            }
            check(C.fstat(backing.stagingFd(), statbuf), "fstat");
            return 0;
        }
        List<StagedWrite> mine = callersStaged(path, tid);
        OpenFile plain = null;
        for (OpenFile file : handles.onNode(path)) {
            if (file instanceof PlainFile && (plain == null || file.openedBy(tid, callers))) {
                plain = file;
            }
        }
        OpenFile best = !mine.isEmpty() ? mine.get(mine.size() - 1) : plain;
        if (best != null && statIfOpen(best, statbuf)) {
            return 0;
        }
        NodeDetacher.Hidden node = detacher.hiddenNode(path);
        if (node != null && node.published()) {
            check(C.fstat(node.fd(), statbuf), "fstat");
            return 0;
        }
        // A writer's node (whose temp file nobody else may see), or one already forgotten and
        // reached from a dentry that still pointed at it: the caller asked about the name.
        String origin = detacher.originOf(path);
        if (origin == null) {
            return -Errno.ENOENT;
        }
        backing.stat(origin, statbuf);
        return 0;
    }

    /** Fills {@code statbuf} from a handle reached through its node, unless it was just released. */
    private static boolean statIfOpen(OpenFile file, Pointer statbuf) throws FsException {
        try {
            file.stat(statbuf);
            return true;
        } catch (FsException e) {
            if (e.errno == Errno.ESTALE) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The staged writes of the calling process on {@code path}. A writer whose node was moved
     * aside (an exec of the name while it wrote) reaches it by the hidden name.
     */
    private List<StagedWrite> callersStaged(String path, int tid) {
        if (!isHidden(path)) {
            return handles.stagedByCaller(path, tid, callers);
        }
        List<StagedWrite> mine = new ArrayList<>();
        for (OpenFile file : handles.onNode(path)) {
            if (file instanceof StagedWrite staged && staged.unpublished() && staged.openedBy(tid, callers)) {
                mine.add(staged);
            }
        }
        return mine;
    }

    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        return op("fgetattr", path, () -> {
            handles.get(fi.fh.get()).stat(memory(stat));
            return 0;
        });
    }

    /** A change made through the caller's own staged writes. */
    private interface StagedChange {
        void apply(StagedWrite staged) throws FsException;
    }

    /**
     * An attribute change. libfuse 2 sends {@code fchmod}, {@code fchown} and {@code futimens} as
     * calls on the path alone: when the caller is writing that path, the change is its own and
     * goes to its staged writes (published with them); otherwise it changes the published file.
     */
    private int changeAttributes(String name, String path, StagedChange own, Op published) {
        return op(name, path, () -> {
            List<StagedWrite> mine = callersStaged(path, callerTid());
            if (mine.isEmpty()) {
                return published.run();
            }
            for (StagedWrite staged : mine) {
                own.apply(staged);
            }
            return 0;
        });
    }

    @Override
    public int chmod(String path, long mode) {
        return changeAttributes("chmod", path, staged -> staged.setMode((int) mode), () -> {
            check(C.fchmodat(backing.rootFd(), relative(path), (int) mode & 07777, 0), "chmod");
            return 0;
        });
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return changeAttributes("chown", path, staged -> staged.setOwner((int) uid, (int) gid), () -> {
            check(C.fchownat(backing.rootFd(), relative(path), (int) uid, (int) gid, Libc.AT_SYMLINK_NOFOLLOW),
                    "chown");
            return 0;
        });
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        Pointer times = memory(timespec[0]);
        return changeAttributes("utimens", path, staged -> staged.setTimes(times), () -> {
            check(C.utimensat(backing.rootFd(), relative(path), times, Libc.AT_SYMLINK_NOFOLLOW), "utimens");
            return 0;
        });
    }

    @Override
    public int truncate(String path, long size) {
        return op("truncate", path, () -> {
            List<StagedWrite> mine = callersStaged(path, callerTid());
            if (!mine.isEmpty()) {
                mine.get(mine.size() - 1).truncate(size);
                return 0;
            }
            FileStat current = backing.statOrNull(path);
            if (current == null) {
                return -Errno.ENOENT;
            }
            if (policy.stagesTruncate(relative(path)) && FileStat.S_ISREG(current.st_mode.intValue())) {
                StagedWrite staged = staged(path, WriteKind.EDIT, current, attributes(current));
                try {
                    staged.truncate(size);
                    staged.flush();
                } finally {
                    staged.release();
                }
                return 0;
            }
            int fd = backing.open(path, Libc.O_WRONLY, 0);
            try {
                check(C.ftruncate(fd, size), "truncate");
            } finally {
                C.close(fd);
            }
            return 0;
        });
    }

    // ---- names

    @Override
    public int readlink(String path, Pointer buf, long size) {
        return op("readlink", path, () -> {
            long length = check(C.readlinkat(backing.rootFd(), relative(path), buf, size - 1), "readlink");
            buf.putByte(length, (byte) 0);
            return 0;
        });
    }

    @Override
    public int mknod(String path, long mode, long rdev) {
        return op("mknod", path, () -> {
            check(C.mknodat(backing.rootFd(), relative(path), (int) mode, rdev), "mknod");
            giveToCaller(path);
            return 0;
        });
    }

    @Override
    public int mkdir(String path, long mode) {
        return op("mkdir", path, () -> {
            check(C.mkdirat(backing.rootFd(), relative(path), (int) mode), "mkdir");
            giveToCaller(path);
            return 0;
        });
    }

    @Override
    public int symlink(String target, String link) {
        return op("symlink", link, () -> {
            check(C.symlinkat(target, backing.rootFd(), relative(link)), "symlink");
            giveToCaller(link);
            return 0;
        });
    }

    /** A privileged daemon creates entries as root; they belong to whoever asked. */
    private void giveToCaller(String path) throws FsException {
        if (!privileged) {
            return;
        }
        FuseContext context = getContext();
        int uid = context.uid.intValue();
        int gid = context.gid.intValue();
        if (uid != 0 || gid != 0) {
            check(C.fchownat(backing.rootFd(), relative(path), uid, gid, Libc.AT_SYMLINK_NOFOLLOW), "chown");
        }
    }

    @Override
    public int unlink(String path) {
        return op("unlink", path, () -> {
            if (isHidden(path)) {
                if (NodeDetacher.isHidden(path) && !detacher.isOwn(callerTid())) {
                    return -Errno.ENOENT;
                }
                detacher.forget(path);
                return 0;
            }
            if (C.unlinkat(backing.rootFd(), relative(path), 0) < 0) {
                int errno = Libc.errno();
                List<StagedWrite> mine = callersStaged(path, callerTid());
                if (errno != Errno.ENOENT || mine.isEmpty()) {
                    return -errno;
                }
                // The caller removes a file it is still creating: it never gets published.
            }
            handles.nameRemoved(path);
            handles.nodeRemoved(path);
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return op("rmdir", path, () -> {
            check(C.unlinkat(backing.rootFd(), relative(path), Libc.AT_REMOVEDIR), "rmdir");
            return 0;
        });
    }

    @Override
    public int rename(String from, String to) {
        return op("rename", from, () -> {
            int tid = callerTid();
            if (detacher.isDetach(to)) {
                return hide(from, to);
            }
            if (isLibfuseHiding(to)) {
                return keepUnlinkedOpen(from, to);
            }
            if (NodeDetacher.isHidden(from) || NodeDetacher.isHidden(to)) {
                return -Errno.EACCES;
            }
            if (C.renameat(backing.rootFd(), relative(from), backing.rootFd(), relative(to)) < 0) {
                if (!publishedCallersNewFile(Libc.errno(), from, tid)) {
                    return -Libc.errno();
                }
                check(C.renameat(backing.rootFd(), relative(from), backing.rootFd(), relative(to)), "rename");
            }
            handles.nameRemoved(to);
            handles.nodeRemoved(to);
            handles.targetRenamed(from, to);
            handles.nodeRenamed(from, to);
            return 0;
        });
    }

    /**
     * A writer renames or links a file it created and has not closed yet: the name does not
     * exist in the backing tree until the first publish, so publish what it has now (its later
     * writes start a new version, published at its close). Returns whether that happened.
     */
    private boolean publishedCallersNewFile(int errno, String path, int tid) throws FsException {
        List<StagedWrite> mine = callersStaged(path, tid);
        if (errno != Errno.ENOENT || mine.isEmpty()) {
            return false;
        }
        for (StagedWrite staged : mine) {
            staged.publishNow();
        }
        return true;
    }

    /**
     * libfuse unlinks (or renames over) a name that is still open by renaming it to a
     * {@code .fuse_hidden} name of its own in the same directory, so that the open node keeps a
     * path. The backing name goes away at once, as natively; the node becomes a hidden node
     * served from its handles' descriptors until libfuse unlinks that name at the last release.
     */
    private static boolean isLibfuseHiding(String to) {
        return to.substring(to.lastIndexOf('/') + 1).startsWith(".fuse_hidden");
    }

    private int keepUnlinkedOpen(String from, String to) throws FsException {
        List<OpenFile> open = handles.onNode(from);
        if (!open.isEmpty()) {
            OpenFile representative = open.stream().filter(PlainFile.class::isInstance).findFirst().orElse(open.get(0));
            int fd = representative.duplicate();
            if (fd >= 0) {
                detacher.hidden(to, from, fd, representative instanceof PlainFile);
            }
        }
        if (C.unlinkat(backing.rootFd(), relative(from), 0) < 0 && Libc.errno() != Errno.ENOENT) {
            return -Libc.errno();
        }
        handles.nameRemoved(from);
        handles.nodeRenamed(from, to);
        return 0;
    }

    /** The internal rename of {@link NodeDetacher}: only the node moves, the backing file stays. */
    private int hide(String from, String to) {
        List<OpenFile> open = handles.onNode(from);
        if (open.isEmpty()) {
            return -Errno.EAGAIN;
        }
        OpenFile representative = open.stream().filter(PlainFile.class::isInstance).findFirst().orElse(open.get(0));
        int fd = representative.duplicate();
        if (fd < 0) {
            return -Errno.EAGAIN;
        }
        detacher.hidden(to, from, fd, representative instanceof PlainFile);
        handles.nodeRenamed(from, to);
        return 0;
    }

    @Override
    public int link(String from, String to) {
        return op("link", from, () -> {
            if (C.linkat(backing.rootFd(), relative(from), backing.rootFd(), relative(to), 0) < 0) {
                if (!publishedCallersNewFile(Libc.errno(), from, callerTid())) {
                    return -Libc.errno();
                }
                check(C.linkat(backing.rootFd(), relative(from), backing.rootFd(), relative(to), 0), "link");
            }
            return 0;
        });
    }

    // ---- opening and I/O

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return op("create", path, () -> admitting(path, () -> {
            int flags = fi.flags.get();
            int tid = callerTid();
            FileStat current = backing.statOrNull(path);
            if (OpenFlags.exclusive(flags) && current != null) {
                return -Errno.EEXIST;
            }
            WriteKind kind = policy.classify(relative(path), flags, current != null);
            if (kind.staged() && current == null && !OpenFlags.truncates(flags)) {
                // Lock files and in-place edits must exist for everyone from their creation: the
                // empty file is created now (exclusively, as asked), the content stays staged.
                int fd = backing.open(path, Libc.O_WRONLY | Libc.O_CREAT | (flags & Libc.O_EXCL), (int) mode);
                C.close(fd);
                giveToCaller(path);
                current = backing.statOrNull(path);
                kind = WriteKind.EDIT;
            }
            if (!kind.staged()) {
                int fd = backing.open(path, (flags & ~(Libc.O_NOCTTY | OpenFlags.FMODE_EXEC)) | Libc.O_CREAT, (int) mode);
                if (current == null) {
                    giveToCaller(path);
                }
                return openPlain(path, fi, tid, fd, false);
            }
            if (mustMoveAside(path, tid, true, 0)) {
                return -Errno.ESTALE;
            }
            FuseContext context = getContext();
            Commit.Attributes created = current != null
                    ? attributes(current)
                    : new Commit.Attributes((int) mode, context.uid.intValue(), context.gid.intValue());
            return register(staged(path, kind, current, created), fi, true);
        }));
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return op("open", path, () -> {
            int flags = fi.flags.get();
            int tid = callerTid();
            if (isHidden(path)) {
                return admitting(path, () -> openHidden(path, fi, tid));
            }
            return admitting(path, () -> openName(path, fi, flags, tid));
        });
    }

    private int openName(String path, FuseFileInfo fi, int flags, int tid) throws FsException {
        WriteKind kind = policy.classify(relative(path), flags, true);
        boolean executes = OpenFlags.executes(flags);
        if (executes) {
            // Before anything else, so that lookups arriving meanwhile wait for the fresh node.
            detacher.detach(path);
        }
        if (kind.staged()) {
            FileStat current = backing.statOrNull(path);
            if (current == null) {
                return -Errno.ENOENT;
            }
            if (FileStat.S_ISREG(current.st_mode.intValue())) {
                if (mustMoveAside(path, tid, true, 0)) {
                    return -Errno.ESTALE;
                }
                return register(staged(path, kind, current, attributes(current)), fi, true);
            }
        }
        List<StagedWrite> mine = callersStaged(path, tid);
        int own = executes || mine.isEmpty() ? -1 : mine.get(mine.size() - 1).duplicate();
        if (own >= 0) {
            // The writer opens the file it is writing by name: it sees its own data, as with stat.
            try {
                return register(new PlainFile(path, tid, callers.tgidOf(tid), reopen(own, flags)), fi, true);
            } finally {
                C.close(own);
            }
        }
        return openPlain(path, fi, tid, backing.open(path, passthroughFlags(flags), 0), executes);
    }

    /**
     * Runs an open of {@code path} with the opens of the same name held back: checking that the
     * node would serve one version and registering the handle must be one step, or two opens
     * could each miss the other.
     */
    private int admitting(String path, Op open) throws FsException {
        synchronized (openLocks[(path.hashCode() & Integer.MAX_VALUE) % openLocks.length]) {
            return open.run();
        }
    }

    /** Serves an open from a backing descriptor. */
    private int openPlain(String path, FuseFileInfo fi, int tid, int fd, boolean executes) throws FsException {
        PlainFile file;
        try {
            file = new PlainFile(path, tid, callers.tgidOf(tid), fd);
        } catch (FsException e) {
            C.close(fd);
            throw e;
        }
        if (mustMoveAside(path, tid, false, file.ino())) {
            file.release();
            return -Errno.ESTALE;
        }
        if (executes && recentlyWritten(path)) {
            settleWriters(path, file.ino());
        }
        return register(file, fi, !executes);
    }

    /**
     * A writer takes write access to the node in the kernel before its OPEN reaches the daemon,
     * and the kernel refuses an exec of a node that a writer holds (ETXTBSY). On a name that is
     * being rewritten, an exec lets the writers whose opens are in flight arrive, and waits for
     * them to finish, before it is answered.
     */
    private void settleWriters(String path, long ino) throws FsException {
        long deadline = System.nanoTime() + WRITERS_WAIT_NANOS;
        int quiet = 0;
        while (quiet < SETTLE_CHECKS && System.nanoTime() < deadline) {
            pause();
            quiet = handles.wouldMixVersions(path, false, ino) ? 0 : quiet + 1;
        }
    }

    private boolean recentlyWritten(String path) {
        Long at = lastWriteOpen.get(path);
        return at != null && System.nanoTime() - at < RECENT_WRITE_NANOS;
    }

    /**
     * Keeps one version per node (see {@link HandleTable#wouldMixVersions}): when this open would
     * mix, the node now at {@code path} is moved aside and the open answered ESTALE, which makes
     * the kernel look the name up again, once, and so reach a fresh node. Should the retry meet
     * another newcomer on that fresh node, it goes ahead rather than fail the caller.
     */
    private boolean mustMoveAside(String path, int tid, boolean stagedWriter, long ino) throws FsException {
        if (!handles.wouldMixVersions(path, stagedWriter, ino)) {
            return false;
        }
        if (!stagedWriter && handles.onlyWritersOn(path)) {
            // Writers leave a node by closing (a copy finishing): a reader or an exec waits for
            // them rather than go elsewhere. Never the other way round: an exec leaves its node
            // only by a detach, which cannot happen while an open of the node is waiting.
            long deadline = System.nanoTime() + WRITERS_WAIT_NANOS;
            while (handles.wouldMixVersions(path, false, ino) && System.nanoTime() < deadline) {
                pause();
            }
            if (!handles.wouldMixVersions(path, false, ino)) {
                return false;
            }
        }
        if (!retryingThreads.remove(tid)) {
            retryingThreads.add(tid);
            if (!isHidden(path)) {
                detacher.detach(path);
            }
            return true;
        }
        // The kernel retries only once: wait for the other handles to close (a copy finishing)
        // rather than share; share only if they outlast the wait.
        long deadline = System.nanoTime() + WRITERS_WAIT_NANOS;
        while (handles.wouldMixVersions(path, stagedWriter, ino) && System.nanoTime() < deadline) {
            pause();
        }
        if (!handles.wouldMixVersions(path, stagedWriter, ino)) {
            return false;
        }
        stats.sharedNode();
        LOG.info("{} is served to different versions on one node after its retry ({} against {})", path,
                stagedWriter ? "a writer" : "a reader", handles.onNode(path));
        return false;
    }

    private static void pause() throws FsException {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(Errno.EINTR, "interrupted");
        }
    }

    /**
     * An open of a detached node by its hidden name: its lookup raced the detach (or it comes
     * through /proc/PID/exe). A write is a write of the name the node had. A read of an exec's or
     * reader's node is served from that node's version; a read of a writer's node (which must
     * not share it) or of a node already forgotten is sent to look the name up again.
     */
    private int openHidden(String path, FuseFileInfo fi, int tid) throws FsException {
        NodeDetacher.Hidden node = detacher.hiddenNode(path);
        String origin = detacher.originOf(path);
        if (origin == null) {
            return -Errno.ENOENT;
        }
        int flags = fi.flags.get();
        WriteKind kind = policy.classify(relative(origin), flags, true);
        if (kind.staged()) {
            FileStat current = backing.statOrNull(origin);
            if (current == null) {
                return -Errno.ENOENT;
            }
            // The hidden node may be an exec's or a reader's: a writer must not join it.
            if (mustMoveAside(path, tid, true, 0)) {
                return -Errno.ESTALE;
            }
            return register(staged(path, origin, kind, current, attributes(current)), fi, true);
        }
        boolean retry = retryingThreads.remove(tid);
        if (node != null && node.published() && !OpenFlags.writes(flags)) {
            return register(new PlainFile(path, tid, callers.tgidOf(tid), reopen(node.fd(), Libc.O_RDONLY)), fi, true);
        }
        if (!retry) {
            // A writer's node, or one already forgotten: the name, looked up again, leads elsewhere.
            retryingThreads.add(tid);
            return -Errno.ESTALE;
        }
        int fd = backing.open(origin, passthroughFlags(flags), 0);
        return register(new PlainFile(path, tid, callers.tgidOf(tid), fd), fi, true);
    }

    /** A new open file description of what {@code fd} refers to, with its own offset and flags. */
    private static int reopen(int fd, int flags) throws FsException {
        return (int) check(C.open("/proc/self/fd/" + fd, passthroughFlags(flags) & ~Libc.O_TRUNC | Libc.O_CLOEXEC, 0),
                "reopen");
    }

    private static int passthroughFlags(int flags) {
        return flags & ~(Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOCTTY | OpenFlags.FMODE_EXEC);
    }

    private StagedWrite staged(String path, WriteKind kind, FileStat current, Commit.Attributes created)
            throws FsException {
        return staged(path, path, kind, current, created);
    }

    /** A staged write to {@code target} on the node libfuse knows by {@code nodePath}. */
    private StagedWrite staged(String nodePath, String target, WriteKind kind, FileStat current,
            Commit.Attributes created) throws FsException {
        lastWriteOpen.put(target, System.nanoTime());
        int tid = callerTid();
        long baseIno = current == null ? -1 : current.st_ino.longValue();
        return new StagedWrite(nodePath, target, tid, callers.tgidOf(tid), kind,
                new StagedWrite.Setup(backing, stats, created, baseIno, durable, privileged, detacher::detach));
    }

    private int tgid(FuseContext context) {
        return callers.tgidOf(context.pid.intValue());
    }

    private static Commit.Attributes attributes(FileStat stat) {
        return new Commit.Attributes(stat.st_mode.intValue(), stat.st_uid.intValue(), stat.st_gid.intValue());
    }

    /**
     * Gives the handle its number. Direct I/O keeps every handle's data out of the page cache
     * that the kernel shares between all handles of a node: a writer's unpublished bytes must
     * never be served to a reader, nor a reader's old version to a newer reader.
     */
    private int register(OpenFile file, FuseFileInfo fi, boolean directIo) {
        fi.fh.set(handles.add(file));
        if (LOG.isDebugEnabled()) {
            LOG.debug("open {} flags {} as {} (handle {})", file.nodePath(),
                    Integer.toOctalString(fi.flags.get()), file.getClass().getSimpleName(), fi.fh.get());
        }
        if (directIo) {
            Pointer info = memory(fi);
            info.putInt(FILE_INFO_BITS_OFFSET, info.getInt(FILE_INFO_BITS_OFFSET) | DIRECT_IO);
        }
        return 0;
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return op("read", path, () -> (int) handles.get(fi.fh.get()).read(buf, size, offset));
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return op("write", path, () -> (int) handles.get(fi.fh.get()).write(buf, size, offset));
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return op("ftruncate", path, () -> {
            handles.get(fi.fh.get()).truncate(size);
            return 0;
        });
    }

    @Override
    public int fallocate(String path, int mode, long offset, long length, FuseFileInfo fi) {
        return op("fallocate", path, () -> {
            handles.get(fi.fh.get()).allocate(mode, offset, length);
            return 0;
        });
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        return op("fsync", path, () -> {
            handles.get(fi.fh.get()).sync(isdatasync != 0);
            return 0;
        });
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return op("flush", path, () -> {
            handles.get(fi.fh.get()).flush();
            return 0;
        });
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return op("release", path, () -> {
            OpenFile file = handles.remove(fi.fh.get());
            if (file == null) {
                return 0;
            }
            try {
                file.release();
            } finally {
                String node = file.nodePath();
                if (node != null && NodeDetacher.isHidden(node) && handles.onNode(node).isEmpty()) {
                    // libfuse removes its own .fuse_hidden names; dxfs removes the ones it made.
                    detacher.released(node, () -> handles.onNode(node).isEmpty());
                }
            }
            return 0;
        });
    }

    // ---- directories and the filesystem

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
        return op("readdir", path, () -> {
            boolean root = path.equals("/");
            for (BackingDir.Entry entry : backing.list(path)) {
                if (root && entry.name().equals(STAGING_NAME)) {
                    continue;
                }
                if (filler.apply(buf, entry.name(), null, 0) != 0) {
                    break;
                }
            }
            return 0;
        });
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        return op("statfs", path, () -> {
            check(C.fstatvfs(backing.rootFd(), memory(stbuf)), "statfs");
            return 0;
        });
    }

    // ---- extended attributes

    /** Extended attributes of a hidden node are those of the name it had. */
    private String xattrPath(String path) throws FsException {
        if (!isHidden(path)) {
            return backing.procPath(path);
        }
        String origin = detacher.originOf(path);
        if (origin == null) {
            throw new FsException(Errno.ENOENT, "xattr of a forgotten node");
        }
        return backing.procPath(origin);
    }

    @Override
    public int getxattr(String path, String name, Pointer value, long size) {
        return op("getxattr", path, () -> (int) check(C.lgetxattr(xattrPath(path), name, value, size),
                "getxattr"));
    }

    @Override
    public int setxattr(String path, String name, Pointer value, long size, int flags) {
        return op("setxattr", path, () -> {
            check(C.lsetxattr(xattrPath(path), name, value, size, flags), "setxattr");
            return 0;
        });
    }

    @Override
    public int listxattr(String path, Pointer list, long size) {
        return op("listxattr", path, () -> (int) check(C.llistxattr(xattrPath(path), list, size),
                "listxattr"));
    }

    @Override
    public int removexattr(String path, String name) {
        return op("removexattr", path, () -> {
            check(C.lremovexattr(xattrPath(path), name), "removexattr");
            return 0;
        });
    }

    // ---- lifecycle

    @Override
    public Pointer init(Pointer conn) {
        onInit.run();
        return null;
    }

    /**
     * Called once the mount is gone: drops every open write without publishing it (a writer cut
     * off mid-write must not publish a partial file) and frees the descriptors.
     */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            discardOpenWrites();
            detacher.close();
            backing.close();
        }
    }

    private void discardOpenWrites() {
        for (OpenFile file : handles.removeAll()) {
            if (file instanceof StagedWrite staged) {
                staged.orphan();
            }
            try {
                file.release();
            } catch (FsException | RuntimeException e) {
                LOG.debug("release at shutdown failed: {}", e.toString());
            }
        }
    }

    public MountStats stats() {
        return stats;
    }

    public int openStagedWriters() {
        return handles.stagedCount();
    }

    /** Nodes moved aside because they are being executed (or were written while executed). */
    public int detachedNodes() {
        return detacher.hiddenCount();
    }
}
