package dev.dxfs.fs;

import static dev.dxfs.fs.Libc.C;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a node that is being executed out of its name, so that the next lookup of the name gets
 * a new node. The kernel refuses write access to an inode that is being executed before it asks
 * the filesystem (ETXTBSY), and libfuse's path-based API gives one node per name: the only way
 * for a writer to reach a fresh inode is for libfuse itself to rename the busy node away.
 *
 * <p>The daemon does that by renaming the path through its own mount to a hidden name under
 * {@code /.dxfs/}; {@link OverlayFs#rename} recognises the rename as internal and only updates
 * bookkeeping: the backing file stays where it is, and the handles on the node keep reading
 * through their descriptors. When the last handle of a hidden node is released, the hidden name
 * is unlinked through the mount the same way, so libfuse forgets the node.
 *
 * <p>The rename must run after the open that asked for it has been answered: libfuse holds the
 * node's lock until then. Lookups of a name whose detach is in flight wait for it (bounded), so
 * that a writer racing the detach does not land on the busy node.
 */
final class NodeDetacher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeDetacher.class);
    /** The hidden directory in the mount's namespace; it is the staging directory's name. */
    static final String HIDDEN = "/.dxfs";
    private static final long WAIT_MILLIS = 1000;

    private final String mountPoint;
    private final MountStats stats;
    private final ExecutorService worker;
    private final Set<Integer> ownThreads = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
    /** Hidden node path to a descriptor whose attributes stand for the node. */
    private final ConcurrentHashMap<String, Integer> hidden = new ConcurrentHashMap<>();
    private final AtomicLong names = new AtomicLong();

    NodeDetacher(String mountPoint, MountStats stats) {
        this.mountPoint = mountPoint;
        this.stats = stats;
        this.worker = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(() -> {
                ownThreads.add(C.gettid());
                task.run();
            }, "dxfs-detacher");
            thread.setDaemon(true);
            return thread;
        });
    }

    static boolean isHidden(String path) {
        return path.equals(HIDDEN) || path.startsWith(HIDDEN + "/");
    }

    /** Whether the caller is the daemon's own detacher, whose calls through the mount pass freely. */
    boolean isOwn(int callerTid) {
        return ownThreads.contains(callerTid);
    }

    /** Schedules the node now at {@code path} to be moved to a hidden name. */
    void detach(String path) {
        pending.computeIfAbsent(path, key -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            worker.execute(() -> {
                try {
                    String hiddenPath = HIDDEN + "/n" + names.incrementAndGet();
                    if (C.rename(mountPoint + path, mountPoint + hiddenPath) < 0) {
                        LOG.debug("detach of {} did not happen: errno {}", path, Libc.errno());
                    } else {
                        stats.detached();
                        LOG.debug("detached {} as {}", path, hiddenPath);
                    }
                } finally {
                    pending.remove(key);
                    done.complete(null);
                }
            });
            return done;
        });
    }

    /** A lookup of {@code path} by anyone but the daemon waits for a detach in flight. */
    void awaitDetach(String path, int callerTid) {
        CompletableFuture<Void> inFlight = pending.get(path);
        if (inFlight == null || isOwn(callerTid)) {
            return;
        }
        try {
            inFlight.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.debug("lookup of {} went on without waiting for its detach: {}", path, e.toString());
        }
    }

    /** Called from the internal rename: the node is now known by {@code hiddenPath}. */
    void hidden(String hiddenPath, int descriptor) {
        hidden.put(hiddenPath, C.dup(descriptor));
    }

    /** A descriptor standing for the hidden node, or -1 when the name is not one of ours. */
    int descriptorOf(String hiddenPath) {
        Integer fd = hidden.get(hiddenPath);
        return fd == null ? -1 : fd;
    }

    /** The last handle of a hidden node was released: schedules the removal of its name. */
    void released(String hiddenPath) {
        worker.execute(() -> {
            if (C.unlink(mountPoint + hiddenPath) < 0) {
                LOG.debug("could not remove hidden node {}: errno {}", hiddenPath, Libc.errno());
            }
        });
    }

    /** Called from the internal unlink: libfuse forgets the hidden name. */
    void forget(String hiddenPath) {
        Integer fd = hidden.remove(hiddenPath);
        if (fd != null) {
            C.close(fd);
        }
    }

    int hiddenCount() {
        return hidden.size();
    }

    @Override
    public void close() {
        worker.shutdownNow();
        hidden.values().forEach(C::close);
        hidden.clear();
    }
}
