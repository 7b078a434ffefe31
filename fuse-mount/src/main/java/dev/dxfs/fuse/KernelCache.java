package dev.dxfs.fuse;

import jnr.ffi.Pointer;

/**
 * The kernel's cache of names and attributes: an answer may let the kernel keep them for a
 * while, and this is how the filesystem takes that back when they change behind the kernel's
 * back.
 */
public final class KernelCache {
    private final Pointer channel;

    KernelCache(Pointer channel) {
        this.channel = channel;
    }

    /**
     * Makes the kernel forget {@code name} in directory node {@code parent}, and the directory's
     * attributes: the next use of the name asks the filesystem again. Returns once the kernel has
     * done it.
     *
     * <p>The kernel locks the directory for this, so the calling thread must hold nothing that a
     * request on that directory may wait for, and must not be answering a request that holds the
     * directory's lock (a rename, create, unlink in it): that would deadlock.
     */
    public void forgetName(long parent, String name) {
        // A name the kernel does not hold answers ENOENT: there is nothing to forget.
        FuseLib.F.fuse_lowlevel_notify_inval_entry(channel, parent, name, name.length());
    }

    /**
     * Makes the kernel forget the attributes of {@code node} (not its data). The kernel takes no
     * lock of the node's for this, so it may be called while answering any request.
     */
    public void forgetAttributes(long node) {
        FuseLib.F.fuse_lowlevel_notify_inval_inode(channel, node, -1, 0);
    }
}
