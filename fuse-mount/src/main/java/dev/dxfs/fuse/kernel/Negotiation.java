package dev.dxfs.fuse.kernel;

import static dev.dxfs.fuse.kernel.Protocol.ASYNC_READ;
import static dev.dxfs.fuse.kernel.Protocol.ATOMIC_O_TRUNC;
import static dev.dxfs.fuse.kernel.Protocol.BIG_WRITES;
import static dev.dxfs.fuse.kernel.Protocol.DIRECT_IO_ALLOW_MMAP;
import static dev.dxfs.fuse.kernel.Protocol.DONT_MASK;
import static dev.dxfs.fuse.kernel.Protocol.HANDLE_KILLPRIV;
import static dev.dxfs.fuse.kernel.Protocol.INIT_EXT;
import static dev.dxfs.fuse.kernel.Protocol.MAX_PAGES;
import static dev.dxfs.fuse.kernel.Protocol.PASSTHROUGH;
import static dev.dxfs.fuse.kernel.Protocol.POSIX_ACL;

import java.nio.ByteBuffer;

/**
 * The answer to the kernel's INIT: the protocol minor both sides speak and the features the
 * mount uses. The kernel offers its newest minor and every feature it has; the answer takes the
 * older of the two minors and, of the features offered, those the mount wants.
 *
 * <p>The features are libfuse 2's as dxfs sets them up, so that a mount behaves the same over
 * either transport: reads may be sent in parallel (ASYNC_READ), O_TRUNC comes with OPEN instead
 * of as a truncate of the published file (ATOMIC_O_TRUNC), writes up to the largest request
 * (BIG_WRITES), and create modes arrive unmasked with the caller's umask (DONT_MASK). Up to 4096
 * background requests (RELEASE among them) are in flight at once: beyond that limit the kernel
 * holds them in a queue of its own, unnumbered, and a RELEASE held there would reach the daemon
 * after what its closer did next.
 *
 * <p>Four features go beyond libfuse 2's, besides HANDLE_KILLPRIV (below). POSIX_ACL (7.26),
 * with which the kernel's own permission check (default_permissions) honours POSIX ACLs,
 * read from the {@code system.posix_acl_access} attribute and kept with the node's
 * attributes, as natively. Without it an ACL that grants a user access is ignored in the
 * mount (EACCES where a plain directory lets the user in), and one that denies a user is
 * ignored too. MAX_PAGES (7.28),
 * with which a read or write request carries up to {@code max_pages} pages instead of the
 * kernel's default 32 (128 KiB): requests of {@code maxWrite} bytes. And DIRECT_IO_ALLOW_MMAP
 * (7.39, in flags2), with which the kernel accepts shared mappings of the direct_io handles
 * every regular file is opened with, instead of refusing them with ENODEV. A kernel that offers
 * less leaves the feature off: its requests stay at 128 KiB, its shared mappings refused.
 *
 * <p>The fourth, also in {@code flags2}: PASSTHROUGH (7.40), with which an open's reads and
 * mappings may go straight to a backing file ({@link BackingFiles}). Whether the daemon may
 * register backing files (CAP_SYS_ADMIN) shows only at the first try, after INIT.
 *
 * <p>HANDLE_KILLPRIV (7.26): without it the kernel precedes every chown (and a truncate of a
 * set-id file by a caller without CAP_FSETID) with a GETATTR, whatever attributes it keeps, to
 * work out which set-id bits to clear, then sends the change with the cleared mode: one request
 * more per {@code fchown}, which tar makes for every file it extracts as root. With it the
 * change comes alone and the daemon clears: a chown or write made on the backing file clears
 * them there, as the caller's natively does, and a staged writer's chown clears them from what
 * it will publish ({@code Attributes.setattr}); a staged write or truncate publishes without
 * them, as the commit protocol says. (HANDLE_KILLPRIV_V2 would ask the daemon to clear them at each write
 * too, and spares nothing more: see the design's cost per request.)
 *
 * @param minor the protocol minor agreed on
 * @param flags the features used
 * @param flags2 the features used from bit 32 on (shifted down by 32)
 */
