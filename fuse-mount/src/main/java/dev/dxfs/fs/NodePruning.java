package dev.dxfs.fs;

import dev.dxfs.fuse.KernelCache;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>The prune runs on a thread of its own, so that a walk goes on while it does, and on a busy
 * machine that thread may wait for a CPU longer than the walk takes to fill the quarter (a walk
 * makes some 500 nodes in 20 ms; on 2 busy CPUs the thread was seen to start 63 ms late, and the
 * walk failed with EMFILE at 2,031 nodes of 2,048). So past seven eighths a lookup or a create
 * waits until the FORGETs have brought the nodes below that mark: an eighth of the limit stays
 * for open files and the daemon's own whatever the machine's load. A wait that ends with the
 * nodes still past it (the kernel uses them) is not repeated until they are back below three
 * quarters, so that a daemon full of nodes in use answers at its usual pace, as without pruning.
 */
final class NodePruning {
    private static final Logger LOG = LoggerFactory.getLogger(NodePruning.class);
    /** How long a request waits for a prune: far longer than a prune takes on a busy machine. */
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final NodeTable nodes;
    private final int high;
    private final int low;
    private final int full;
    private final AtomicBoolean running = new AtomicBoolean();
    /** A wait ended with the nodes still past {@link #full}: none waits again until they are below {@link #high}. */
    private volatile boolean stalled;
    private volatile KernelCache kernel;

    NodePruning(NodeTable nodes) {
        this.nodes = nodes;
        long limit = openFileLimit();
        this.high = (int) Math.min(Integer.MAX_VALUE / 2, limit / 4 * 3);
        this.low = (int) Math.min(Integer.MAX_VALUE / 2, limit / 2);
        this.full = (int) Math.min(Integer.MAX_VALUE / 2, limit / 8 * 7);
    }

    void connect(KernelCache kernel) {
        this.kernel = kernel;
    }

    /**
     * Called before a lookup or a create, the requests that make nodes by the thousand: starts a
     * prune when the nodes pass the mark, and past {@link #full} waits for the one under way.
     */
    void admit() {
        KernelCache connected = kernel;
        int size = nodes.size();
        if (size <= high || connected == null || !connected.prunes()) {
            stalled = false;
            return;
        }
        if (running.compareAndSet(false, true)) {
            Thread pruner = new Thread(() -> prune(connected), "dxfs-prune");
            pruner.setDaemon(true);
            pruner.start();
        }
        if (size >= full && !stalled && !nodes.awaitFewer(full, WAIT_NANOS)) {
            stalled = true;
            LOG.warn("{} nodes a second after a prune, past the mark of {}: the kernel uses them, and requests go on"
                    + " without waiting until they are fewer than {}", nodes.size(), full, high);
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
