package dev.dxfs.fuse;

/**
 * What the kernel keeps of the daemon's answers (attributes, names): an answer may let the
 * kernel keep them for a while, and this is how the filesystem takes that back when they change
 * behind the kernel's back.
 */
public interface KernelCache {
    /**
     * Makes the kernel forget the attributes of {@code node} (not its data). The kernel takes no
     * lock of the node's for this, so it may be called while answering any request.
     */
    void forgetAttributes(long node);

    /**
     * Whether {@link #forgetNames} works on this connection: only then may a name be kept whose
     * file the daemon replaces behind the kernel's back.
     */
    default boolean forgetsNames() {
        return false;
    }

    /**
     * Makes the kernel look up again every name it keeps, at the name's next use. The kernel
     * takes no lock for this, so it may be called while answering any request.
     */
    default void forgetNames() {
        throw new UnsupportedOperationException("this connection keeps no names that change behind its back");
    }

    /** Whether {@link #prune} works on this connection. */
    default boolean prunes() {
        return false;
    }

    /**
     * Asks the kernel to let go of the first {@code count} of {@code nodes} where nothing uses
     * them (no open file, no name in use): it drops their names and inodes, and sends their
     * FORGETs. Those in use are left as they are.
     */
    default void prune(long[] nodes, int count) {
        throw new UnsupportedOperationException("this connection cannot be asked to forget nodes");
    }
}