record Negotiation(int offered, int minor, int flags, int flags2) {
    static final int WANTED = ASYNC_READ | ATOMIC_O_TRUNC | BIG_WRITES | DONT_MASK | HANDLE_KILLPRIV | POSIX_ACL
            | MAX_PAGES;
    static final int WANTED2 = DIRECT_IO_ALLOW_MMAP | PASSTHROUGH;
    private static final int MAX_BACKGROUND = 4096;
    /** The minor that brought PASSTHROUGH, backing ids and max_stack_depth. */
    private static final int PASSTHROUGH_MINOR = 40;
    /**
     * How deep the mount stacks on the filesystems of its backing files: they stack on nothing
     * (ext4, xfs, btrfs, tmpfs), and at 1 the mount can itself lie under an overlayfs.
     */
    private static final int MAX_STACK_DEPTH = 1;

    /**
     * Agrees on the kernel's offer in {@code in} (a struct fuse_init_in at {@code at}) and writes
     * the struct fuse_init_out to {@code out}; returns null, writing only the major, when the
     * kernel speaks a newer major (it then offers again with ours).
     *
     * @throws IllegalStateException when the kernel's protocol is too old
     */
    static Negotiation answer(ByteBuffer in, int at, ByteBuffer out, int maxWrite) {
        int major = in.getInt(at + Protocol.INIT_MAJOR);
        int kernelMinor = in.getInt(at + Protocol.INIT_MINOR);
        out.putInt(0, Protocol.MAJOR);
        out.putInt(4, Protocol.NEWEST_MINOR);
        if (major > Protocol.MAJOR) {
            return null;
        }
        if (major < Protocol.MAJOR || kernelMinor < Protocol.OLDEST_MINOR) {
            throw new IllegalStateException("the kernel speaks FUSE " + major + "." + kernelMinor + ", older than "
                    + Protocol.MAJOR + "." + Protocol.OLDEST_MINOR);
        }
        int minor = Math.min(kernelMinor, Protocol.NEWEST_MINOR);
        int offered = in.getInt(at + Protocol.INIT_FLAGS);
        int flags = offered & WANTED;
        // flags2 is there, and meant, only when the kernel says so (7.36, Linux 5.17).
        int flags2 = (offered & INIT_EXT) != 0 ? in.getInt(at + Protocol.INIT_FLAGS2) & WANTED2 : 0;
        if (minor < PASSTHROUGH_MINOR) {
            flags2 &= ~PASSTHROUGH;
        }
        if (flags2 != 0) {
            flags |= INIT_EXT;
        }
        out.putInt(4, minor);
        out.putInt(Protocol.INIT_OUT_MAX_READAHEAD, in.getInt(at + Protocol.INIT_MAX_READAHEAD));
        out.putShort(Protocol.INIT_OUT_MAX_BACKGROUND, (short) MAX_BACKGROUND);
        out.putShort(Protocol.INIT_OUT_CONGESTION_THRESHOLD, (short) (MAX_BACKGROUND * 3 / 4));
        out.putInt(Protocol.INIT_OUT_FLAGS, flags);
        out.putInt(Protocol.INIT_OUT_MAX_WRITE, maxWrite);
        out.putShort(Protocol.INIT_OUT_MAX_PAGES, (short) (maxWrite / AlignedBuffer.PAGE));
        out.putInt(Protocol.INIT_OUT_FLAGS2, flags2);
        if ((flags2 & PASSTHROUGH) != 0) {
            out.putInt(Protocol.INIT_OUT_MAX_STACK_DEPTH, MAX_STACK_DEPTH);
        }
        return new Negotiation(kernelMinor, minor, flags, flags2);
    }

    /** Whether opens may pass through to backing files. */
    boolean passthrough() {
        return (flags2 & PASSTHROUGH) != 0;
    }

    /** The size of the struct fuse_init_out the agreed minor has. */
    int answerSize() {
        return minor < 23 ? Protocol.INIT_OUT_SIZE_BEFORE_23 : Protocol.INIT_OUT_SIZE;
    }
}
