package dev.dxfs.fuse;

import jnr.ffi.Pointer;

/**
 * The kernel's cache of attributes: an answer may let the kernel keep them for a while, and
 * this is how the filesystem takes that back when they change behind the kernel's back.
 */
public final class KernelCache {
    private final Pointer channel;

    KernelCache(Pointer channel) {
        this.channel = channel;
    }

    /**
     * Makes the kernel forget the attributes of {@code node} (not its data). The kernel takes no
     * lock of the node's for this, so it may be called while answering any request.
     */
    public void forgetAttributes(long node) {
        FuseLib.F.fuse_lowlevel_notify_inval_inode(channel, node, -1, 0);
    }
}
