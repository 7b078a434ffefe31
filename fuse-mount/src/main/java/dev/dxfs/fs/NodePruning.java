package dev.dxfs.fs;

import dev.dxfs.fuse.KernelCache;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the nodes the kernel holds within the daemon's descriptors. Every node holds one, of its
 * backing file, and the kernel keeps a node until memory is short, not until the daemon's
 * descriptors are: a walk over a tree of more files than the limit of open files would end in
 * EMFILE for every request after it. Past three quarters of the limit, the kernel is asked to let
 * go of nodes nothing uses, those unused longest first (FUSE_NOTIFY_PRUNE, Linux 6.18), down to
 * half; their FORGETs free the descriptors. The names the kernel drops with them are looked up
 * again at their next use, so the mark sits as high as the quarter left for open files allows:
 * at half, a second pass over 10,000 files (a daemon allowed 20,000 descriptors) found half its
 * names pruned.
 */
final class NodePruning {
    private static final Logger LOG = LoggerFactory.getLogger(NodePruning.class);

    private final NodeTable nodes;
    private final int high;
    private final int low;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile KernelCache kernel;

    NodePruning(NodeTable nodes) {
        this.nodes = nodes;
        long limit = openFileLimit();
        this.high = (int) Math.min(Integer.MAX_VALUE / 2, limit / 4 * 3);
        this.low = (int) Math.min(Integer.MAX_VALUE / 2, limit / 2);
    }

    void connect(KernelCache kernel) {
        this.kernel = kernel;
    }

    /** Called after requests that make nodes: starts a prune when the nodes pass the mark. */
    void check() {
        KernelCache connected = kernel;
        if (nodes.size() > high && connected != null && connected.prunes() && running.compareAndSet(false, true)) {
            Thread pruner = new Thread(() -> prune(connected), "dxfs-prune");
            pruner.setDaemon(true);
            pruner.start();
        }
    }

    private void prune(KernelCache connected) {
        try {
            int before = nodes.size();
            long[] ids = new long[Math.max(0, before - low)];
            int count = nodes.unused(ids, ids.length);
            connected.prune(ids, count);
            LOG.info("asked the kernel to let go of {} unused nodes of {}", count, before);
        } finally {
            running.set(false);
        }
    }

    private static long openFileLimit() {
        Pointer limits = Memory.allocateDirect(Libc.RUNTIME, 16);
        return Libc.C.getrlimit(Libc.RLIMIT_NOFILE, limits) == 0 ? limits.getLong(0) : 1024;
    }
}
