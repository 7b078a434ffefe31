package dev.dxfs.fuse.kernel;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backing files of a connection's passthrough opens (FUSE_PASSTHROUGH): a handle that only
 * reads a node's version is answered with a backing id, and the kernel then reads, maps and
 * splices the version's file itself, without a request to the daemon.
 *
 * <p>The kernel takes one backing file per node at a time: while any open file of a node passes
 * through, every other open of the node must name the same backing id (or the open fails with
 * EIO), and the kernel may complete two opens in another order than they were answered. So every
 * open of a node's version names the node's registration, an appender's too (with direct_io,
 * which keeps its reads and writes with the daemon), and the ids are counted per node: the first
 * such open registers the version's file, the others name it, and the RELEASE of the last of
 * them ends it. The kernel drops its hold on the backing file before it sends that RELEASE, so a
 * later open may register a new one. An open that is not on the version (a staged writer's)
 * names the registration only if there is one: only a retry that must share a node (see
 * Opens) meets one, and direct_io keeps its reads and writes with the daemon.
 *
 * <p>Opens answered without a backing id are counted per node too, and while any of them is
 * still open no open of the node registers one: the kernel may complete such an open only after
 * a later one that passes through (the opener of the first still waits for a CPU), and would
 * then fail it with EIO. A node that a staged writer has open, and that a retried reader must
 * share, serves that reader through the daemon (direct_io), and an exec from the page cache.
 *
 * <p>Whether the daemon may register backing files at all (the kernel asks for CAP_SYS_ADMIN)
 * shows at the first try: a refusal turns passthrough off for the mount, once.
 */
final class BackingFiles {
    private static final Logger LOG = LoggerFactory.getLogger(BackingFiles.class);

    private final IntUnaryOperator registry;
    private final IntConsumer unregistry;
    /** INIT agreed on passthrough and no registration was refused for want of privilege. */
    private volatile boolean usable;
    /** Whether a registration has succeeded or been refused: until then one thread tries at a time. */
    private volatile boolean tried;
    private final ConcurrentHashMap<Long, Backing> byNode = new ConcurrentHashMap<>();
    /** The node of each answered open of a regular file, by handle. */
    private final ConcurrentHashMap<Long, Long> nodeOfHandle = new ConcurrentHashMap<>();

    /**
     * A node's answered opens not yet released: all name registration {@code id}, or, where it
     * is 0, none names one.
     */
    private static final class Backing {
        final int id;
        int opens;

        Backing(int id) {
            this.id = id;
        }
    }

    /**
     * @param registry registers a descriptor as a backing file: its id (above 0), or -errno
     * @param unregistry ends a registration
     */
    BackingFiles(IntUnaryOperator registry, IntConsumer unregistry) {
        this.registry = registry;
        this.unregistry = unregistry;
    }

    /** INIT agreed on passthrough. */
    void enable() {
        usable = true;
    }

    /**
     * The backing id that the open {@code handle} of {@code node}, a regular file, is answered
     * with, counted until its release; 0 when it is answered without one (also counted, see the
     * class). {@code versionFd} is the node's version the handle is open on, or -1 for a handle
     * that is not (it names the node's registration only when there is one).
     */
    int open(long node, long handle, int versionFd) {
        if (!usable) {
            return 0;
        }
        Backing backing = byNode.compute(node, (key, current) -> {
            Backing counted = current;
            if (counted == null) {
                Backing registered = versionFd < 0 ? null : register(versionFd);
                counted = registered != null ? registered : new Backing(0);
            }
            counted.opens++;
            return counted;
        });
        nodeOfHandle.put(handle, node);
        return backing.id;
    }

    /**
     * The open {@code handle} is released, or its answer never reached the kernel: the last of
     * its node's ends the node's registration.
     */
    void released(long handle) {
        Long node = nodeOfHandle.remove(handle);
        if (node == null) {
            return;
        }
        byNode.computeIfPresent(node, (key, backing) -> {
            if (--backing.opens > 0) {
                return backing;
            }
            if (backing.id > 0) {
                unregistry.accept(backing.id);
            }
            return null;
        });
    }

    private Backing register(int versionFd) {
        if (!tried) {
            synchronized (this) {
                if (!tried) {
                    Backing first = registerOrNull(versionFd);
                    tried = true;
                    return first;
                }
            }
        }
        return usable ? registerOrNull(versionFd) : null;
    }

    /**
     * A new registration of {@code versionFd}, or null: for want of privilege (EPERM) or where
     * the device has no such call (ENOTTY), passthrough is off from then on; any other refusal
     * (a file on a stacked filesystem: ELOOP) leaves this open to the daemon.
     */
    private Backing registerOrNull(int versionFd) {
        int id = registry.applyAsInt(versionFd);
        if (id > 0) {
            return new Backing(id);
        }
        if (id == -Sys.EPERM || id == -Sys.ENOTTY) {
            usable = false;
            LOG.info("reads go through the daemon: the kernel refused a backing file (errno {})", -id);
        } else {
            LOG.debug("an open goes through the daemon: the kernel refused its backing file (errno {})", -id);
        }
        return null;
    }
}
