package dev.dxfs.fuse;

import jnr.ffi.Pointer;

/**
 * The kernel's cache of names and attributes: an answer may let the kernel keep them for a
 * while, and this is how the filesystem takes that back when they change behind the kernel's
 * back.
 */
public final class KernelCache {
    private final Pointer channel;
    private final BoundedWait forgetting = new BoundedWait("dxfs-forget-name");

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
     * {@link #forgetName} for a thread answering a request whose caller holds the file's lock (a
     * setattr): a rename or unlink in the directory may hold the directory's lock while it waits
     * for the file's, so the kernel is asked on a side thread, and the caller waits at most
     * {@code millis} for it. The caller's answer then comes after the forget, except when such a
     * rename or unlink is under way.
     */
    public void forgetNameSoon(long parent, String name, long millis) {
        // One not done in time completes once the directory is free; the answer cannot wait for that.
        forgetting.call(() -> {
            forgetName(parent, name);
            return null;
        }, millis);
    }

    /**
     * Makes the kernel forget the attributes of {@code node} (not its data). The kernel takes no
     * lock of the node's for this, so it may be called while answering any request.
     */
    public void forgetAttributes(long node) {
        FuseLib.F.fuse_lowlevel_notify_inval_inode(channel, node, -1, 0);
    }
}
