package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fs.BackingDir.TempFile;
import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.FileInfo;
import dev.dxfs.fuse.Names;
import dev.dxfs.fuse.Request;
import dev.dxfs.policy.Commit;
import dev.dxfs.policy.OpenFlags;
import dev.dxfs.policy.StagingPolicy;
import dev.dxfs.policy.WriteKind;
import jnr.ffi.Pointer;
import ru.serce.jnrfuse.struct.FileStat;

/**
 * open(O_CREAT): the name is made, or opened when it exists, as the kernel's own create would,
 * tried again while someone else makes and removes the name between two steps. A new file that
 * is staged and truncated stays a temp file, invisible to others until its first publish; lock
 * files and in-place edits exist for everyone from their creation.
 */
final class Creates {
    /** Tries of a create whose name keeps appearing and vanishing before it is sent back. */
    private static final int CREATE_ATTEMPTS = 100;
    /**
     * How long a create goes on trying while the name keeps changing under it before it sends the
     * kernel back to look the name up (ESTALE): the kernel does that once only, so it is kept for
     * a name that stays what the create cannot open. A count alone ran out while the process
     * changing the name was off the CPU, and 1 open in 260,000 failed with ESTALE.
     */
    private static final long CREATE_RETRY_NANOS = 50_000_000;
    /**
     * How long the kernel's retry of such a create goes on trying: a second ESTALE fails the
     * caller's open, which natively never fails for that. The first try's 50 ms ran out twice in
     * a row while the process swapping a symlink in and out of the name was off the CPU with the
     * symlink in place (1 open in 7,653 failed with ESTALE in SharedMountTest's race under load).
     */
    private static final long LAST_CREATE_NANOS = 1_000_000_000;

    private final NodeTable nodes;
    private final BackingDir backing;
    private final StagingPolicy policy;
    private final Lookups lookups;
    private final Opens opens;
    private final Staging staging;
    private final FileHandles fileHandles;
    private final Retries retries;
    private final Invalidations invalidations;
    private final Platform platform;

    Creates(NodeTable nodes, BackingDir backing, StagingPolicy policy, Lookups lookups, Opens opens, Staging staging,
            FileHandles fileHandles, Retries retries, Invalidations invalidations, Platform platform) {
        this.nodes = nodes;
        this.backing = backing;
        this.policy = policy;
        this.lookups = lookups;
        this.opens = opens;
        this.staging = staging;
        this.fileHandles = fileHandles;
        this.retries = retries;
        this.invalidations = invalidations;
        this.platform = platform;
    }

    void create(Request req, long parent, String name, int mode, FileInfo fi) throws FsException {
        Node dir = lookups.directoryOf(parent, name, Errno.EACCES);
        Binding binding = new Binding(dir, name);
        boolean retry = retries.take(req.tid(), binding);
        Pointer stat = Request.newStat();
        long deadline = System.nanoTime() + (retry ? LAST_CREATE_NANOS : CREATE_RETRY_NANOS);
        for (int attempt = 0; attempt < CREATE_ATTEMPTS || System.nanoTime() < deadline; attempt++) {
            if (attempt >= CREATE_ATTEMPTS) {
                // Whoever keeps the name changing may be waiting for a CPU: let it run.
                Thread.yield();
            }
            Opened opened = createOrOpen(req, dir, name, mode, fi.flags(), retry, stat);
            if (opened != null) {
                long id = fileHandles.register(fi, opened.file());
                double attributes = opened.made() ? KernelTimeouts.created() : 0;
                invalidations.creating(binding);
                if (!req.created(opened.node().id, stat, attributes, fi)) {
                    nodes.forget(opened.node().id, 1);
                    fileHandles.undelivered(id, opened.node());
                    invalidations.createUndelivered(binding);
                }
                return;
            }
        }
        // The name kept changing, or holds what only the kernel's own lookup handles: the
        // kernel looks it up again, once.
        if (!retry) {
            retries.sentBack(req.tid(), binding);
        }
        throw new FsException(Errno.ESTALE, "create: the name holds no regular file");
    }

