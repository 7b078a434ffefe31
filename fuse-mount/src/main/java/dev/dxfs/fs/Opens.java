package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.Credentials;
import dev.dxfs.fuse.FileInfo;
import dev.dxfs.fuse.Names;
import dev.dxfs.fuse.Request;
import dev.dxfs.policy.OpenFlags;
import dev.dxfs.policy.StagingPolicy;
import dev.dxfs.policy.WriteKind;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.FileStat;

/**
 * Opening a node: which handle an open gets (a staged write, the writer's own file, or the
 * node's version) by the policy's word, the caller's right to open it so, and the rule of one
 * version per node. The kernel keeps one page cache, one size and one write ban per node, so a
 * node never serves readers (or an exec) and staged writers together: an open that would mix
 * them is answered ESTALE, and the kernel's lookup of the name again gets a node of its own.
 */
final class Opens {
    private static final Logger LOG = LoggerFactory.getLogger(Opens.class);

    private final NodeTable nodes;
    private final PendingReleases pendingReleases;
    private final StagingPolicy policy;
    private final CallersWrites callersWrites;
    private final Retries retries;
    private final Staging staging;
    private final FileHandles fileHandles;
    private final MountStats stats;
    private final Platform platform;

    Opens(NodeTable nodes, PendingReleases pendingReleases, StagingPolicy policy, CallersWrites callersWrites,
            Retries retries, Staging staging, FileHandles fileHandles, MountStats stats, Platform platform) {
        this.nodes = nodes;
        this.pendingReleases = pendingReleases;
        this.policy = policy;
        this.callersWrites = callersWrites;
        this.retries = retries;
        this.staging = staging;
        this.fileHandles = fileHandles;
        this.stats = stats;
        this.platform = platform;
    }

    void open(Request req, long ino, FileInfo fi) throws FsException {
        Node node = nodes.get(ino);
        pendingReleases.awaitNode(node);
        int tid = req.tid();
        boolean retry = retries.take(tid);
        OpenFile file = admit(node, fi.flags(), tid, req.uid(), retry, null);
        fileHandles.register(fi, file);
        req.open(fi);
    }

    /**
     * Opens {@code node} for a caller, keeping the node to one version: a staged writer does not
     * join readers or an exec, nor they a staged writer. Such an open is answered ESTALE and
     * its retry gets a node of its own; a retry that still meets others (a node reached through
     * /proc) goes ahead rather than fail.
     *
     * <p>The open is the caller's, with its identity, so the kernel decides whether the caller may
     * open the file so; a staged write, which does not open the file for writing, opens it so once
     * to ask, unless the caller has just created it: {@code created} then holds the attributes the
     * create read of the file (null for any other open).
     */
    OpenFile admit(Node node, int flags, int tid, int uid, boolean retry, FileStat created)
            throws FsException {
        synchronized (node) {
            OpenFile file = chosen(node, flags, tid, uid, retry, created);
            // On the node before its monitor is let go, so that the next open of the node meets it.
            node.add(file);
            node.openedBy(tid);
            return file;
        }
    }

    /** The handle an open of {@code node} gets, under the node's monitor (see {@link #admit}). */
    private OpenFile chosen(Node node, int flags, int tid, int uid, boolean retry, FileStat created)
            throws FsException {
        String path = node.isRegular() ? nodes.path(node) : null;
        WriteKind kind = path == null
                ? (OpenFlags.writes(flags) ? WriteKind.UNSTAGED : WriteKind.READ)
                : policy.classify(Names.text(path), flags, true);
        boolean executes = OpenFlags.executes(flags);
        if (kind.staged()) {
            if (created == null) {
                mayOpen(node, flags);
            }
            if (node.hasPlainHandles() && !mustShare(node, tid, retry)) {
                throw sendBack(node, tid);
            }
            return staging.staged(node, kind, tid, uid, created != null ? created : BackingDir.fstat(node.fd));
        }
        List<StagedWrite> mine = executes ? List.of() : callersWrites.stagedOn(node, tid);
        if (!mine.isEmpty()) {
            // The writer opens the file it is writing by name: it reads its own data (a temp
            // file of the daemon's; the kernel checked the open against what the writer sees).
            int own = mine.get(mine.size() - 1).duplicate();
            try (Credentials.Scope daemon = Credentials.asDaemon()) {
                return new PlainFile(node, reopen(platform.pathOf(own), flags), false, false, OpenFlags.writes(flags));
            } finally {
                C.close(own);
            }
        }
        if (node.hasStagedWriters() && !mustShare(node, tid, retry)) {
            throw sendBack(node, tid);
        }
        int fd = reopen(node.inodePath(), flags);
        return new PlainFile(node, fd, executes, node.isRegular(), OpenFlags.writes(flags));
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
            retries.sentBack(tid, binding);
        }
        stats.retried();
        return new FsException(Errno.ESTALE, "the node serves another version");
    }

    /**
     * Asks the kernel, by opening {@code node} as the caller asked to, whether the caller may.
     * The daemon acting as itself may (the kernel's default_permissions checked it already).
     */
    static void mayOpen(Node node, int flags) throws FsException {
        if (Credentials.actingForCaller()) {
            C.close(reopen(node.inodePath(), flags & OpenFlags.O_ACCMODE));
        }
    }

    private static int reopen(String path, int flags) throws FsException {
        return (int) check(C.open(path, passthroughFlags(flags) & ~Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0),
                "open");
    }

    static int passthroughFlags(int flags) {
        return flags & ~(Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOCTTY | OpenFlags.FMODE_EXEC);
    }
}
