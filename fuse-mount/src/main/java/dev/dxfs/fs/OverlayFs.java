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
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
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
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    /** Tries of a create whose name keeps appearing and vanishing before it is sent back. */
    private static final int CREATE_ATTEMPTS = 100;
    /**
     * How long a create goes on trying while the name keeps changing under it before it sends the
     * kernel back to look the name up (ESTALE): the kernel does that once only, so it is kept for
     * a name that stays what the create cannot open. A count alone ran out while the process
     * changing the name was off the CPU, and 1 open in 260,000 failed with ESTALE.
     */
    private static final long CREATE_RETRY_NANOS = 50_000_000;

    private final BackingDir backing;
    private final NodeTable nodes;
    private final PendingReleases pendingReleases;
    private final StagingPolicy policy;
    private final HandleTable handles = new HandleTable();
    private final Platform platform = Platform.current();
    private final CallersWrites callersWrites = new CallersWrites(platform);
    private final KilledWriters killedWriters = new KilledWriters(platform);
    private final MountStats stats = new MountStats();
    private final boolean durable;
    private final boolean privileged;
    private final Runnable onInit;
    private final Retries retries = new Retries();
    private final Lookups lookups;
    private final NodeXattrs xattrs;
    private final Directories directories;
    private final NameChanges names;
    private final Staging staging;
    private final FileHandles fileHandles;
    private final Opens opens;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final KeptNames keptNames = new KeptNames();
    private final Invalidations invalidations;

    private OverlayFs(BackingDir backing, StagingPolicy policy, boolean durable, BooleanSupplier mountsInside,
            Runnable onInit) throws FsException {
        this.backing = backing;
        this.invalidations = new Invalidations(keptNames, mountsInside);
        this.policy = policy;
        this.durable = durable;
        // A root daemon acts with each caller's identity (and loads what that needs now).
        this.privileged = Credentials.switching();
        this.onInit = onInit;
        FileStat root = BackingDir.fstat(backing.rootFd());
        this.nodes = new NodeTable(backing.rootFd(), root.st_dev.longValue(), root.st_ino.longValue(),
                root.st_mode.intValue());
        this.pendingReleases = new PendingReleases(nodes);
        this.fileHandles = new FileHandles(handles, nodes, pendingReleases, invalidations, killedWriters, stats);
        this.staging = new Staging(backing, nodes, stats, platform, durable, privileged);
        this.opens = new Opens(nodes, pendingReleases, policy, callersWrites, retries, staging, fileHandles, stats,
                platform);
        this.lookups = new Lookups(nodes, pendingReleases, backing, keptNames, invalidations, callersWrites, retries,
                platform);
        this.xattrs = new NodeXattrs(nodes, pendingReleases);
        this.directories = new Directories(nodes, pendingReleases, backing);
        this.names = new NameChanges(nodes, pendingReleases, backing, lookups, callersWrites, keptNames,
                invalidations);
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

    // ---- names and nodes

    @Override
    public void lookup(Request req, long parent, String name) {
        op(req, "lookup", name, () -> lookups.lookup(req, parent, name));
    }

    @Override
    public void forget(long ino, long lookups) {
        nodes.forget(ino, lookups);
    }

    @Override
    public void mknod(Request req, long parent, String name, int mode, long rdev) {
        op(req, "mknod", name, () -> names.mknod(req, parent, name, mode, rdev));
    }

    @Override
    public void mkdir(Request req, long parent, String name, int mode) {
        op(req, "mkdir", name, () -> names.mkdir(req, parent, name, mode));
    }

    @Override
    public void symlink(Request req, String target, long parent, String name) {
        op(req, "symlink", name, () -> names.symlink(req, target, parent, name));
    }

    @Override
    public void unlink(Request req, long parent, String name) {
        op(req, "unlink", name, () -> names.unlink(req, parent, name));
    }

    @Override
    public void rmdir(Request req, long parent, String name) {
        op(req, "rmdir", name, () -> names.rmdir(req, parent, name));
    }

    @Override
    public void rename(Request req, long parent, String name, long newParent, String newName, int flags) {
        op(req, "rename", name, () -> names.rename(req, parent, name, newParent, newName, flags));
    }

    @Override
    public void link(Request req, long ino, long newParent, String newName) {
        op(req, "link", newName, () -> names.link(req, ino, newParent, newName));
    }

    @Override
    public void readlink(Request req, long ino) {
        answer(req, "readlink", ino, () -> lookups.readlink(req, ino));
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
        List<StagedWrite> mine = node.isRegular() ? callersWrites.stagedOn(node, req.tid()) : List.of();
        if (!mine.isEmpty()) {
            mine.get(mine.size() - 1).stat(stat);
            return true;
        }
        check(C.fstat(node.fd, stat), "fstat");
        return false;
    }

    private void answerAttributes(Request req, Node node, boolean own, Pointer stat) {
        req.attr(stat, KernelTimeouts.attributes(node, stat.getInt(StatFields.MODE), stat.getLong(StatFields.NLINK), own,
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
                    : node.isRegular() ? callersWrites.stagedOn(node, req.tid()) : List.of();
            boolean replaced = (toSet & SetAttr.SIZE) != 0
                    && truncate(req, node, handle, mine, attr.getLong(StatFields.SIZE));
            if ((toSet & SetAttr.MODE) != 0) {
                int mode = attr.getInt(StatFields.MODE) & StatFields.PERMISSION_BITS;
                for (StagedWrite staged : mine) {
                    staged.setMode(mode);
                }
                if (mine.isEmpty()) {
                    check(C.chmod(node.inodePath(), mode), "chmod");
                    invalidations.madeExecutable(node, mode);
                }
            }
            if ((toSet & (SetAttr.UID | SetAttr.GID)) != 0) {
                int uid = (toSet & SetAttr.UID) != 0 ? attr.getInt(StatFields.UID) : -1;
                int gid = (toSet & SetAttr.GID) != 0 ? attr.getInt(StatFields.GID) : -1;
                for (StagedWrite staged : mine) {
                    staged.setOwner(uid, gid);
                }
                if (mine.isEmpty()) {
                    check(C.fchownat(node.fd, "", uid, gid, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW), "chown");
                }
            }
            if ((toSet & (SetAttr.ATIME | SetAttr.MTIME | SetAttr.ATIME_NOW | SetAttr.MTIME_NOW)) != 0) {
                Pointer times = Request.allocate(32);
                time(times, 0, attr, StatFields.ATIME, toSet, SetAttr.ATIME, SetAttr.ATIME_NOW);
                time(times, 16, attr, StatFields.MTIME, toSet, SetAttr.MTIME, SetAttr.MTIME_NOW);
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
                invalidations.publishedInto(node, nodes.binding(node));
            }
            answerAttributes(req, node, own, stat);
        });
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
            Opens.mayOpen(node, Libc.O_WRONLY);
            StagedWrite staged = staging.staged(node, WriteKind.EDIT, tid, req.uid(), BackingDir.fstat(node.fd));
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
        op(req, "open", ino, () -> opens.open(req, ino, fi));
    }

    @Override
    public void create(Request req, long parent, String name, int mode, FileInfo fi) {
        op(req, "create", name, () -> {
            Node dir = lookups.directoryOf(parent, name, Errno.EACCES);
            boolean retry = retries.take(req.tid());
            Pointer stat = Request.newStat();
            long deadline = System.nanoTime() + CREATE_RETRY_NANOS;
            for (int attempt = 0; attempt < CREATE_ATTEMPTS || System.nanoTime() < deadline; attempt++) {
                if (attempt >= CREATE_ATTEMPTS) {
                    // Whoever keeps the name changing may be waiting for a CPU: let it run.
                    Thread.yield();
                }
                Opened opened = createOrOpen(req, dir, name, mode, fi.flags(), retry, stat);
                if (opened != null) {
                    long id = fileHandles.register(fi, opened.file());
                    double attributes = opened.made() ? KernelTimeouts.created(stat.getInt(StatFields.MODE),
                            stat.getLong(StatFields.NLINK), nodes.soleNodeOfInode(opened.node())) : 0;
                    if (!req.created(opened.node().id, stat, attributes, fi)) {
                        nodes.forget(opened.node().id, 1);
                        fileHandles.undelivered(id, opened.node());
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
            int stagingFd = staging.stagingFor(dir);
            Staging.NewFile made = staging.newFileTemp(dir, stagingFd, mode & StatFields.PERMISSION_BITS, req.umask());
            Node node = nodeOfTemp(dir, name, made.temp(), tid, stat);
            OpenFile file = new StagedWrite(node, tid, platform.processOf(tid), kind, made.temp(),
                    staging.setup(stagingFd,
                            new Commit.Attributes(made.mode(), stat.getInt(StatFields.UID), stat.getInt(StatFields.GID)),
                            -1, req.uid()));
            file.stat(stat);
            return new Opened(node, file, true);
        }
        // Lock files and in-place edits must exist for everyone from their creation: the empty
        // file is made now, the content staged. O_EXCL never follows a symlink, even a dangling one.
        int access = kind.staged() ? Libc.O_WRONLY : Opens.passthroughFlags(flags);
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
            node = lookups.nodeOfFile(dir, name, fd, tid, stat);
        } catch (FsException e) {
            C.close(fd);
            throw e;
        }
        if (!kind.staged()) {
            return new Opened(node, new PlainFile(node, tid, platform.processOf(tid), fd, false, false,
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
            node = lookups.resolve(dir, name, req.tid(), stat);
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
            file = opens.admit(node, flags, req.tid(), req.uid(), retry, created);
            file.stat(stat);
            return file;
        } catch (FsException | RuntimeException e) {
            FileHandles.dropUndelivered(file);
            nodes.forget(node.id, 1);
            throw e;
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
        return nodes.add(dir, name, fd, stat.getLong(StatFields.DEV), stat.getLong(StatFields.INO), stat.getInt(StatFields.MODE), true);
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
        op(req, "flush", ino, () -> fileHandles.flush(req, fi));
    }

    @Override
    public void release(Request req, long ino, FileInfo fi) {
        op(req, "release", ino, () -> fileHandles.release(req, fi));
    }

    @Override
    public void releaseQueued(long fh) {
        fileHandles.releaseQueued(fh);
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

    @Override
    public void opendir(Request req, long ino, FileInfo fi) {
        op(req, "opendir", ino, () -> directories.opendir(req, ino, fi));
    }

    @Override
    public void readdir(Request req, long ino, long size, long offset, FileInfo fi) {
        op(req, "readdir", ino, () -> directories.readdir(req, size, offset, fi));
    }

    @Override
    public void releasedir(Request req, long ino, FileInfo fi) {
        directories.releasedir(req, fi);
    }

    @Override
    public void fsyncdir(Request req, long ino, boolean dataOnly, FileInfo fi) {
        op(req, "fsyncdir", ino, () -> directories.fsyncdir(req, ino, dataOnly));
    }

    @Override
    public void statfs(Request req, long ino) {
        answer(req, "statfs", ino, () -> directories.statfs(req));
    }

    // ---- extended attributes

    @Override
    public void getxattr(Request req, long ino, String name, long size) {
        op(req, "getxattr", name, () -> xattrs.getxattr(req, ino, name, size));
    }

    @Override
    public void listxattr(Request req, long ino, long size) {
        op(req, "listxattr", ino, () -> xattrs.listxattr(req, ino, size));
    }

    @Override
    public void setxattr(Request req, long ino, String name, Pointer value, long size, int flags) {
        op(req, "setxattr", name, () -> xattrs.setxattr(req, ino, name, value, size, flags));
    }

    @Override
    public void removexattr(Request req, long ino, String name) {
        op(req, "removexattr", name, () -> xattrs.removexattr(req, ino, name));
    }

    // ---- lifecycle

    @Override
    public void init(KernelCache kernel) {
        invalidations.connect(kernel);
        onInit.run();
    }

    /**
     * Called once the mount is gone: drops every open write without publishing it (a writer cut
     * off mid-write must not publish a partial file) and frees the descriptors.
     */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            fileHandles.dropAll();
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
