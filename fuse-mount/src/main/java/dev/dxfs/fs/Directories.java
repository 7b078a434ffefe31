package dev.dxfs.fs;

import static dev.dxfs.fs.FsException.check;
import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fuse.FileInfo;
import dev.dxfs.fuse.Request;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Pointer;

/**
 * Open directories and what is read of the backing directory as a whole: a directory's entries
 * (without the staging directory), its sync, the filesystem's figures. A listing is read once per
 * pass, after the releases of writes in the directory are done, so that it shows what its writers
 * published.
 */
final class Directories {
    private static final int STATVFS_SIZE = 112;

    private final NodeTable nodes;
    private final PendingReleases pendingReleases;
    private final BackingDir backing;
    private final Map<Long, Listing> listings = new ConcurrentHashMap<>();
    private final AtomicLong listingIds = new AtomicLong();

    Directories(NodeTable nodes, PendingReleases pendingReleases, BackingDir backing) {
        this.nodes = nodes;
        this.pendingReleases = pendingReleases;
        this.backing = backing;
    }

    /** An open directory: its entries, read at the first readdir and again after a rewind. */
    private static final class Listing {
        final Node dir;
        List<BackingDir.Entry> entries = List.of();

        Listing(Node dir) {
            this.dir = dir;
        }
    }

    void opendir(Request req, long ino, FileInfo fi) throws FsException {
        long id = listingIds.incrementAndGet();
        listings.put(id, new Listing(nodes.get(ino)));
        fi.handle(id);
        req.open(fi);
    }

    void readdir(Request req, long size, long offset, FileInfo fi) throws FsException {
        Listing listing = listings.get(fi.handle());
        if (listing == null) {
            throw new FsException(Errno.EBADF, "unknown directory handle");
        }
        if (offset == 0) {
            pendingReleases.awaitNode(listing.dir);
            listing.entries = backing.visibleEntries(listing.dir);
        }
        List<BackingDir.Entry> entries = listing.entries;
        Request.DirectoryPage page = req.page(size);
        for (int i = (int) offset; i < entries.size(); i++) {
            BackingDir.Entry entry = entries.get(i);
            if (!page.add(entry.name(), entry.ino(), entry.type(), i + 1)) {
                break;
            }
        }
        page.reply();
    }

    void releasedir(Request req, FileInfo fi) {
        listings.remove(fi.handle());
        req.ok();
    }

    void fsyncdir(Request req, long ino, boolean dataOnly) throws FsException {
        int fd = BackingDir.openDirectory(nodes.get(ino).fd);
        try {
            check(dataOnly ? C.fdatasync(fd) : C.fsync(fd), "fsyncdir");
        } finally {
            C.close(fd);
        }
        req.ok();
    }

    void statfs(Request req) throws FsException {
        Pointer statvfs = Request.allocate(STATVFS_SIZE);
        check(C.fstatvfs(backing.rootFd(), statvfs), "statfs");
        req.statfs(statvfs);
    }
}