    /**
     * open(O_TMPFILE) in directory {@code parent}: the backing directory makes the file without a
     * name, as the caller (its owner, group and mode as natively, ACL and setgid directory
     * included), with the caller's flags ({@code O_EXCL}: never to be linked). No other process
     * can reach the file, so nothing is staged: the handle writes it in place, and a link gives it
     * a name as the whole file it is then, later writes landing in the published file as
     * natively (see NameChanges.link).
     */
    void tmpfile(Request req, long parent, int mode, FileInfo fi) throws FsException {
        Node dir = nodes.get(parent);
        int fd;
        try (CallerUmask umask = CallerUmask.of(req.umask())) {
            fd = platform.openUnnamed(dir.fd, fi.flags(), umask.mode(mode));
        }
        Pointer stat = Request.newStat();
        Node node;
        try {
            node = nodes.addUnnamed(pathDescriptor(fd, stat), stat.getLong(StatFields.DEV),
                    stat.getLong(StatFields.INO), stat.getInt(StatFields.MODE));
        } catch (FsException e) {
            C.close(fd);
            throw e;
        }
        long id = fileHandles.register(fi, new PlainFile(node, fd, false, true, true));
        // No link: the kernel must ask for the attributes again once a link has given it one.
        if (!req.created(node.id, stat, 0, fi)) {
            nodes.forget(node.id, 1);
            fileHandles.undelivered(id, node);
        }
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
            Commit.Attributes attributes = new Commit.Attributes(made.mode(), stat.getInt(StatFields.UID),
                    stat.getInt(StatFields.GID));
            OpenFile file = new StagedWrite(node, tid, platform.processOf(tid), kind, made.temp(),
                    staging.setup(stagingFd, attributes, -1, req.uid()));
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
            // The file made in place is the node's version: its handle names it like any open of it.
            return new Opened(node, new PlainFile(node, fd, false, true, OpenFlags.writes(flags)), true);
        }
        C.close(fd);
        return new Opened(node, admitCounted(node, flags, req, retry, FileStat.of(stat), stat), true);
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
        return new Opened(node, admitCounted(node, flags, req, retry, null, stat), false);
    }

    /**
     * Opens {@code node}, which has a reference for this open that is undone when the open fails,
     * and puts the attributes the caller sees in {@code stat}. {@code created}: the attributes of
     * the file the caller has just created (natively, such an open is not checked), or null.
     */
    private OpenFile admitCounted(Node node, int flags, Request req, boolean retry, FileStat created, Pointer stat)
            throws FsException {
        OpenFile file = null;
        try {
            file = opens.admit(node, flags, req.tid(), req.uid(), retry, created);
            if (created != null && file instanceof StagedWrite staged) {
                // stat holds the created file's attributes: no need to read them again.
                staged.createdView(stat);
            } else {
                file.stat(stat);
            }
            return file;
        } catch (FsException | RuntimeException e) {
            FileHandles.dropUndelivered(file);
            nodes.forget(node.id, 1);
            throw e;
        }
    }

    /** A node of its own for a file being created, standing for the temp file that will be published. */
    private Node nodeOfTemp(Node dir, String name, TempFile temp, int tid, Pointer stat) throws FsException {
        int fd;
        try {
            fd = pathDescriptor(temp.fd(), stat);
        } catch (FsException e) {
            backing.discardTemp(temp);
            throw e;
        }
        return nodes.add(dir, name, fd, stat.getLong(StatFields.DEV), stat.getLong(StatFields.INO),
                stat.getInt(StatFields.MODE), true, 0);
    }

    /** An O_PATH descriptor of the file open at {@code fd}, which a node holds, its attributes in {@code stat}. */
    private int pathDescriptor(int fd, Pointer stat) throws FsException {
        int path = (int) check(C.open(platform.pathOf(fd), Libc.O_PATH | Libc.O_CLOEXEC, 0), "open O_PATH");
        if (C.fstat(path, stat) < 0) {
            int errno = Libc.errno();
            C.close(path);
            throw new FsException(errno, "fstat");
        }
        return path;
    }
}
