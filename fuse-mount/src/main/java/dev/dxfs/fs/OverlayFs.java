package dev.dxfs.fs;

import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fuse.Credentials;
import dev.dxfs.fuse.FileInfo;
import dev.dxfs.fuse.Filesystem;
import dev.dxfs.fuse.KernelCache;
import dev.dxfs.fuse.Request;
import dev.dxfs.policy.StagingArea;
import dev.dxfs.policy.StagingPolicy;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.FileStat;

/**
 * The FUSE requests, each handed to the part that owns its decision: names and nodes to
 * {@link Lookups} and {@link NameChanges}, opens to {@link Opens} and {@link Creates}, a handle's
 * life after its open to {@link FileHandles} (where a staged write publishes), attributes to
 * {@link Attributes} and {@link NodeXattrs}, open directories and the filesystem's figures to
 * {@link Directories}. What is decided for a path lives in the policy module, the staged-write
 * I/O in {@link StagedWrite}, which nodes the kernel gets in {@link NodeTable}. Here each request
 * gets the identity it acts with, and its errors their answer.
 */
public final class OverlayFs implements Filesystem {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayFs.class);

    private final BackingDir backing;
    private final NodeTable nodes;
    private final HandleTable handles = new HandleTable();
    private final MountStats stats = new MountStats();
    private final Invalidations invalidations;
    private final NodePruning pruning;
    private final Lookups lookups;
    private final NameChanges names;
    private final Opens opens;
    private final Creates creates;
    private final FileHandles fileHandles;
    private final Attributes attributes;
    private final NodeXattrs xattrs;
    private final Directories directories;
    private final Runnable onInit;
    private volatile BackingWatch watch;
    private final AtomicBoolean closed = new AtomicBoolean();

    private OverlayFs(BackingDir backing, StagingPolicy policy, boolean durable, BooleanSupplier mountsInside,
            Runnable onInit) throws FsException {
        this.backing = backing;
        this.onInit = onInit;
        // A root daemon acts with each caller's identity (and loads what that needs now).
        boolean privileged = Credentials.switching();
        FileStat root = BackingDir.fstat(backing.rootFd());
        this.nodes = new NodeTable(backing.rootFd(), root.st_dev.longValue(), root.st_ino.longValue(),
                root.st_mode.intValue());
        PendingReleases pendingReleases = new PendingReleases(nodes);
        Platform platform = Platform.current();
        CallersWrites callersWrites = new CallersWrites(platform);
        Retries retries = new Retries();
        KeptNames keptNames = new KeptNames();
        this.invalidations = new Invalidations(nodes, keptNames, mountsInside);
        this.pruning = new NodePruning(nodes);
        Staging staging = new Staging(backing, nodes, stats, platform, durable, privileged);
        this.fileHandles = new FileHandles(handles, nodes, pendingReleases, invalidations, new KilledWriters(platform),
                stats);
        this.lookups = new Lookups(nodes, pendingReleases, backing, keptNames, invalidations, callersWrites, retries,
                platform);
        this.names = new NameChanges(nodes, pendingReleases, backing, lookups, callersWrites, keptNames,
                invalidations);
        this.opens = new Opens(nodes, pendingReleases, policy, callersWrites, retries, staging, fileHandles, stats,
                platform);
        this.creates = new Creates(nodes, backing, policy, lookups, opens, staging, fileHandles, retries, invalidations,
                platform);
        this.attributes = new Attributes(nodes, pendingReleases, handles, policy, callersWrites, staging,
                invalidations);
        this.xattrs = new NodeXattrs(nodes, pendingReleases, invalidations);
        this.directories = new Directories(nodes, pendingReleases, backing);
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
        pruning.admit();
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
        answer(req, "getattr", ino, () -> attributes.getattr(req, ino, fi));
    }

    @Override
    public void statx(Request req, long ino, FileInfo fi) {
        answer(req, "statx", ino, () -> attributes.statx(req, ino, fi));
    }

    @Override
    public void setattr(Request req, long ino, Pointer attr, int toSet, FileInfo fi) {
        op(req, "setattr", ino, () -> attributes.setattr(req, ino, attr, toSet, fi));
    }

    // ---- opening and I/O

    @Override
    public void open(Request req, long ino, FileInfo fi) {
        op(req, "open", ino, () -> opens.open(req, ino, fi));
    }

    @Override
    public void create(Request req, long parent, String name, int mode, FileInfo fi) {
        pruning.admit();
        op(req, "create", name, () -> creates.create(req, parent, name, mode, fi));
    }

    @Override
    public void tmpfile(Request req, long parent, int mode, FileInfo fi) {
        pruning.admit();
        op(req, "tmpfile", parent, () -> creates.tmpfile(req, parent, mode, fi));
    }

    @Override
    public void read(Request req, long ino, long size, long offset, FileInfo fi) {
        answer(req, "read", ino, () -> handles.get(fi.handle()).read(fd -> req.data(fd, size, offset)));
    }

    @Override
    public void write(Request req, long ino, Pointer buf, long size, long offset, FileInfo fi) {
        op(req, "write", ino, () -> {
            OpenFile file = handles.get(fi.handle());
            long written = fi.cachedWrite() ? file.writeCached(buf, size, offset) : file.write(buf, size, offset);
            wroteInPlace(file);
            req.written(written);
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
            OpenFile file = handles.get(fi.handle());
            file.allocate(mode, offset, length);
            wroteInPlace(file);
            req.ok();
        });
    }

    /**
     * A handle that is no staged writer's wrote into its node's file itself: the kernel drops
     * what it keeps of that node's size and times, not of the file's other nodes.
     */
    private void wroteInPlace(OpenFile file) {
        if (file instanceof PlainFile) {
            invalidations.changedThrough(file.node());
        }
    }

    /**
     * A copy between two handles of the mount, made in the backing filesystem (a reflink where
     * it can): from a descriptor of the data the source handle reads, so that a source that is
     * a staged writer may make its temp file meanwhile, and no two handles' locks are held at once.
     */
    @Override
    public void copyFileRange(Request req, long ino, long fhIn, long offsetIn, long inoOut, long fhOut, long offsetOut,
            long length) {
        op(req, "copy_file_range", inoOut, () -> {
            OpenFile to = handles.get(fhOut);
            int from = handles.get(fhIn).duplicate();
            long copied;
            try {
                copied = to.copyFrom(from, offsetIn, offsetOut, length);
            } finally {
                C.close(from);
            }
            wroteInPlace(to);
            req.written(copied);
        });
    }

    /** Where data or a hole is in the version the handle reads or writes: a seek decides nothing for the caller. */
    @Override
    public void lseek(Request req, long ino, long offset, int whence, FileInfo fi) {
        answer(req, "lseek", ino, () -> req.sought(handles.get(fi.handle()).seek(offset, whence)));
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
        pruning.connect(kernel);
        // Only where the kernel can be made to forget names: a name kept long needs the epoch.
        if (kernel.forgetsNames()) {
            watch = BackingWatch.start(nodes, invalidations);
            if (watch != null) {
                invalidations.watching(nodes.root.dev);
            }
        }
        onInit.run();
    }

    /**
     * Called once the mount is gone: drops every open write without publishing it (a writer cut
     * off mid-write must not publish a partial file) and frees the descriptors.
     */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (watch != null) {
                watch.close();
            }
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
