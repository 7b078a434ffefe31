package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.FileInfo;
import dev.dxfs.fuse.Names;
import dev.dxfs.fuse.Request;
import dev.dxfs.fuse.SetAttr;
import dev.dxfs.policy.Commit;
import dev.dxfs.policy.StagingPolicy;
import dev.dxfs.policy.WriteKind;
import java.lang.ref.Reference;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * getattr and setattr: what a caller sees of a node and what it changes. A writer sees and
 * changes its own unpublished file (a chmod or futimens of it changes what it will publish);
 * everyone else the node's version. A truncate is a write, staged as the policy says.
 */
final class Attributes {
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    private final NodeTable nodes;
    private final PendingReleases pendingReleases;
    private final HandleTable handles;
    private final StagingPolicy policy;
    private final CallersWrites callersWrites;
    private final Staging staging;
    private final Invalidations invalidations;

    Attributes(NodeTable nodes, PendingReleases pendingReleases, HandleTable handles, StagingPolicy policy,
            CallersWrites callersWrites, Staging staging, Invalidations invalidations) {
        this.nodes = nodes;
        this.pendingReleases = pendingReleases;
        this.handles = handles;
        this.policy = policy;
        this.callersWrites = callersWrites;
        this.staging = staging;
        this.invalidations = invalidations;
    }

    void getattr(Request req, long ino, FileInfo fi) throws FsException {
        Node node = nodes.get(ino);
        Pointer stat = Request.newStat();
        boolean own = asked(req, node, fi, stat);
        req.attr(stat, keptFor(node, own, stat));
    }

    /**
     * getattr's answer, kept as long, with the birth time of the node's inode. A writer's too,
     * whose view shows that inode's number: natively a rewrite through O_TRUNC keeps the file's
     * inode, and so its birth time, while it is written. Its publish puts a new inode at the
     * name, its temp file, whose birth time the name's next node shows. So a node's birth time
     * never changes, as the kernel assumes: it keeps the one a STATX answered when a later
     * GETATTR refreshes the other attributes, and when it is made to forget them.
     */
    void statx(Request req, long ino, FileInfo fi) throws FsException {
        Node node = nodes.get(ino);
        Pointer stat = Request.newStat();
        boolean own = asked(req, node, fi, stat);
        Pointer birth = Request.allocate(Libc.STATX_SIZE);
        check(C.statx(node.fd, "", Libc.AT_EMPTY_PATH, Libc.STATX_BTIME, birth), "statx");
        req.statx(stat, birth, keptFor(node, own, stat));
    }

    /**
     * The attributes a getattr or statx answers: through {@code fi}, the handle's; else, once
     * the releases before it are done, the node's ({@link #attributes(Request, Node, OpenFile, Pointer)}).
     */
    private boolean asked(Request req, Node node, FileInfo fi, Pointer stat) throws FsException {
        if (fi == null) {
            pendingReleases.awaitNode(node);
        }
        return attributes(req, node, fi == null ? null : handles.get(fi.handle()), stat);
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

    /** How long the kernel may keep attributes {@code stat} of {@code node} ({@code own}: a caller's own view). */
    private double keptFor(Node node, boolean own, Pointer stat) {
        return invalidations.attributes(node, KernelTimeouts.attributes(node, stat.getInt(StatFields.MODE),
                stat.getLong(StatFields.NLINK), own, invalidations.fileTimeout(node)));
    }

    void setattr(Request req, long ino, Pointer attr, int toSet, FileInfo fi) throws FsException {
        Node node = nodes.get(ino);
        OpenFile handle = fi == null ? null : handles.get(fi.handle());
        if (handle == null) {
            pendingReleases.awaitNode(node);
        }
        // A writer changing its own file (fchmod, futimens, ... arrive without the handle)
        // changes what it will publish; anyone else changes the node's version, and with it what
        // the kernel keeps of the file's other nodes.
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
        if (mine.isEmpty() || handle instanceof PlainFile) {
            invalidations.changedThrough(node);
        }
        Pointer stat = Request.newStat();
        boolean own = attributes(req, node, handle, stat);
        if ((toSet & (SetAttr.UID | SetAttr.GID)) != 0 && !mine.isEmpty()) {
            clearSetIdBits(mine, stat);
        }
        if (replaced) {
            // Rare enough (a truncate(2) by name) to forget the directory too, whatever the publish found.
            invalidations.publishedInto(node, nodes.binding(node), true, false);
        }
        req.attr(stat, keptFor(node, own, stat));
    }

    /**
     * A writer's own chown clears the setuid bit, and the setgid bit of a program, from the mode
     * it sees ({@code stat}) and will publish, even root's chown, as natively. The kernel leaves
     * that to the daemon (HANDLE_KILLPRIV; on libfuse 2 it sends the cleared mode with the chown,
     * which leaves nothing to clear here). A chown of the backing file clears them itself; the
     * writer's is applied only by its publish, whose chmod comes after its chown.
     */
    private static void clearSetIdBits(List<StagedWrite> mine, Pointer stat) {
        int mode = stat.getInt(StatFields.MODE);
        int cleared = Commit.clearedByAChown(mode);
        if (cleared == 0) {
            return;
        }
        for (StagedWrite staged : mine) {
            staged.setMode(mode & ~cleared);
        }
        stat.putInt(StatFields.MODE, mode & ~cleared);
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

    /**
     * A truncate is a write: staged like one, unless the caller's own write or the policy says
     * otherwise. Returns whether the truncate published a new version of the name (a staged truncate).
     */
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
}
