package dev.dxfs.fuse.kernel;

import java.util.concurrent.ConcurrentHashMap;
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
 * OverlayFs) meets one, and direct_io keeps its reads and writes with the daemon.
 *
 * <p>Whether the daemon may register backing files at all (the kernel asks for CAP_SYS_ADMIN)
 * shows at the first try: a refusal turns passthrough off for the mount, once.
 */
final class BackingFiles {
    private static final Logger LOG = LoggerFactory.getLogger(BackingFiles.class);

    private final Device device;
    /** INIT agreed on passthrough and no registration was refused for want of privilege. */
    private volatile boolean usable;
    /** Whether a registration has succeeded or been refused: until then one thread tries at a time. */
    private volatile boolean tried;
    private final ConcurrentHashMap<Long, Backing> byNode = new ConcurrentHashMap<>();
    /** The node of each open answered with a backing id, by handle. */
    private final ConcurrentHashMap<Long, Long> nodeOfHandle = new ConcurrentHashMap<>();

    /** A registration and how many answered opens name it. */
    private static final class Backing {
        final int id;
        int opens;

        Backing(int id) {
            this.id = id;
        }
    }

    BackingFiles(Device device) {
        this.device = device;
    }

    /** INIT agreed on passthrough. */
    void enable() {
        usable = true;
    }

    /**
     * The backing id that the open {@code handle} of {@code node} is answered with, counted
     * until its release; 0 when it is answered without one. {@code versionFd} is the node's
     * version the handle is open on, or -1 for a handle that is not (it names the node's
     * registration only when there is one).
     */
    int open(long node, long handle, int versionFd) {
        if (!usable) {
            return 0;
        }
        Backing backing = byNode.compute(node, (key, current) -> {
            Backing counted = current != null ? current : versionFd < 0 ? null : register(versionFd);
            if (counted != null) {
                counted.opens++;
            }
            return counted;
        });
        if (backing == null) {
            return 0;
        }
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
            device.closeBacking(backing.id);
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
        int id = device.openBacking(versionFd);
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
