package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.Request;
import jnr.ffi.Pointer;

/**
 * The extended attribute requests of a node (get, list, set, remove), made on the node's inode
 * once the releases of writes to it are done, so that a writer that has closed the file reaches
 * the version it wrote ({@link PendingReleases}).
 */
final class NodeXattrs {
    private final NodeTable nodes;
    private final PendingReleases pendingReleases;
    private final Invalidations invalidations;

    NodeXattrs(NodeTable nodes, PendingReleases pendingReleases, Invalidations invalidations) {
        this.nodes = nodes;
        this.pendingReleases = pendingReleases;
        this.invalidations = invalidations;
    }

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

    /** A caller that asked with size 0 learns the size; otherwise it gets the bytes. */
    private static void answerSized(Request req, Pointer buf, long size, long length) {
        if (size == 0) {
            req.xattrSize(length);
        } else {
            req.buffer(buf, length);
        }
    }

    void getxattr(Request req, long ino, String name, long size) throws FsException {
        XattrTarget target = xattrTarget(awaitedNode(ino));
        Pointer value = size == 0 ? null : Request.allocate(size);
        long length = check(target.follow() ? C.getxattr(target.path(), name, value, size)
                : C.lgetxattr(target.path(), name, value, size), "getxattr");
        answerSized(req, value, size, length);
    }

    void listxattr(Request req, long ino, long size) throws FsException {
        XattrTarget target = xattrTarget(awaitedNode(ino));
        Pointer list = size == 0 ? null : Request.allocate(size);
        long length = check(target.follow() ? C.listxattr(target.path(), list, size)
                : C.llistxattr(target.path(), list, size), "listxattr");
        answerSized(req, list, size, length);
    }

    /** A change of the attributes changes the file (its change time, its mode for an ACL), seen by the kernel through this node alone. */
    void setxattr(Request req, long ino, String name, Pointer value, long size, int flags) throws FsException {
        Node node = awaitedNode(ino);
        XattrTarget target = xattrTarget(node);
        check(target.follow() ? C.setxattr(target.path(), name, value, size, flags)
                : C.lsetxattr(target.path(), name, value, size, flags), "setxattr");
        invalidations.changedThrough(node);
        req.ok();
    }

    void removexattr(Request req, long ino, String name) throws FsException {
        Node node = awaitedNode(ino);
        XattrTarget target = xattrTarget(node);
        check(target.follow() ? C.removexattr(target.path(), name) : C.lremovexattr(target.path(), name),
                "removexattr");
        invalidations.changedThrough(node);
        req.ok();
    }
}
