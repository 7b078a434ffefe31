package dev.dxfs.fs;

import static dev.dxfs.fs.Libc.C;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
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
 * <p>The rename must run after the open (or close) that asked for it has been answered: libfuse
 * holds the node's lock until then. It runs on the detacher's own thread; lookups of a name
 * whose detach is in flight wait for it (bounded), so that a writer racing the detach does not
 * land on the busy node.
 */
final class NodeDetacher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeDetacher.class);
    /** The hidden directory in the mount's namespace; it is the staging directory's name. */
    static final String HIDDEN = "/.dxfs";
    private static final long WAIT_MILLIS = 25;


    private final String mountPoint;
    private final MountStats stats;
    private final ExecutorService worker;
    private final Set<Integer> ownThreads = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Hidden> hidden = new ConcurrentHashMap<>();
    /** Hidden names of detaches in progress: their renames reach {@link OverlayFs#rename}. */
    private final Set<String> expected = ConcurrentHashMap.newKeySet();
    private final AtomicLong names = new AtomicLong();
    private static final int REMEMBERED_ORIGINS = 4096;
    private static final long CLOSE_DELAY_SECONDS = 2;
    private static final long FORGET_DELAY_SECONDS = 2;
    private final Map<String, String> origins = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED_ORIGINS;
        }
    };

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

    /** Whether the caller is the detacher, whose calls through the mount pass freely. */
    boolean isOwn(int callerTid) {
        return ownThreads.contains(callerTid);
    }

    /**
     * Schedules the node now at {@code path} to be moved to a hidden name. Every request runs,
     * in order: a request made while another is in flight may be about a newer node. A request
     * that finds no open handle on the node changes nothing.
     */
    void detach(String path) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.put(path, done);
        worker.execute(() -> {
            try {
                move(path);
            } finally {
                pending.remove(path, done);
                done.complete(null);
            }
        });
    }

    private void move(String path) {
        String hiddenPath = HIDDEN + "/n" + names.incrementAndGet();
        expected.add(hiddenPath);
        try {
            if (C.rename(mountPoint + path, mountPoint + hiddenPath) == 0) {
                stats.detached();
                LOG.debug("detached {} as {}", path, hiddenPath);
            }
        } finally {
            expected.remove(hiddenPath);
        }
    }

    /** Whether a rename to {@code to} is one of the daemon's own detaches. */
    boolean isDetach(String to) {
        return expected.contains(to);
    }

    /**
     * A lookup of {@code path} by anyone but the daemon waits for a detach in flight, so that it
     * reaches the fresh node. The wait is short: a lookup that missed the dentry cache holds its
     * directory's lock, which the detach's rename needs too.
     */
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
    /** Takes ownership of {@code descriptor}. */
    void hidden(String hiddenPath, String origin, int descriptor, boolean published) {
        hidden.put(hiddenPath, new Hidden(origin, descriptor, published));
        synchronized (origins) {
            origins.put(hiddenPath, origin);
        }
    }

    /**
     * A detached node: the name it had, and a descriptor whose attributes stand for it; when
     * {@code published}, the descriptor is of a published version (an exec's or a reader's),
     * else of a writer's temp file, which nobody else may read.
     */
    record Hidden(String origin, int fd, boolean published) {}

    /** The detached node known by {@code hiddenPath}, or null when the name is not one of ours. */
    Hidden hiddenNode(String hiddenPath) {
        return hidden.get(hiddenPath);
    }

    /**
     * The last handle of a hidden node was released: its name is removed a little later, unless
     * it has handles again by then. A process that looked the node up just before it was moved
     * may still be about to open it; once libfuse forgets the name, that open would fail.
     */
    void released(String hiddenPath, BooleanSupplier unused) {
        CompletableFuture.delayedExecutor(FORGET_DELAY_SECONDS, TimeUnit.SECONDS, worker).execute(() -> {
            if (unused.getAsBoolean() && C.unlink(mountPoint + hiddenPath) < 0) {
                LOG.debug("could not remove hidden node {}: errno {}", hiddenPath, Libc.errno());
            }
        });
    }

    /** Called from the internal unlink: libfuse forgets the hidden name. */
    void forget(String hiddenPath) {
        Hidden node = hidden.remove(hiddenPath);
        if (node != null) {
            // A call that looked the node up just before may still be using the descriptor: a
            // number closed at once could be reused by another file under its feet.
            CompletableFuture.delayedExecutor(CLOSE_DELAY_SECONDS, TimeUnit.SECONDS).execute(() -> C.close(node.fd()));
        }
    }

    /**
     * The name a hidden node had, also after the node was forgotten: an open whose lookup raced
     * both the detach and the forgetting still reaches the right name. Remembered for the last
     * {@value #REMEMBERED_ORIGINS} detaches.
     */
    String originOf(String hiddenPath) {
        Hidden node = hidden.get(hiddenPath);
        if (node != null) {
            return node.origin();
        }
        synchronized (origins) {
            return origins.get(hiddenPath);
        }
    }

    int hiddenCount() {
        return hidden.size();
    }

    @Override
    public void close() {
        worker.shutdownNow();
        hidden.values().forEach(node -> C.close(node.fd()));
        hidden.clear();
    }
}
