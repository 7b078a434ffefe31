package dev.dxfs.fs;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.FileInfo;
import dev.dxfs.fuse.Names;
import dev.dxfs.fuse.Request;
import dev.dxfs.policy.OpenFlags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handle's life with the kernel: given its number and what the transport may do with it at
 * open, flushed at each close, released at the last, where a staged write publishes, and dropped
 * unpublished when its open never reached the caller or the mount goes away. A handle pins its
 * node for as long as it lives.
 */
final class FileHandles {
    private static final Logger LOG = LoggerFactory.getLogger(FileHandles.class);
    /** Why a handle that its open never delivered to the caller is dropped. */
    private static final String NOT_DELIVERED = "its open failed before it reached the caller";

    private final HandleTable table;
    private final NodeTable nodes;
    private final PendingReleases pendingReleases;
    private final Invalidations invalidations;
    private final KilledWriters killedWriters;
    private final MountStats stats;

    FileHandles(HandleTable table, NodeTable nodes, PendingReleases pendingReleases, Invalidations invalidations,
            KilledWriters killedWriters, MountStats stats) {
        this.table = table;
        this.nodes = nodes;
        this.pendingReleases = pendingReleases;
        this.invalidations = invalidations;
        this.killedWriters = killedWriters;
        this.stats = stats;
    }

    /**
     * Gives the handle its number. Direct I/O keeps every handle's data out of the page cache
     * that the kernel shares between all handles of a node; only an exec needs it (the kernel
     * maps the program from it). A handle open on the node's version (a reader's, an exec's, an
     * appender's) names that file to the transport, which may let the kernel read and map it
     * itself (a handle that writes keeps its writes with the daemon).
     */
    long register(FileInfo fi, OpenFile file) {
        if (file instanceof StagedWrite staged) {
            noteRunningVersion(staged);
        } else if (file instanceof PlainFile plain && plain.writes() && OpenFlags.truncates(fi.flags())) {
            // Truncated in place by its open: the kernel drops the size it keeps of this node only.
            invalidations.changedThrough(file.node());
        }
        long id = table.add(file);
        nodes.pin(file.node());
        fi.handle(id);
        if (file instanceof PlainFile plain && plain.versionFd() >= 0) {
            fi.passThrough(plain.versionFd(), plain.writes());
        }
        if (file instanceof PlainFile plain && !plain.writes()) {
            fi.nothingToFlush();
        }
        if (!(file instanceof PlainFile plain && plain.executes())) {
            fi.directIo();
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("open {} flags {} as {} (handle {})", file.node(), Integer.toOctalString(fi.flags()), file, id);
        }
        return id;
    }

    /**
     * A writer of a name that a program runs from: natively its open fails with ETXTBSY. Here it
     * got a node of its own at lookup (an executable's name is never shared), which is logged with
     * the path so that the log shows every such save. Called with no node's monitor held: it
     * takes those of the name's other nodes, and two writers holding their own would deadlock.
     */
    private void noteRunningVersion(StagedWrite write) {
        Node node = write.node();
        Binding binding = nodes.binding(node);
        if (binding == null) {
            return;
        }
        for (Node other : nodes.boundTo(binding.parent(), binding.name())) {
            if (other != node && other.isExecuting()) {
                stats.preventedTextBusy();
                LOG.info("ETXTBSY prevented: {} is replaced while a program runs from it ({}); the writer has {}",
                        Names.text(String.valueOf(nodes.path(node))), other, node);
                return;
            }
        }
    }

    private static void dropQuietly(OpenFile file, String why) {
        if (file == null) {
            return;
        }
        if (file instanceof StagedWrite staged) {
            staged.drop(why);
        }
        file.node().remove(file);
        try {
            file.release();
        } catch (FsException | RuntimeException e) {
            LOG.debug("release of an unused handle failed: {}", e.toString());
        } finally {
            if (file instanceof StagedWrite staged) {
                staged.releaseDone();
            }
        }
    }

    void flush(Request req, FileInfo fi) throws FsException {
        OpenFile file = table.get(fi.handle());
        if (file instanceof StagedWrite staged && staged.holdsChanges()) {
            staged.closedBy(req.unique(), killedWriters.closedForKilled(req.tid()));
            // This close may be the writer's last: what the closer does next looks the name
            // up again, and so waits for the publish (see PendingReleases).
            invalidations.nameChanged(nodes.binding(staged.node()));
            // Its publish will take a link from the version the file's other names hold: they
            // are asked for afresh, and wait for it too.
            invalidations.changedThrough(staged.node());
        }
        file.flush();
        req.ok();
    }

    void release(Request req, FileInfo fi) throws FsException {
        OpenFile file = table.remove(fi.handle());
        if (file instanceof StagedWrite staged) {
            pendingReleases.awaitEarlier(staged);
        }
        try {
            if (file != null) {
                Binding published = file.release();
                StagedWrite staged = file instanceof StagedWrite write ? write : null;
                invalidations.publishedInto(file.node(), published, staged != null && staged.publishedNewName(),
                        staged != null && staged.publishedARewrite());
                boolean ownNode = published != null && staged != null && staged.publishedOwnNode();
                invalidations.released(file.node(), published != null && !ownNode, file.nodeGivenSinceOpen());
            }
        } finally {
            if (file instanceof StagedWrite staged) {
                pendingReleases.done(staged);
                staged.releaseDone();
            }
            if (file != null) {
                nodes.unpin(file.node());
            }
        }
        req.ok();
    }

    /** The RELEASE of handle {@code fh} is received: a staged write's publish is now pending. */
    void releaseQueued(long fh) {
        OpenFile file = table.find(fh);
        if (file != null) {
            file.closedByKernel();
        }
        if (file instanceof StagedWrite staged) {
            pendingReleases.queued(staged);
        }
    }

    /** Handle {@code id} of {@code node} was registered for an open whose answer never reached the caller. */
    void undelivered(long id, Node node) {
        dropQuietly(table.remove(id), NOT_DELIVERED);
        nodes.unpin(node);
    }

    /** A handle opened for an open whose answer never reached the caller, before it was registered. */
    static void dropUndelivered(OpenFile file) {
        dropQuietly(file, NOT_DELIVERED);
    }

    /**
     * Called once the mount is gone: drops every open write without publishing it (a writer cut
     * off mid-write must not publish a partial file).
     */
    void dropAll() {
        for (OpenFile file : table.removeAll()) {
            dropQuietly(file, "it was still open when the mount went away (a forced unmount, or the daemon "
                    + "was stopped); the file keeps its last published version");
        }
    }
}
