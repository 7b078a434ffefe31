package dev.dxfs.mount;

import dev.dxfs.fuse.Filesystem;
import dev.dxfs.fuse.FuseSession;
import dev.dxfs.fuse.MountSettings;
import dev.dxfs.fuse.kernel.KernelSession;
import java.io.IOException;

/** How the daemon talks to the kernel's FUSE: through libfuse 2, or over /dev/fuse on its own. */
enum Transport {
    /** libfuse 2's low-level API, through jnr-ffi: protocol 7.19, requests of up to 128 KiB (its limit). */
    LIBFUSE(128 * 1024) {
        @Override
        void serve(MountSettings settings, Filesystem fs) throws IOException {
            FuseSession.serve(settings, fs);
        }
    },
    /**
     * The daemon's own reader of /dev/fuse: no libfuse, the protocol's newer minors, requests of
     * up to 1 MiB (FUSE_MAX_PAGES: 256 pages, the kernel's default limit).
     */
    KERNEL(1024 * 1024) {
        @Override
        void serve(MountSettings settings, Filesystem fs) throws IOException {
            KernelSession.serve(settings, fs);
        }
    };

    /**
     * The own transport: it negotiates what libfuse 2's protocol cannot (POSIX ACLs, rename
     * flags, the newer minors), and a mount then needs no libfuse at all.
     */
    static final String DEFAULT = "kernel";

    /** The largest read or write request, in bytes. */
    final int maxIo;

    Transport(int maxIo) {
        this.maxIo = maxIo;
    }

    /** Mounts {@code fs} and serves it until it is unmounted. */
    abstract void serve(MountSettings settings, Filesystem fs) throws IOException;

    /** The transport named {@code name} (kernel or libfuse). */
    static Transport named(String name) throws CliException {
        return switch (name) {
            case "libfuse" -> LIBFUSE;
            case "kernel" -> KERNEL;
            default -> throw new CliException("unknown transport '" + name + "': kernel or libfuse");
        };
    }
}
