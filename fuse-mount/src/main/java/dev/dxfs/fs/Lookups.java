package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.Request;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * Names and nodes: what a name resolves to, and which node the kernel is answered with and for
 * how long it may keep it. Every request that answers with an entry (lookup, the makes, link)
 * ends here, and a create finds its node here, so that a node is shared, or not, by one rule: a
 * process writing a name sees its own unpublished file, a walk of an executable or a retried open
 * gets a node of its own.
 */
final class Lookups {
    private static final int PATH_MAX = 4096;
    /**
     * Each thread's struct stat for the entry it answers, filled whole by every path before it
     * is read, and copied into the answer: lookups are the commonest request, and each allocated
     * its own native memory and the objects that track it.
     */
    private static final ThreadLocal<Pointer> ENTRY_STAT = ThreadLocal.withInitial(Request::newStat);

    private final NodeTable nodes;
    private final PendingReleases pendingReleases;
    private final BackingDir backing;
    private final KeptNames keptNames;
    private final Invalidations invalidations;
    private final CallersWrites callersWrites;
    private final Retries retries;
    private final Platform platform;

    Lookups(NodeTable nodes, PendingReleases pendingReleases, BackingDir backing, KeptNames keptNames,
            Invalidations invalidations, CallersWrites callersWrites, Retries retries, Platform platform) {
        this.nodes = nodes;
        this.pendingReleases = pendingReleases;
        this.backing = backing;
        this.keptNames = keptNames;
        this.invalidations = invalidations;
        this.callersWrites = callersWrites;
        this.retries = retries;
        this.platform = platform;
    }

    /**
     * The directory {@code parent} of {@code name}, which a request is about to find, make or
     * remove: once the releases of writes to that name are done (the name is what they publish),
     * and never for the staging directory's name, which is refused with {@code stagingErrno}.
     */
    Node directoryOf(long parent, String name, int stagingErrno) throws FsException {
        Node dir = nodes.get(parent);
        pendingReleases.awaitName(dir, name);
        backing.refuseStaging(dir, name, stagingErrno);
        return dir;
    }

    void lookup(Request req, long parent, String name) throws FsException {
        answer(req, directoryOf(parent, name, Errno.ENOENT), name, true);
    }

    /** Answers with a symlink's target, read from its node's descriptor. */
    void readlink(Request req, long ino) throws FsException {
        Node node = nodes.get(ino);
        Pointer target = Request.allocate(PATH_MAX + 1);
        long length = check(C.readlinkat(node.fd, "", target, PATH_MAX), "readlink");
        target.putByte(length, (byte) 0);
        req.readlink(target);
    }

    /**
     * Answers a request that made {@code name} (mkdir, link, ...) with the node {@link #resolve}
     * finds for it; returns whether the kernel took the answer.
     */
    boolean answerEntry(Request req, Node dir, String name) throws FsException {
        return answer(req, dir, name, false);
    }

    /**
     * Answers with the node {@link #resolve} finds for {@code name}; its count is undone if the
     * kernel never got it. A lookup ({@code lookup}) of a name that does not exist is answered as
     * absent, for the kernel to keep ({@link KernelTimeouts#absent}), where it may. The name is
     * counted among the {@link KeptNames} while it is resolved, and after as kept, present or
     * absent.
     */
    private boolean answer(Request req, Node dir, String name, boolean lookup) throws FsException {
        Binding binding = new Binding(dir, name);
        keptNames.resolving(binding);
        double kept = 0;
        boolean noted = false;
        try {
            Pointer stat = ENTRY_STAT.get();
            Node node;
            try {
                node = resolve(dir, name, req.tid(), stat);
            } catch (FsException e) {
                double absent = lookup && e.errno == Errno.ENOENT ? KernelTimeouts.absent(
                        invalidations.namesForgettable(), beingWritten(dir, name), invalidations.fileTimeout(dir)) : 0;
                if (absent == 0) {
                    throw e;
                }
                // Noted before it is sent: the kernel may send a create of the name as soon as it
                // has the answer, and the create's note must come after this one (noted after, the
                // create's found nothing to replace, and the file's close raised an epoch).
                keptNames.answered(binding, absent);
                noted = true;
                return req.absent(absent);
            }
            int mode = stat.getInt(StatFields.MODE);
            boolean viewed = node.isRegular() && beingWritten(dir, name);
            double file = invalidations.fileTimeout(node);
            double attributes = invalidations.attributes(node, KernelTimeouts.attributes(node, mode,
                    stat.getLong(StatFields.NLINK), viewed, file));
            double nameSeconds = KernelTimeouts.name(mode, invalidations.namesForgettable(),
                    viewed || keptNames.replacedLately(binding), file);
            if (nameSeconds == 0) {
                // Noted before it is sent, as an absence is: the caller goes on at once, and the
                // close of a rewrite it then opened reached another thread while this lookup
                // still counted as one that may be answered kept (an epoch at each twentieth
                // `cmd > f` of a file rewritten lately).
                keptNames.answered(binding, 0);
                noted = true;
            }
            boolean sent = req.entry(node.id, stat, nameSeconds, attributes);
            if (!sent) {
                nodes.forget(node.id, 1);
            }
            kept = sent ? nameSeconds : 0;
            return sent;
        } finally {
            if (!noted) {
                keptNames.answered(binding, kept);
            }
        }
    }

