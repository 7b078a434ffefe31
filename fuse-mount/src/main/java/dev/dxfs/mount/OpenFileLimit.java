package dev.dxfs.mount;

import dev.dxfs.fs.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's limit of open descriptors, raised before it serves. Each node the kernel knows
 * holds a descriptor of its backing file (every operation is relative to it, so a name swapped
 * behind the daemon cannot redirect it), and the kernel keeps nodes as long as it keeps their
 * inodes, until memory is short: a walk over a build tree of some 20,000 files would otherwise
 * exhaust a usual hard limit, and every request after it, a write too, fail with EMFILE. Root
 * raises the hard limit to the kernel's ceiling ({@code fs.nr_open}), as mergerfs does; any
 * user's soft limit goes up to its hard limit.
 */
final class OpenFileLimit {
    private static final Logger LOG = LoggerFactory.getLogger(OpenFileLimit.class);
    private static final Path CEILING = Path.of("/proc/sys/fs/nr_open");
    /** Below this, a large tree can exhaust it: said in the log, where an EMFILE would be explained. */
    private static final long AMPLE = 1 << 16;

    private OpenFileLimit() {}

    static void raise() {
        Pointer limits = Memory.allocateDirect(Libc.RUNTIME, 16);
        if (Libc.C.getrlimit(Libc.RLIMIT_NOFILE, limits) != 0) {
            return;
        }
        long hard = limits.getLong(8);
        // Root without CAP_SYS_RESOURCE (a container's) may not raise its hard limit: then its soft one.
        if (!(Libc.C.geteuid() == 0 && ceiling() > hard && set(limits, ceiling())) && !set(limits, hard)) {
            LOG.warn("could not raise the limit of open files (errno {})", Libc.errno());
        }
        if (Libc.C.getrlimit(Libc.RLIMIT_NOFILE, limits) != 0) {
            return;
        }
        long now = limits.getLong(0);
        if (now < AMPLE) {
            LOG.warn("open files are limited to {}; the daemon holds one per file the kernel knows, so a tree of more"
                    + " files may fail with EMFILE (raise the hard limit: ulimit -Hn, or LimitNOFILE= in systemd)", now);
        } else {
            LOG.info("open files limited to {}", now);
        }
    }

    private static boolean set(Pointer limits, long limit) {
        limits.putLong(0, limit);
        limits.putLong(8, limit);
        return Libc.C.setrlimit(Libc.RLIMIT_NOFILE, limits) == 0;
    }

    private static long ceiling() {
        try {
            return Long.parseLong(Files.readString(CEILING).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
