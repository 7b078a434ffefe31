package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fs.BackingDir.TempFile;
import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.Credentials;
import dev.dxfs.fuse.FileInfo;
import dev.dxfs.fuse.Filesystem;
import dev.dxfs.fuse.KernelCache;
import dev.dxfs.fuse.Names;
import dev.dxfs.fuse.Request;
import dev.dxfs.fuse.SetAttr;
import dev.dxfs.policy.Commit;
import dev.dxfs.policy.OpenFlags;
import dev.dxfs.policy.StagingArea;
import dev.dxfs.policy.StagingPolicy;
import dev.dxfs.policy.WriteKind;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.FileStat;

/**
 * The FUSE requests. Each finds its node or handle, makes its backing calls relative to the
 * node's descriptor and answers; the decisions live in the policy module, the staged-write I/O
 * in {@link StagedWrite}, which nodes the kernel gets in {@link NodeTable}.
 *
 * <p>One version per node: the kernel keeps one page cache, one size and one write ban per node,
 * so a node never serves readers (or an exec) and staged writers together. An open that would
 * mix them is answered ESTALE; the kernel then looks the name up again, once, and that lookup
 * gets a node of its own.
 */
public final class OverlayFs implements Filesystem {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayFs.class);
    private static final int PERMISSION_BITS = 07777;
    /** Why a handle that its open never delivered to the caller is dropped. */
    private static final String NOT_DELIVERED = "its open failed before it reached the caller";
    private static final int S_ISGID = 02000;
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    private static final int STATVFS_SIZE = 112;
    private static final int PATH_MAX = 4096;
    /** Tries of a create whose name keeps appearing and vanishing before it is sent back. */
    private static final int CREATE_ATTEMPTS = 100;
    /**
     * How long a create goes on trying while the name keeps changing under it before it sends the
     * kernel back to look the name up (ESTALE): the kernel does that once only, so it is kept for
     * a name that stays what the create cannot open. A count alone ran out while the process
     * changing the name was off the CPU, and 1 open in 260,000 failed with ESTALE.
     */
    private static final long CREATE_RETRY_NANOS = 50_000_000;
    private static final int STAT_NLINK = 16;
    private static final int STAT_MODE = 24;
    private static final int STAT_UID = 28;
    private static final int STAT_GID = 32;
    private static final int STAT_SIZE_FIELD = 48;
    private static final int STAT_ATIME = 72;
    private static final int STAT_MTIME = 88;

    private final BackingDir backing;
    private final NodeTable nodes;
    private final PendingReleases pendingReleases;
    private final StagingPolicy policy;
    private final HandleTable handles = new HandleTable();
    private final Map<Long, Listing> listings = new ConcurrentHashMap<>();
    private final AtomicLong listingIds = new AtomicLong();
    private final Platform platform = Platform.current();
    private final KilledWriters killedWriters = new KilledWriters(platform);
    private final MountStats stats = new MountStats();
    private final boolean durable;
    private final boolean privileged;
    private final Runnable onInit;
    /** Threads whose open was answered ESTALE, with the name their retry will look up. */
    private final Map<Integer, Binding> retrying = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile KernelCache kernel;
    private final KeptNames keptNames = new KeptNames();
    /**
     * Whether another filesystem is mounted inside the mount. The epoch that makes the kernel
     * forget every name it keeps ({@link KeptNames}) would unmount it: the kernel drops a name of
     * an older epoch without asking, and a dropped directory name takes what is mounted on it or
     * below it along (lazily, as {@code umount -l}). So while one is, no file name is kept and the
     * epoch is not raised.
     */
    private final BooleanSupplier mountsInside;

    private OverlayFs(BackingDir backing, StagingPolicy policy, boolean durable, BooleanSupplier mountsInside,
            Runnable onInit) throws FsException {
        this.backing = backing;
        this.mountsInside = mountsInside;
        this.policy = policy;
        this.durable = durable;
        // A root daemon acts with each caller's identity (and loads what that needs now).
        this.privileged = Credentials.switching();
        this.onInit = onInit;
        FileStat root = BackingDir.fstat(backing.rootFd());
        this.nodes = new NodeTable(backing.rootFd(), root.st_dev.longValue(), root.st_ino.longValue(),
                root.st_mode.intValue());
        this.pendingReleases = new PendingReleases(nodes);
    }

    /**
     * Prepares an overlay of {@code directory}, which must not be mounted over yet: its
     * descriptor is opened now, and its staging directory is created and swept.
     *
     * @param mountsInside reads the mount table: whether another filesystem is mounted inside the mount
     * @param onInit run when the kernel first talks to the filesystem
     */
    public static OverlayFs over(String directory, StagingPolicy policy, boolean durable,
            BooleanSupplier mountsInside, Runnable onInit) throws IOException {
        try {
            BackingDir backing = BackingDir.open(directory, new StagingArea("mount", ProcessHandle.current().pid()));
            return new OverlayFs(backing, policy, durable, mountsInside, onInit);
        } catch (FsException e) {
            throw new IOException(directory + ": " + (e instanceof BackingDir.NoStagingName ? e.getMessage()
                    : describe(e.errno)));
        }
    }

    /** The C library's text for an errno. */
    public static String describe(int errno) {
        jnr.constants.platform.Errno known = jnr.constants.platform.Errno.valueOf(errno);
        return known == null ? "errno " + errno : known.description();
    }

    private interface Op {
        void run() throws FsException;
    }

    /**
     * Runs one request: an expected failure is answered with its errno, anything else with EIO
     * (logged). Every request answers as its last step, so nothing can fail after the answer.
     * Its backing calls are made with the caller's identity ({@link Credentials}): the thread
     * takes it for the request and gives it back before it does anything else.
     */
    private void op(Request req, String name, Object subject, Op op) {
        try (Credentials.Scope caller = Credentials.as(req.caller())) {
            answer(req, name, subject, op);
        }
    }

    /**
     * Runs one request whose backing calls decide nothing for the caller (a stat of a descriptor,
     * a read of one the caller opened, a readlink, a statfs): with the daemon's identity, which
     * spares a switch and a read of the caller's groups on the commonest requests. The kernel
     * checked the caller's search permission on the way to the node.
     */
    private void answer(Request req, String name, Object subject, Op op) {
        try {
            op.run();
        } catch (FsException e) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("{} {}: {} (errno {})", name, subject, e.getMessage(), e.errno);
            }
            req.error(e.errno);
        } catch (RuntimeException | Error e) {
            stats.error();
            LOG.error("{} {} failed", name, subject, e);
            req.error(Errno.EIO);
        }
    }

    /**
     * A staging directory is no name of the mount's: it cannot be found, made or removed. Only
     * the name the daemon's staging directory has is; a user's own {@code .dxfs} is the user's.
     */
    private void refuseStaging(Node dir, String name, int errno) throws FsException {
        if (name.equals(backing.stagingIn(dir.dev, dir.ino))) {
            throw new FsException(errno, "the staging directory");
        }
    }

    // ---- names and nodes

    @Override
    public void lookup(Request req, long parent, String name) {
        op(req, "lookup", name, () -> {
            Node dir = nodes.get(parent);
            pendingReleases.awaitName(dir, name);
            refuseStaging(dir, name, Errno.ENOENT);
            answerEntry(req, dir, name);
        });
    }

    /**
     * Answers with the node {@link #resolve} finds for {@code name}; its count is undone if the
     * kernel never got it. The name is counted among the {@link KeptNames} while it is resolved.
     */
    private void answerEntry(Request req, Node dir, String name) throws FsException {
        Binding binding = new Binding(dir, name);
        keptNames.resolving(binding);
        boolean kept = false;
        try {
            Pointer stat = Request.newStat();
            Node node = resolve(dir, name, req.tid(), stat);
            int mode = stat.getInt(STAT_MODE);
            boolean viewed = node.isRegular() && beingWritten(dir, name);
            double attributes = KernelTimeouts.attributes(node, mode, stat.getLong(STAT_NLINK), viewed,
                    nodes.soleNodeOfInode(node));
            double nameSeconds = KernelTimeouts.name(mode, namesForgettable(), viewed);
            boolean sent = req.entry(node.id, stat, nameSeconds, attributes);
            if (!sent) {
                nodes.forget(node.id, 1);
            }
            kept = sent && nameSeconds > 0;
        } finally {
            keptNames.answered(binding, kept);
        }
    }

    /**
     * Whether a staged writer has {@code name} open: then what a lookup of it answers depends on
     * who asks (its writer sees its own file), now or once the writer has written.
     */
    private boolean beingWritten(Node dir, String name) {
        for (Node bound : nodes.boundTo(dir, name)) {
            if (bound.hasStagedWriters()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The node a lookup of {@code name} answers, with one more reference, its attributes in
     * {@code stat}. A process writing the name sees its own unpublished file; everyone else the
     * published version.
     */
    private Node resolve(Node dir, String name, int tid, Pointer stat) throws FsException {
        StagedWrite own = callersStaged(nodes.boundTo(dir, name), tid);
        if (own != null) {
            own.stat(stat);
            if (nodes.reference(own.node())) {
                return own.node();
            }
        }
        check(C.fstatat(dir.fd, name, stat, Libc.AT_SYMLINK_NOFOLLOW), "lookup");
        int mode = stat.getInt(STAT_MODE);
        Node node = nodes.reuse(dir, name, stat.getLong(0), stat.getLong(8), mode, fresh(mode, tid, dir, name));
        if (node != null) {
            return node;
        }
        int fd = (int) check(C.openat(dir.fd, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0), "lookup");
        return nodeOfPath(dir, name, fd, tid, stat);
    }

    /**
     * The node of the file the caller just created and holds open as {@code fd}, with one
     * reference: found by the descriptor, not by the name, which someone may have changed since.
     */
    private Node nodeOfFile(Node dir, String name, int fd, int tid, Pointer stat) throws FsException {
        return nodeOfPath(dir, name, (int) check(C.open(platform.pathOf(fd), Libc.O_PATH | Libc.O_CLOEXEC, 0),
                "open created"), tid, stat);
    }

    /** The node of O_PATH descriptor {@code fd} (the table's from now on), its attributes in {@code stat}. */
    private Node nodeOfPath(Node dir, String name, int fd, int tid, Pointer stat) throws FsException {
        if (C.fstat(fd, stat) < 0) {
            int errno = Libc.errno();
            C.close(fd);
            throw new FsException(errno, "lookup");
        }
        int mode = stat.getInt(STAT_MODE);
        Node added = nodes.add(dir, name, fd, stat.getLong(0), stat.getLong(8), mode, fresh(mode, tid, dir, name));
        for (Node other : nodes.otherNodesOfInode(added)) {
            // Changes through the new node will not show in what the kernel keeps of the others.
            kernel.forgetAttributes(other.id);
        }
        return added;
    }

    /**
     * Whether a lookup gets a node of its own. An executable file: an exec bans writes to its
     * node before the daemon hears of it, so a writer must never share one with a running program.
     * A retried open: it was sent back because its node served another version.
     */
    private boolean fresh(int mode, int tid, Node dir, String name) {
        if (!Node.isRegular(mode)) {
            return false;
        }
        return KernelTimeouts.executable(mode) || new Binding(dir, name).equals(retrying.get(tid));
    }

    /** The last unpublished staged write of the calling process among the handles of {@code candidates}. */
    private StagedWrite callersStaged(List<Node> candidates, int tid) {
        StagedWrite mine = null;
        for (Node node : candidates) {
            for (OpenFile file : node.handles()) {
                if (file instanceof StagedWrite staged && staged.unpublished() && staged.openedBy(tid, platform)) {
                    mine = staged;
                }
            }
        }
        return mine;
    }

    /**
     * The staged writes of the calling process on {@code node} that hold changes not in the node's
     * inode: unpublished ones, and orphaned ones (whose node has no name left to be looked up by).
     */
    private List<StagedWrite> callersStagedOn(Node node, int tid) {
        List<StagedWrite> mine = new ArrayList<>();
        for (OpenFile file : node.handles()) {
            if (file instanceof StagedWrite staged && staged.holdsChanges() && staged.openedBy(tid, platform)) {
                mine.add(staged);
            }
        }
        return mine;
    }

    @Override
    public void forget(long ino, long lookups) {
        nodes.forget(ino, lookups);
    }

    @Override
    public void mknod(Request req, long parent, String name, int mode, long rdev) {
        op(req, "mknod", name, () -> {
            Node dir = nodes.get(parent);
            pendingReleases.awaitName(dir, name);
            refuseStaging(dir, name, Errno.EACCES);
            try (CallerUmask umask = CallerUmask.of(req.umask())) {
                check(C.mknodat(dir.fd, name, umask.mode(mode), rdev), "mknod");
            }
            made(req, dir, name);
        });
    }

    @Override
    public void mkdir(Request req, long parent, String name, int mode) {
        op(req, "mkdir", name, () -> {
            Node dir = nodes.get(parent);
            pendingReleases.awaitName(dir, name);
            refuseStaging(dir, name, Errno.EACCES);
            try (CallerUmask umask = CallerUmask.of(req.umask())) {
                check(C.mkdirat(dir.fd, name, umask.mode(mode)), "mkdir");
            }
            made(req, dir, name);
        });
    }

    @Override
    public void symlink(Request req, String target, long parent, String name) {
        op(req, "symlink", name, () -> {
            Node dir = nodes.get(parent);
            pendingReleases.awaitName(dir, name);
            refuseStaging(dir, name, Errno.EACCES);
            check(C.symlinkat(target, dir.fd, name), "symlink");
            made(req, dir, name);
        });
    }

    /**
     * Answers the creation of {@code name}, which the caller's identity made the caller's, with the
     * group the kernel gave it (the caller's, or a setgid directory's).
     */
    private void made(Request req, Node dir, String name) throws FsException {
        answerEntry(req, dir, name);
    }

    @Override
    public void unlink(Request req, long parent, String name) {
        op(req, "unlink", name, () -> {
            Node dir = nodes.get(parent);
            pendingReleases.awaitName(dir, name);
            refuseStaging(dir, name, Errno.ENOENT);
            if (C.unlinkat(dir.fd, name, 0) < 0) {
                int errno = Libc.errno();
                if (errno != Errno.ENOENT || callersStaged(nodes.boundTo(dir, name), req.tid()) == null) {
                    throw new FsException(errno, "unlink");
                }
                // The caller removes a file it is still creating: it never gets published.
            }
            orphan(nodes.removeName(dir, name));
            req.ok();
        });
    }

    /**
     * Staged writes to a name that someone removed or replaced were writing a file that no
     * longer has a name: they will not publish.
     */
    private static void orphan(List<Node> unnamed) {
        for (Node node : unnamed) {
            for (OpenFile file : node.handles()) {
                if (file instanceof StagedWrite staged) {
                    staged.orphan();
                }
            }
        }
    }

    @Override
    public void rmdir(Request req, long parent, String name) {
        op(req, "rmdir", name, () -> {
            Node dir = nodes.get(parent);
            pendingReleases.awaitName(dir, name);
            refuseStaging(dir, name, Errno.ENOENT);
            check(C.unlinkat(dir.fd, name, Libc.AT_REMOVEDIR), "rmdir");
            nodes.removeName(dir, name);
            req.ok();
        });
    }

    @Override
    public void rename(Request req, long parent, String name, long newParent, String newName, int flags) {
        op(req, "rename", name, () -> {
            Node dir = nodes.get(parent);
            Node newDir = nodes.get(newParent);
            pendingReleases.awaitName(dir, name);
            pendingReleases.awaitName(newDir, newName);
            refuseStaging(dir, name, Errno.ENOENT);
            refuseStaging(newDir, newName, Errno.EACCES);
            // A name renamed onto itself stays as it is (POSIX), even while its writer has not
            // published it yet: the general path would publish it early and orphan its node.
            if (flags == 0 && dir == newDir && name.equals(newName) && !nodes.boundTo(dir, name).isEmpty()) {
                req.ok();
                return;
            }
            boolean exchange = (flags & Libc.RENAME_EXCHANGE) != 0;
            if (C.renameat2(dir.fd, name, newDir.fd, newName, flags) < 0) {
                List<Node> candidates = new ArrayList<>(nodes.boundTo(dir, name));
                if (exchange) {
                    candidates.addAll(nodes.boundTo(newDir, newName));
                }
                publishCallersNewFile(Libc.errno(), candidates, req.tid());
                check(C.renameat2(dir.fd, name, newDir.fd, newName, flags), "rename");
            }
            // An exchange removes nothing: the two names' nodes trade places. A whiteout left at
            // the old name is a new inode, found by the next lookup.
            keptNames.renamed(new Binding(dir, name), new Binding(newDir, newName), exchange);
            if (exchange) {
                nodes.exchange(dir, name, newDir, newName);
            } else {
                orphan(nodes.rename(dir, name, newDir, newName));
            }
            req.ok();
        });
    }

    /**
     * A writer renames or links a file it created and has not closed yet: the name does not
     * exist in the backing tree until the first publish, so what it has now is published (its
     * later writes start a new version, published at its close). Otherwise the failure stands.
     */
    private void publishCallersNewFile(int errno, List<Node> candidates, int tid) throws FsException {
        if (errno != Errno.ENOENT) {
            throw new FsException(errno, "rename");
        }
        List<StagedWrite> mine = new ArrayList<>();
        for (Node node : candidates) {
            mine.addAll(callersStagedOn(node, tid));
        }
        if (mine.isEmpty()) {
            throw new FsException(errno, "rename");
        }
        for (StagedWrite staged : mine) {
            staged.publishNow();
        }
    }

    @Override
    public void link(Request req, long ino, long newParent, String newName) {
        op(req, "link", newName, () -> {
            Node node = nodes.get(ino);
            Node newDir = nodes.get(newParent);
            pendingReleases.awaitNode(node);
            pendingReleases.awaitName(newDir, newName);
            refuseStaging(newDir, newName, Errno.EACCES);
            Binding binding = nodes.binding(node);
            if (binding == null) {
                check(C.linkat(Libc.AT_FDCWD, node.inodePath(), newDir.fd, newName, Libc.AT_SYMLINK_FOLLOW), "link");
            } else if (C.linkat(binding.parent().fd, binding.name(), newDir.fd, newName, 0) < 0) {
                publishCallersNewFile(Libc.errno(), List.of(node), req.tid());
                check(C.linkat(binding.parent().fd, binding.name(), newDir.fd, newName, 0), "link");
            }
            // The new name gets a node of its own, so the kernel cannot tell that the linked
            // node's link count changed.
            kernel.forgetAttributes(node.id);
            answerEntry(req, newDir, newName);
        });
    }

    @Override
    public void readlink(Request req, long ino) {
        answer(req, "readlink", ino, () -> {
            Node node = nodes.get(ino);
            Pointer target = Request.allocate(PATH_MAX + 1);
            long length = check(C.readlinkat(node.fd, "", target, PATH_MAX), "readlink");
            target.putByte(length, (byte) 0);
            req.readlink(target);
        });
    }

    // ---- attributes

    @Override
    public void getattr(Request req, long ino, FileInfo fi) {
        answer(req, "getattr", ino, () -> {
            Node node = nodes.get(ino);
            if (fi == null) {
                pendingReleases.awaitNode(node);
            }
            Pointer stat = Request.newStat();
            answerAttributes(req, node, attributes(req, node, fi == null ? null : handles.get(fi.handle()), stat), stat);
        });
    }

    /**
     * The attributes a caller sees: through a handle, the handle's; through the node, the
     * caller's own unpublished write if it has one, else the node's version. Returns whether they
     * are the caller's own view.
     */
    private boolean attributes(Request req, Node node, OpenFile handle, Pointer stat) throws FsException {
        if (handle != null) {
            handle.stat(stat);
            return handle instanceof StagedWrite;
        }
        List<StagedWrite> mine = node.isRegular() ? callersStagedOn(node, req.tid()) : List.of();
        if (!mine.isEmpty()) {
            mine.get(mine.size() - 1).stat(stat);
            return true;
        }
        check(C.fstat(node.fd, stat), "fstat");
        return false;
    }

    private void answerAttributes(Request req, Node node, boolean own, Pointer stat) {
        req.attr(stat, KernelTimeouts.attributes(node, stat.getInt(STAT_MODE), stat.getLong(STAT_NLINK), own,
                nodes.soleNodeOfInode(node)));
    }

    @Override
    public void setattr(Request req, long ino, Pointer attr, int toSet, FileInfo fi) {
        op(req, "setattr", ino, () -> {
            Node node = nodes.get(ino);
            OpenFile handle = fi == null ? null : handles.get(fi.handle());
            if (handle == null) {
                pendingReleases.awaitNode(node);
            }
            // A writer changing its own file (fchmod, futimens, ... arrive without the handle)
            // changes what it will publish; anyone else changes the node's version.
            List<StagedWrite> mine = handle instanceof StagedWrite staged ? List.of(staged)
                    : node.isRegular() ? callersStagedOn(node, req.tid()) : List.of();
            boolean replaced = (toSet & SetAttr.SIZE) != 0
                    && truncate(req, node, handle, mine, attr.getLong(STAT_SIZE_FIELD));
            if ((toSet & SetAttr.MODE) != 0) {
                int mode = attr.getInt(STAT_MODE) & PERMISSION_BITS;
                for (StagedWrite staged : mine) {
                    staged.setMode(mode);
                }
                if (mine.isEmpty()) {
                    check(C.chmod(node.inodePath(), mode), "chmod");
                    madeExecutable(node, mode);
                }
            }
            if ((toSet & (SetAttr.UID | SetAttr.GID)) != 0) {
                int uid = (toSet & SetAttr.UID) != 0 ? attr.getInt(STAT_UID) : -1;
                int gid = (toSet & SetAttr.GID) != 0 ? attr.getInt(STAT_GID) : -1;
                for (StagedWrite staged : mine) {
                    staged.setOwner(uid, gid);
                }
                if (mine.isEmpty()) {
                    check(C.fchownat(node.fd, "", uid, gid, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW), "chown");
                }
            }
            if ((toSet & (SetAttr.ATIME | SetAttr.MTIME | SetAttr.ATIME_NOW | SetAttr.MTIME_NOW)) != 0) {
                Pointer times = Request.allocate(32);
                time(times, 0, attr, STAT_ATIME, toSet, SetAttr.ATIME, SetAttr.ATIME_NOW);
                time(times, 16, attr, STAT_MTIME, toSet, SetAttr.MTIME, SetAttr.MTIME_NOW);
                for (StagedWrite staged : mine) {
                    staged.setTimes(times);
                }
                if (mine.isEmpty()) {
                    setTimes(node, times);
                }
                Reference.reachabilityFence(times);
            }
            Pointer stat = Request.newStat();
            boolean own = attributes(req, node, handle, stat);
            if (replaced) {
                publishedInto(node, nodes.binding(node));
            }
            answerAttributes(req, node, own, stat);
        });
    }

    /**
     * A file that becomes executable must no longer share a node with its names' next lookups
     * (an exec bans writes to its node): any of its names the kernel keeps, of this node or of
     * another link, is looked up again, and gets a fresh node from now on.
     */
    private void madeExecutable(Node node, int mode) {
        if (node.isRegular() && KernelTimeouts.executable(mode) && kernel.forgetsNames()) {
            forgetNames(keptNames.keptUntilAny());
        }
    }

    /** One struct timespec of utimensat's pair: the given time, now, or left alone. */
    private static void time(Pointer times, int at, Pointer attr, int field, int toSet, int given, int now) {
        if ((toSet & now) != 0) {
            times.putLong(at + 8, UTIME_NOW);
        } else if ((toSet & given) != 0) {
            times.putLong(at, attr.getLong(field));
            times.putLong(at + 8, attr.getLong(field + 8));
        } else {
            times.putLong(at + 8, UTIME_OMIT);
        }
    }

    private void setTimes(Node node, Pointer times) throws FsException {
        if (!node.isSymlink()) {
            check(C.utimensat(Libc.AT_FDCWD, node.inodePath(), times, 0), "utimens");
            return;
        }
        Binding binding = nodes.binding(node);
        if (binding == null) {
            throw new FsException(Errno.EPERM, "utimens of an unlinked symlink");
        }
        check(C.utimensat(binding.parent().fd, binding.name(), times, Libc.AT_SYMLINK_NOFOLLOW), "utimens");
    }

    /** A truncate is a write: staged like one, unless the caller's own write or the policy says otherwise. */
    /** Returns whether the truncate published a new version of the name (a staged truncate). */
    private boolean truncate(Request req, Node node, OpenFile handle, List<StagedWrite> mine, long size)
            throws FsException {
        if (handle != null) {
            handle.truncate(size);
            return false;
        }
        if (!mine.isEmpty()) {
            mine.get(mine.size() - 1).truncate(size);
            return false;
        }
        String path = nodes.path(node);
        if (path != null && node.isRegular() && policy.stagesTruncate(Names.text(path))) {
            int tid = req.tid();
            mayOpen(node, Libc.O_WRONLY);
            StagedWrite staged = staged(node, WriteKind.EDIT, tid, req.uid(), BackingDir.fstat(node.fd));
            boolean truncated = false;
            try {
                staged.truncate(size);
                truncated = true;
            } finally {
                if (!truncated) {
                    staged.orphan();
                }
                staged.release();
            }
            return true;
        }
        int fd = BackingDir.reopen(node, Libc.O_WRONLY);
        try {
            check(C.ftruncate(fd, size), "truncate");
        } finally {
            C.close(fd);
        }
        return false;
    }

    // ---- opening and I/O

    @Override
    public void open(Request req, long ino, FileInfo fi) {
        op(req, "open", ino, () -> {
            Node node = nodes.get(ino);
            pendingReleases.awaitNode(node);
            int tid = req.tid();
            boolean retry = retrying.remove(tid) != null;
            OpenFile file = admit(node, fi.flags(), tid, req.uid(), retry, false);
            register(fi, file);
            req.open(fi);
        });
    }

    @Override
    public void create(Request req, long parent, String name, int mode, FileInfo fi) {
        op(req, "create", name, () -> {
            Node dir = nodes.get(parent);
            pendingReleases.awaitName(dir, name);
            refuseStaging(dir, name, Errno.EACCES);
            boolean retry = retrying.remove(req.tid()) != null;
            Pointer stat = Request.newStat();
            long deadline = System.nanoTime() + CREATE_RETRY_NANOS;
            for (int attempt = 0; attempt < CREATE_ATTEMPTS || System.nanoTime() < deadline; attempt++) {
                if (attempt >= CREATE_ATTEMPTS) {
                    // Whoever keeps the name changing may be waiting for a CPU: let it run.
                    Thread.yield();
                }
                Opened opened = createOrOpen(req, dir, name, mode, fi.flags(), retry, stat);
                if (opened != null) {
                    long id = register(fi, opened.file());
                    double attributes = opened.made() ? KernelTimeouts.created(stat.getInt(STAT_MODE),
                            stat.getLong(STAT_NLINK), nodes.soleNodeOfInode(opened.node())) : 0;
                    if (!req.created(opened.node().id, stat, attributes, fi)) {
                        nodes.forget(opened.node().id, 1);
                        dropQuietly(handles.remove(id), NOT_DELIVERED);
                        nodes.unpin(opened.node());
                    }
                    return;
                }
            }
            // The name kept changing, or holds what only the kernel's own lookup handles: the
            // kernel looks it up again, once.
            throw new FsException(Errno.ESTALE, "create: the name holds no regular file");
        });
    }

    /** A node the kernel is answered with, the handle opened on it, and whether the create made the file. */
    private record Opened(Node node, OpenFile file, boolean made) {}

    /**
     * One try at a create: the name is made exclusively (never following a symlink someone put
     * there), or, when it turns out to exist, opened as an existing file, with that open's own
     * checks. Returns null when the name appeared or vanished between two steps: the caller tries
     * again, as the kernel's own open(O_CREAT) would never fail for that.
     */
    private Opened createOrOpen(Request req, Node dir, String name, int mode, int flags, boolean retry,
            Pointer stat) throws FsException {
        int tid = req.tid();
        if (BackingDir.statOrNull(dir.fd, name) != null) {
            return openExisting(req, dir, name, flags, retry, stat);
        }
        String path = nodes.path(dir, name);
        WriteKind kind = path == null ? WriteKind.UNSTAGED : policy.classify(Names.text(path), flags, false);
        if (kind.staged() && OpenFlags.truncates(flags)) {
            // The new file stays invisible to others until its first publish.
            int staging = stagingFor(dir);
            NewFile made = newFileTemp(dir, staging, mode & PERMISSION_BITS, req.umask());
            Node node = nodeOfTemp(dir, name, made.temp(), tid, stat);
            OpenFile file = new StagedWrite(node, tid, platform.processOf(tid), kind, made.temp(),
                    setup(staging, new Commit.Attributes(made.mode(), stat.getInt(STAT_UID), stat.getInt(STAT_GID)),
                            -1, req.uid()));
            file.stat(stat);
            return new Opened(node, file, true);
        }
        // Lock files and in-place edits must exist for everyone from their creation: the empty
        // file is made now, the content staged. O_EXCL never follows a symlink, even a dangling one.
        int access = kind.staged() ? Libc.O_WRONLY : passthroughFlags(flags);
        int fd;
        try (CallerUmask umask = CallerUmask.of(req.umask())) {
            fd = C.openat(dir.fd, name, access | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC,
                    umask.mode(mode));
        }
        if (fd < 0) {
            int errno = Libc.errno();
            if (errno == Errno.EEXIST && !OpenFlags.exclusive(flags)) {
                return null;
            }
            throw new FsException(errno, "create");
        }
        Node node;
        try {
            node = nodeOfFile(dir, name, fd, tid, stat);
        } catch (FsException e) {
            C.close(fd);
            throw e;
        }
        if (!kind.staged()) {
            // The file made in place is the node's version: its handle names it like any open of it.
            return new Opened(node, new PlainFile(node, tid, platform.processOf(tid), fd, false, true,
                    OpenFlags.writes(flags)), true);
        }
        C.close(fd);
        return new Opened(node, admitCounted(node, flags, req, retry, true, stat), true);
    }

    /**
     * The open(O_CREAT) of a name that exists: an open of the file found there, by its node, or
     * null when the name is gone again, or holds anything but a regular file (a symlink or a
     * directory put there since the kernel's lookup): the create is tried again, and when the
     * name keeps holding it, sent back to the kernel (ESTALE), which looks the name up again and
     * does what a native open does with it (follows the symlink, as the caller). O_EXCL fails.
     */
    private Opened openExisting(Request req, Node dir, String name, int flags, boolean retry, Pointer stat)
            throws FsException {
        if (OpenFlags.exclusive(flags)) {
            throw new FsException(Errno.EEXIST, "create");
        }
        Node node;
        try {
            node = resolve(dir, name, req.tid(), stat);
        } catch (FsException e) {
            if (e.errno == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
        if (!node.isRegular()) {
            nodes.forget(node.id, 1);
            return null;
        }
        return new Opened(node, admitCounted(node, flags, req, retry, false, stat), false);
    }

    /**
     * Opens {@code node}, which has a reference for this open that is undone when the open fails;
     * {@code created}: the caller has just created the file (natively, such an open is not checked).
     */
    private OpenFile admitCounted(Node node, int flags, Request req, boolean retry, boolean created, Pointer stat)
            throws FsException {
        OpenFile file = null;
        try {
            file = admit(node, flags, req.tid(), req.uid(), retry, created);
            file.stat(stat);
            return file;
        } catch (FsException | RuntimeException e) {
            dropQuietly(file, NOT_DELIVERED);
            nodes.forget(node.id, 1);
            throw e;
        }
    }

    /** The temp file of a new file, and the mode a native create would have given the file. */
    private record NewFile(TempFile temp, int mode) {}

    /**
     * The temp file of a new file in {@code dir}, made with the caller's identity: the kernel
     * decides whether the caller may create a file there, and gives it the owner and group (the
     * caller's, or a setgid directory's) it would give the file itself. It is made with the
     * create {@code mode} and the caller's {@code umask}, so that it gets the mode and the ACL
     * the file would get natively (a default ACL of the directory in place of the umask), and is
     * then made private (0600, which keeps the ACL's named entries; the publish's chmod to that
     * mode gives back the rest). Where the filesystem has no unnamed temp files, the temp file is
     * named in the staging directory, which only the daemon may enter: then the daemon asks the
     * kernel whether the caller may create in {@code dir}, and gives the file the owner and group
     * the kernel would, and the mode under the umask (no default ACL).
     */
    private NewFile newFileTemp(Node dir, int staging, int mode, int umask) throws FsException {
        try {
            int fd;
            try (CallerUmask callers = CallerUmask.of(umask)) {
                fd = platform.openUnnamed(dir.fd, callers.mode(mode));
            }
            TempFile temp = new TempFile(staging, null, fd);
            try {
                int made = BackingDir.fstat(fd).st_mode.intValue() & PERMISSION_BITS;
                check(C.fchmod(fd, 0600), "fchmod temp");
                return new NewFile(temp, made);
            } catch (FsException e) {
                backing.discardTemp(temp);
                throw e;
            }
        } catch (FsException e) {
            if (e.errno != Errno.EOPNOTSUPP) {
                throw e;
            }
        }
        int masked = mode & ~(umask & 0777);
        Credentials.Caller caller = Credentials.current();
        boolean forCaller = Credentials.actingForCaller() && caller != null;
        if (forCaller) {
            int errno = Access.mayCreateIn(dir.fd);
            if (errno != 0) {
                throw new FsException(errno, "create");
            }
        }
        try (Credentials.Scope daemon = Credentials.asDaemon()) {
            TempFile temp = backing.createTemp(dir.fd, staging);
            if (forCaller) {
                FileStat parent = BackingDir.fstat(dir.fd);
                int gid = (parent.st_mode.intValue() & S_ISGID) != 0 ? parent.st_gid.intValue() : caller.gid();
                if (C.fchown(temp.fd(), caller.uid(), gid) < 0) {
                    int errno = Libc.errno();
                    backing.discardTemp(temp);
                    throw new FsException(errno, "chown temp");
                }
            }
            return new NewFile(temp, masked);
        }
    }

    /** A node of its own for a file being created, standing for the temp file that will be published. */
    private Node nodeOfTemp(Node dir, String name, TempFile temp, int tid, Pointer stat) throws FsException {
        int fd = (int) check(C.open(platform.pathOf(temp.fd()), Libc.O_PATH | Libc.O_CLOEXEC, 0), "open temp");
        if (C.fstat(fd, stat) < 0) {
            int errno = Libc.errno();
            C.close(fd);
            backing.discardTemp(temp);
            throw new FsException(errno, "fstat temp");
        }
        return nodes.add(dir, name, fd, stat.getLong(0), stat.getLong(8), stat.getInt(STAT_MODE), true);
    }

    /**
     * Opens {@code node} for a caller, keeping the node to one version: a staged writer does not
     * join readers or an exec, nor they a staged writer. Such an open is answered ESTALE and
     * its retry gets a node of its own; a retry that still meets others (a node reached through
     * /proc) goes ahead rather than fail.
     *
     * <p>The open is the caller's, with its identity, so the kernel decides whether the caller may
     * open the file so; a staged write, which does not open the file for writing, opens it so once
     * to ask, unless the caller has just {@code created} it.
     */
    private OpenFile admit(Node node, int flags, int tid, int uid, boolean retry, boolean created)
            throws FsException {
        synchronized (node) {
            OpenFile file = chosen(node, flags, tid, uid, retry, created);
            // On the node before its monitor is let go, so that the next open of the node meets it.
            node.add(file);
            return file;
        }
    }

    /** The handle an open of {@code node} gets, under the node's monitor (see {@link #admit}). */
    private OpenFile chosen(Node node, int flags, int tid, int uid, boolean retry, boolean created)
            throws FsException {
        String path = node.isRegular() ? nodes.path(node) : null;
        WriteKind kind = path == null
                ? (OpenFlags.writes(flags) ? WriteKind.UNSTAGED : WriteKind.READ)
                : policy.classify(Names.text(path), flags, true);
        boolean executes = OpenFlags.executes(flags);
        if (kind.staged()) {
            if (!created) {
                mayOpen(node, flags);
            }
            if (node.hasPlainHandles() && !mustShare(node, tid, retry)) {
                throw sendBack(node, tid);
            }
            return staged(node, kind, tid, uid, BackingDir.fstat(node.fd));
        }
        List<StagedWrite> mine = executes ? List.of() : callersStagedOn(node, tid);
        if (!mine.isEmpty()) {
            // The writer opens the file it is writing by name: it reads its own data (a temp
            // file of the daemon's; the kernel checked the open against what the writer sees).
            int own = mine.get(mine.size() - 1).duplicate();
            try (Credentials.Scope daemon = Credentials.asDaemon()) {
                return new PlainFile(node, tid, platform.processOf(tid), reopen(platform.pathOf(own), flags), false,
                        false, OpenFlags.writes(flags));
            } finally {
                C.close(own);
            }
        }
        if (node.hasStagedWriters() && !mustShare(node, tid, retry)) {
            throw sendBack(node, tid);
        }
        int fd = reopen(node.inodePath(), flags);
        return new PlainFile(node, tid, platform.processOf(tid), fd, executes, node.isRegular(),
                OpenFlags.writes(flags));
    }

    private boolean mustShare(Node node, int tid, boolean retry) {
        if (retry) {
            stats.sharedNode();
            LOG.info("{} serves two versions after a retry of thread {}: {}", node, tid, node.handles());
        }
        return retry;
    }

    /** Retires {@code node} from lookups of its name and asks the kernel to look the name up again. */
    private FsException sendBack(Node node, int tid) {
        nodes.retire(node);
        Binding binding = nodes.binding(node);
        if (binding != null) {
            retrying.put(tid, binding);
        }
        stats.retried();
        return new FsException(Errno.ESTALE, "the node serves another version");
    }

    /**
     * Asks the kernel, by opening {@code node} as the caller asked to, whether the caller may.
     * The daemon acting as itself may (the kernel's default_permissions checked it already).
     */
    private static void mayOpen(Node node, int flags) throws FsException {
        if (Credentials.actingForCaller()) {
            C.close(reopen(node.inodePath(), flags & OpenFlags.O_ACCMODE));
        }
    }

    private static int reopen(String path, int flags) throws FsException {
        return (int) check(C.open(path, passthroughFlags(flags) & ~Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0),
                "open");
    }

    private static int passthroughFlags(int flags) {
        return flags & ~(Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOCTTY | OpenFlags.FMODE_EXEC);
    }

    /**
     * A staged write to the (bound) name of {@code node}, replacing the version {@code current}.
     * A node whose name was removed or renamed over since it was found (a rename through the
     * mount, a moment ago) is sent back (ESTALE): the kernel looks the name up again, and opens
     * what is there now, as an open made just after the rename would. (ENOENT, as before, failed
     * an open with O_CREAT.)
     */
    private StagedWrite staged(Node node, WriteKind kind, int tid, int uid, FileStat current) throws FsException {
        Binding binding = nodes.binding(node);
        if (binding == null) {
            throw new FsException(Errno.ESTALE, "staged write to a file that lost its name");
        }
        return new StagedWrite(node, tid, platform.processOf(tid), kind, null,
                setup(stagingFor(binding.parent()), attributes(current), current.st_ino.longValue(), uid));
    }

    /** What a staged write needs; its writer is the caller whose identity the thread acts with. */
    private StagedWrite.Setup setup(int stagingFd, Commit.Attributes created, long baseIno, int writerUid) {
        return new StagedWrite.Setup(backing, stagingFd, nodes, stats, created, baseIno, durable, privileged,
                writerUid == 0, Credentials.current());
    }

    /** The staging directory for files in {@code dir}: the one on {@code dir}'s filesystem. */
    private int stagingFor(Node dir) throws FsException {
        try (Credentials.Scope daemon = Credentials.asDaemon()) {
            return backing.stagingOn(dir.dev, StagingArea.hostOf(dir, this::parentOf, node -> node.dev).fd);
        }
    }

    private Node parentOf(Node dir) {
        Binding binding = nodes.binding(dir);
        return binding == null ? null : binding.parent();
    }

    private static Commit.Attributes attributes(FileStat stat) {
        return new Commit.Attributes(stat.st_mode.intValue(), stat.st_uid.intValue(), stat.st_gid.intValue());
    }

    /**
     * Gives the handle its number. Direct I/O keeps every handle's data out of the page cache
     * that the kernel shares between all handles of a node; only an exec needs it (the kernel
     * maps the program from it). A handle open on the node's version (a reader's, an exec's, an
     * appender's) names that file to the transport, which may let the kernel read and map it
     * itself (a handle that writes keeps its writes with the daemon).
     */
    private long register(FileInfo fi, OpenFile file) {
        if (file instanceof StagedWrite staged) {
            noteRunningVersion(staged);
        }
        long id = handles.add(file);
        nodes.pin(file.node());
        fi.handle(id);
        if (file instanceof PlainFile plain && plain.versionFd() >= 0) {
            fi.passThrough(plain.versionFd(), plain.writes());
        }
        if (!(file instanceof PlainFile plain && plain.executes())) {
            fi.directIo();
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("open {} flags {} as {} (handle {})", file.node(), Integer.toOctalString(fi.flags()), file, id);
        }
        return id;
    }

    /**
     * A writer of a name that a program runs from: natively its open fails with ETXTBSY. Here it
     * got a node of its own at lookup (an executable's name is never shared), which is logged with
     * the path so that the log shows every such save. Called with no node's monitor held: it
     * takes those of the name's other nodes, and two writers holding their own would deadlock.
     */
    private void noteRunningVersion(StagedWrite write) {
        Node node = write.node();
        Binding binding = nodes.binding(node);
        if (binding == null) {
            return;
        }
        for (Node other : nodes.boundTo(binding.parent(), binding.name())) {
            if (other != node && other.isExecuting()) {
                stats.preventedTextBusy();
                LOG.info("ETXTBSY prevented: {} is replaced while a program runs from it ({}); the writer has {}",
                        Names.text(String.valueOf(nodes.path(node))), other, node);
                return;
            }
        }
    }

    private static void dropQuietly(OpenFile file, String why) {
        if (file == null) {
            return;
        }
        if (file instanceof StagedWrite staged) {
            staged.drop(why);
        }
        file.node().remove(file);
        try {
            file.release();
        } catch (FsException | RuntimeException e) {
            LOG.debug("release of an unused handle failed: {}", e.toString());
        }
    }

    @Override
    public void read(Request req, long ino, long size, long offset, FileInfo fi) {
        answer(req, "read", ino, () -> handles.get(fi.handle()).read(fd -> req.data(fd, size, offset)));
    }

    @Override
    public void write(Request req, long ino, Pointer buf, long size, long offset, FileInfo fi) {
        op(req, "write", ino, () -> {
            OpenFile file = handles.get(fi.handle());
            req.written(fi.cachedWrite() ? file.writeCached(buf, size, offset) : file.write(buf, size, offset));
        });
    }

    @Override
    public void flush(Request req, long ino, FileInfo fi) {
        op(req, "flush", ino, () -> {
            OpenFile file = handles.get(fi.handle());
            if (file instanceof StagedWrite staged && staged.holdsChanges()) {
                staged.closedBy(req.unique(), killedWriters.closedForKilled(req.tid()));
                // This close may be the writer's last: what the closer does next looks the name
                // up again, and so waits for the publish (see PendingReleases).
                nameChanged(nodes.binding(staged.node()));
            }
            file.flush();
            req.ok();
        });
    }

    @Override
    public void release(Request req, long ino, FileInfo fi) {
        op(req, "release", ino, () -> {
            OpenFile file = handles.remove(fi.handle());
            if (file instanceof StagedWrite staged) {
                pendingReleases.awaitEarlier(staged);
            }
            try {
                if (file != null) {
                    publishedInto(file.node(), file.release());
                }
            } finally {
                if (file instanceof StagedWrite staged) {
                    pendingReleases.done(staged);
                }
                if (file != null) {
                    nodes.unpin(file.node());
                }
            }
            req.ok();
        });
    }

    @Override
    public void releaseQueued(long fh) {
        if (handles.find(fh) instanceof StagedWrite staged) {
            pendingReleases.queued(staged);
        }
    }

    @Override
    public void fsync(Request req, long ino, boolean dataOnly, FileInfo fi) {
        op(req, "fsync", ino, () -> {
            handles.get(fi.handle()).sync(dataOnly);
            req.ok();
        });
    }

    @Override
    public void fallocate(Request req, long ino, int mode, long offset, long length, FileInfo fi) {
        op(req, "fallocate", ino, () -> {
            handles.get(fi.handle()).allocate(mode, offset, length);
            req.ok();
        });
    }

    // ---- directories and the filesystem

    /** An open directory: its entries, read at the first readdir and again after a rewind. */
    private static final class Listing {
        final Node dir;
        List<BackingDir.Entry> entries = List.of();

        Listing(Node dir) {
            this.dir = dir;
        }
    }

    @Override
    public void opendir(Request req, long ino, FileInfo fi) {
        op(req, "opendir", ino, () -> {
            long id = listingIds.incrementAndGet();
            listings.put(id, new Listing(nodes.get(ino)));
            fi.handle(id);
            req.open(fi);
        });
    }

    @Override
    public void readdir(Request req, long ino, long size, long offset, FileInfo fi) {
        op(req, "readdir", ino, () -> {
            Listing listing = listings.get(fi.handle());
            if (listing == null) {
                throw new FsException(Errno.EBADF, "unknown directory handle");
            }
            if (offset == 0) {
                pendingReleases.awaitNode(listing.dir);
                listing.entries = visibleEntries(listing.dir);
            }
            List<BackingDir.Entry> entries = listing.entries;
            Request.DirectoryPage page = req.page(size);
            for (int i = (int) offset; i < entries.size(); i++) {
                BackingDir.Entry entry = entries.get(i);
                if (!page.add(entry.name(), entry.ino(), entry.type(), i + 1)) {
                    break;
                }
            }
            page.reply();
        });
    }

    private List<BackingDir.Entry> visibleEntries(Node dir) throws FsException {
        List<BackingDir.Entry> entries = BackingDir.list(dir.fd);
        String staging = backing.stagingIn(dir.dev, dir.ino);
        if (staging != null) {
            byte[] hidden = staging.getBytes(StandardCharsets.ISO_8859_1);
            entries.removeIf(entry -> Arrays.equals(entry.name(), hidden));
        }
        return entries;
    }

    @Override
    public void releasedir(Request req, long ino, FileInfo fi) {
        listings.remove(fi.handle());
        req.ok();
    }

    @Override
    public void fsyncdir(Request req, long ino, boolean dataOnly, FileInfo fi) {
        op(req, "fsyncdir", ino, () -> {
            int fd = BackingDir.openDirectory(nodes.get(ino).fd);
            try {
                check(dataOnly ? C.fdatasync(fd) : C.fsync(fd), "fsyncdir");
            } finally {
                C.close(fd);
            }
            req.ok();
        });
    }

    @Override
    public void statfs(Request req, long ino) {
        answer(req, "statfs", ino, () -> {
            Pointer statvfs = Request.allocate(STATVFS_SIZE);
            check(C.fstatvfs(backing.rootFd(), statvfs), "statfs");
            req.statfs(statvfs);
        });
    }

    // ---- extended attributes

    /**
     * Where the extended attributes of {@code node} are reached: its own inode through its path
     * (followed), or for a symlink, its name (not followed).
     */
    private record XattrTarget(String path, boolean follow) {}

    private XattrTarget xattrTarget(Node node) throws FsException {
        if (!node.isSymlink()) {
            return new XattrTarget(node.inodePath(), true);
        }
        Binding binding = nodes.binding(node);
        if (binding == null) {
            throw new FsException(Errno.ENOENT, "xattr of an unlinked symlink");
        }
        return new XattrTarget(binding.parent().inodePath() + "/" + binding.name(), false);
    }

    /** Node {@code ino}, once the releases of writes to it or in it are done. */
    private Node awaitedNode(long ino) throws FsException {
        Node node = nodes.get(ino);
        pendingReleases.awaitNode(node);
        return node;
    }

    @Override
    public void getxattr(Request req, long ino, String name, long size) {
        op(req, "getxattr", name, () -> {
            XattrTarget target = xattrTarget(awaitedNode(ino));
            Pointer value = size == 0 ? null : Request.allocate(size);
            long length = check(target.follow() ? C.getxattr(target.path(), name, value, size)
                    : C.lgetxattr(target.path(), name, value, size), "getxattr");
            answerSized(req, value, size, length);
        });
    }

    @Override
    public void listxattr(Request req, long ino, long size) {
        op(req, "listxattr", ino, () -> {
            XattrTarget target = xattrTarget(awaitedNode(ino));
            Pointer list = size == 0 ? null : Request.allocate(size);
            long length = check(target.follow() ? C.listxattr(target.path(), list, size)
                    : C.llistxattr(target.path(), list, size), "listxattr");
            answerSized(req, list, size, length);
        });
    }

    /** A caller that asked with size 0 learns the size; otherwise it gets the bytes. */
    private static void answerSized(Request req, Pointer buf, long size, long length) {
        if (size == 0) {
            req.xattrSize(length);
        } else {
            req.buffer(buf, length);
        }
    }

    @Override
    public void setxattr(Request req, long ino, String name, Pointer value, long size, int flags) {
        op(req, "setxattr", name, () -> {
            XattrTarget target = xattrTarget(awaitedNode(ino));
            check(target.follow() ? C.setxattr(target.path(), name, value, size, flags)
                    : C.lsetxattr(target.path(), name, value, size, flags), "setxattr");
            req.ok();
        });
    }

    @Override
    public void removexattr(Request req, long ino, String name) {
        op(req, "removexattr", name, () -> {
            XattrTarget target = xattrTarget(awaitedNode(ino));
            check(target.follow() ? C.removexattr(target.path(), name) : C.lremovexattr(target.path(), name),
                    "removexattr");
            req.ok();
        });
    }

    /**
     * A publish renamed a temp file into the directory behind the kernel's back: the kernel
     * forgets the directory's attributes (its times changed), and those of the writer's node,
     * which it may keep from a create ({@link KernelTimeouts#created}): that node is now the
     * published file, whose change time the rename changed, or the version it replaced, which has
     * no link left; and the name if it may keep it (a lookup that raced with the publish may have
     * found the version before).
     */
    private void publishedInto(Node written, Binding published) {
        if (published != null) {
            kernel.forgetAttributes(published.parent().id);
            kernel.forgetAttributes(written.id);
            nameChanged(published);
        }
    }

    /** The file at {@code name} changes behind the kernel's back: a name it keeps must be looked up again. */
    private void nameChanged(Binding name) {
        if (name != null && kernel.forgetsNames() && keptNames.mayBeKept(name)) {
            forgetNames(keptNames.keptUntil(name));
        }
    }

    /** Whether the kernel may keep a file's name: only if it can be made to forget it at once. */
    private boolean namesForgettable() {
        return kernel.forgetsNames() && !mountsInside.getAsBoolean();
    }

    /**
     * Makes the kernel forget every name it keeps, or, when that would unmount what is mounted
     * inside, waits until the names that matter have expired ({@code keptUntil}, as
     * {@link System#nanoTime}): the change is not answered before the kernel would look them up
     * again. Lookups keep no names while something is mounted inside, so the wait happens only
     * for names kept before it was mounted.
     */
    private void forgetNames(long keptUntil) {
        if (!mountsInside.getAsBoolean()) {
            keptNames.forgetAll(kernel);
            return;
        }
        for (long left = keptUntil - System.nanoTime(); left > 0; left = keptUntil - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    // ---- lifecycle

    @Override
    public void init(KernelCache kernel) {
        this.kernel = kernel;
        onInit.run();
    }

    /**
     * Called once the mount is gone: drops every open write without publishing it (a writer cut
     * off mid-write must not publish a partial file) and frees the descriptors.
     */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            for (OpenFile file : handles.removeAll()) {
                dropQuietly(file, "it was still open when the mount went away (a forced unmount, or the daemon "
                        + "was stopped); the file keeps its last published version");
            }
            nodes.clear();
            backing.close();
        }
    }

    public MountStats stats() {
        return stats;
    }

    public int openStagedWriters() {
        return handles.stagedCount();
    }

    /** Nodes that running programs were started from: no writer ever gets one of them. */
    public int executingNodes() {
        return nodes.executing();
    }

    /** Nodes the kernel holds. */
    public int nodeCount() {
        return nodes.size();
    }
}