    /**
     * Whether a staged writer has {@code name} open: then what a lookup of it answers depends on
     * who asks (its writer sees its own file), now or once the writer has written.
     */
    private boolean beingWritten(Node dir, String name) {
        List<Node> bound = nodes.boundTo(dir, name);
        // Indexed: C1 does no escape analysis, and an iterator would be one more object per lookup.
        for (int i = 0; i < bound.size(); i++) {
            if (bound.get(i).hasStagedWriters()) {
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
    Node resolve(Node dir, String name, int tid, Pointer stat) throws FsException {
        List<Node> bound = nodes.boundTo(dir, name);
        StagedWrite own = callersWrites.staged(bound, tid);
        if (own != null) {
            own.stat(stat);
            if (nodes.reference(own.node())) {
                return own.node();
            }
        }
        Node node = published(dir, name, bound, tid, stat);
        // A rewrite of the file published over another of its names at a release still pending
        // takes a link from this version: whoever closed that writer must see it gone.
        if (node.isRegular() && pendingReleases.awaitFile(node)) {
            check(C.fstat(node.fd, stat), "fstat");
        }
        return node;
    }

    /** The node of the version published at {@code name}, which {@code bound} are bound to, as {@link #resolve}. */
    private Node published(Node dir, String name, List<Node> bound, int tid, Pointer stat) throws FsException {
        if (bound.isEmpty()) {
            // No node has the name (the kernel forgot it, or never asked): it gets a new one,
            // unless it is a directory's or a symlink's that has a node by another name, which
            // the table finds by the inode. So the name is opened at once, and its attributes
            // read from the descriptor: one walk of the name, not two.
            return nodeOfPath(dir, name, openPath(dir, name), tid, stat, tid);
        }
        check(C.fstatat(dir.fd, name, stat, Libc.AT_SYMLINK_NOFOLLOW), "lookup");
        int mode = stat.getInt(StatFields.MODE);
        long dev = stat.getLong(StatFields.DEV);
        long ino = stat.getLong(StatFields.INO);
        Node node = nodes.reuse(dir, name, dev, ino, mode, fresh(mode, tid, dir, name));
        if (node == null && perWalk(mode, tid, dir, name)) {
            node = idleWalkNode(bound, dev, ino, tid);
        }
        if (node != null) {
            return node;
        }
        return nodeOfPath(dir, name, openPath(dir, name), tid, stat, tid);
    }

    /**
     * A node made for an earlier walk of the executable now at the name that nothing uses any
     * more (see {@link Node#takeFor}), given to thread {@code tid}'s walk with one more
     * reference; or null. The kernel revalidates the name it keeps of that node at each walk (an
     * executable's name is kept for no time): answered with the node, it keeps the name, where a
     * new node made it drop the name and look it up a second time, and forget the old node.
     */
    private Node idleWalkNode(List<Node> bound, long dev, long ino, int tid) {
        for (Node node : bound) {
            if (node.perWalk && node.dev == dev && node.ino == ino && node.takeFor(tid) && nodes.reference(node)) {
                // The answer reads the file afresh: what the kernel keeps of its other nodes may predate it.
                invalidations.changedThrough(node);
                return node;
            }
        }
        return null;
    }

    /** An O_PATH descriptor of {@code name} itself (a symlink is not followed). */
    private static int openPath(Node dir, String name) throws FsException {
        return (int) check(C.openat(dir.fd, name, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0), "lookup");
    }

    /**
     * The node of the file the caller just created and holds open as {@code fd}, with one
     * reference: found by the descriptor, not by the name, which someone may have changed since.
     */
    Node nodeOfFile(Node dir, String name, int fd, int tid, Pointer stat) throws FsException {
        return nodeOfPath(dir, name, (int) check(C.open(platform.pathOf(fd), Libc.O_PATH | Libc.O_CLOEXEC, 0),
                "open created"), tid, stat, 0);
    }

    /**
     * The node of O_PATH descriptor {@code fd} (the table's from now on), its attributes in
     * {@code stat}; one made for an executable's lookup by thread {@code walker} (0 for a create)
     * is that walk's until it opens the node.
     */
    private Node nodeOfPath(Node dir, String name, int fd, int tid, Pointer stat, int walker) throws FsException {
        if (C.fstat(fd, stat) < 0) {
            int errno = Libc.errno();
            C.close(fd);
            throw new FsException(errno, "lookup");
        }
        int mode = stat.getInt(StatFields.MODE);
        Node added = nodes.add(dir, name, fd, stat.getLong(StatFields.DEV), stat.getLong(StatFields.INO), mode,
                fresh(mode, tid, dir, name), walker != 0 && perWalk(mode, tid, dir, name) ? walker : 0);
        // The answer reads the file afresh: what the kernel keeps of its other nodes may predate it.
        invalidations.changedThrough(added);
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
        return KernelTimeouts.executable(mode) || retries.retries(tid, new Binding(dir, name));
    }

    /**
     * Whether a lookup gets a node for its walk alone, which a later walk may get once nothing
     * uses it: an executable's, not a retry's (a retry meets a node that served another version).
     */
    private boolean perWalk(int mode, int tid, Node dir, String name) {
        return Node.isRegular(mode) && KernelTimeouts.executable(mode) && !retries.retries(tid, new Binding(dir, name));
    }
}
