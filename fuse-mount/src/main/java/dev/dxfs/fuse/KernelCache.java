package dev.dxfs.fuse;

/**
 * The kernel's cache of attributes: an answer may let the kernel keep them for a while, and
 * this is how the filesystem takes that back when they change behind the kernel's back.
 */
public interface KernelCache {
    /**
     * Makes the kernel forget the attributes of {@code node} (not its data). The kernel takes no
     * lock of the node's for this, so it may be called while answering any request.
     */
    void forgetAttributes(long node);
}
