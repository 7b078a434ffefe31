package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.Request;
import java.util.ArrayList;
import java.util.List;

/**
 * The requests that change a directory's names: make (mknod, mkdir, symlink), remove (unlink,
 * rmdir), rename and link. Each is made as the caller, then the node table is told, so that
 * staged writes to a name that is gone stop short of publishing, and a writer may rename, link
 * or remove the file it is still creating.
 */
final class NameChanges {
    private final NodeTable nodes;
    private final PendingReleases pendingReleases;
    private final BackingDir backing;
    private final Lookups lookups;
    private final CallersWrites callersWrites;
    private final KeptNames keptNames;
    private final Invalidations invalidations;

    NameChanges(NodeTable nodes, PendingReleases pendingReleases, BackingDir backing, Lookups lookups,
            CallersWrites callersWrites, KeptNames keptNames, Invalidations invalidations) {
        this.nodes = nodes;
        this.pendingReleases = pendingReleases;
        this.backing = backing;
        this.lookups = lookups;
        this.callersWrites = callersWrites;
        this.keptNames = keptNames;
        this.invalidations = invalidations;
    }

    void mknod(Request req, long parent, String name, int mode, long rdev) throws FsException {
        make(req, parent, name, dir -> {
            try (CallerUmask umask = CallerUmask.of(req.umask())) {
                check(C.mknodat(dir.fd, name, umask.mode(mode), rdev), "mknod");
            }
        });
    }

    void mkdir(Request req, long parent, String name, int mode) throws FsException {
        make(req, parent, name, dir -> {
            try (CallerUmask umask = CallerUmask.of(req.umask())) {
                check(C.mkdirat(dir.fd, name, umask.mode(mode)), "mkdir");
            }
        });
    }

    void symlink(Request req, String target, long parent, String name) throws FsException {
        make(req, parent, name, dir -> check(C.symlinkat(target, dir.fd, name), "symlink"));
    }

    /** The backing call that makes a name in directory {@code dir}. */
    private interface Making {
        void in(Node dir) throws FsException;
    }

    /**
     * Makes {@code name} and answers with its entry. The caller's identity made it the caller's,
     * with the group the kernel gave it (the caller's, or a setgid directory's).
     */
    private void make(Request req, long parent, String name, Making making) throws FsException {
        Node dir = lookups.directoryOf(parent, name, Errno.EACCES);
        making.in(dir);
        answerMade(req, dir, name);
    }

    /**
     * Answers with the entry of {@code name}, just made. An answer the kernel did not take leaves
     * what it kept of the name, its absence perhaps, which the name made contradicts.
     */
    private void answerMade(Request req, Node dir, String name) throws FsException {
        if (!lookups.answerEntry(req, dir, name)) {
            invalidations.nameChanged(new Binding(dir, name));
        }
    }

    void unlink(Request req, long parent, String name) throws FsException {
        Node dir = lookups.directoryOf(parent, name, Errno.ENOENT);
        if (C.unlinkat(dir.fd, name, 0) < 0) {
            int errno = Libc.errno();
            if (errno != Errno.ENOENT || callersWrites.staged(nodes.boundTo(dir, name), req.tid()) == null) {
                throw new FsException(errno, "unlink");
            }
            // The caller removes a file it is still creating: it never gets published.
        }
        unlinked(nodes.removeName(dir, name));
        req.ok();
    }

    void rmdir(Request req, long parent, String name) throws FsException {
        Node dir = lookups.directoryOf(parent, name, Errno.ENOENT);
        pendingReleases.awaitEntries(dir, name);
        check(C.unlinkat(dir.fd, name, Libc.AT_REMOVEDIR), "rmdir");
        nodes.removeName(dir, name);
        req.ok();
    }

    void rename(Request req, long parent, String name, long newParent, String newName, int flags)
            throws FsException {
        Node dir = nodes.get(parent);
        Node newDir = nodes.get(newParent);
        pendingReleases.awaitName(dir, name);
        pendingReleases.awaitName(newDir, newName);
        pendingReleases.awaitEntries(newDir, newName);
        backing.refuseStaging(dir, name, Errno.ENOENT);
        backing.refuseStaging(newDir, newName, Errno.EACCES);
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
            movedNodesChanged(dir, name);
        } else {
            unlinked(nodes.rename(dir, name, newDir, newName));
        }
        // A rename changes the moved file (its change time): the kernel sees that through the
        // node of the name it renamed, not through the file's others.
        movedNodesChanged(newDir, newName);
        req.ok();
    }

    void link(Request req, long ino, long newParent, String newName) throws FsException {
        Node node = nodes.get(ino);
        Node newDir = nodes.get(newParent);
        pendingReleases.awaitNode(node);
        pendingReleases.awaitName(newDir, newName);
        backing.refuseStaging(newDir, newName, Errno.EACCES);
        Binding binding = nodes.binding(node);
        if (binding == null) {
            // A file without a name (O_TMPFILE; the kernel refuses an O_EXCL one, and an unlinked
            // file, before it asks): linked by its descriptor's /proc path, which, unlike
            // AT_EMPTY_PATH, needs no CAP_DAC_READ_SEARCH in a daemon that is not root.
            check(C.linkat(Libc.AT_FDCWD, node.inodePath(), newDir.fd, newName, Libc.AT_SYMLINK_FOLLOW), "link");
        } else if (C.linkat(binding.parent().fd, binding.name(), newDir.fd, newName, 0) < 0) {
            publishCallersNewFile(Libc.errno(), List.of(node), req.tid());
            check(C.linkat(binding.parent().fd, binding.name(), newDir.fd, newName, 0), "link");
        }
        // The new name gets a node of its own, so the kernel cannot tell that the linked
        // node's link count changed, nor that of the file's other nodes.
        invalidations.fileChanged(node);
        answerMade(req, newDir, newName);
    }

    /**
     * The nodes of a name that was removed or replaced: their file has a link less, which the
     * kernel sees through the node of the name it removed alone, not through the file's other
     * names. Staged writes to them were writing a file that no longer has a name: they will not
     * publish.
     */
    private void unlinked(List<Node> unnamed) {
        for (Node node : unnamed) {
            invalidations.fileChanged(node);
        }
        orphan(unnamed);
    }

    private void movedNodesChanged(Node dir, String name) {
        for (Node node : nodes.boundTo(dir, name)) {
            invalidations.changedThrough(node);
        }
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
            mine.addAll(callersWrites.stagedOn(node, tid));
        }
        if (mine.isEmpty()) {
            throw new FsException(errno, "rename");
        }
        for (StagedWrite staged : mine) {
            staged.publishNow();
        }
    }
}
