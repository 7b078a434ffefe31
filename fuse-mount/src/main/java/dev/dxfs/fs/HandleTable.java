package dev.dxfs.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The open handles by FUSE file handle number; each is also listed on its node, where the
 * one-version rule is checked.
 */
final class HandleTable {
    private final ConcurrentHashMap<Long, OpenFile> byId = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    long add(OpenFile file) {
        long id = ids.incrementAndGet();
        byId.put(id, file);
        file.node().add(file);
        return id;
    }

    OpenFile get(long id) throws FsException {
        OpenFile file = byId.get(id);
        if (file == null) {
            throw new FsException(Errno.EBADF, "unknown handle");
        }
        return file;
    }

    /** The handle numbered {@code id}, or null. */
    OpenFile find(long id) {
        return byId.get(id);
    }

    OpenFile remove(long id) {
        OpenFile file = byId.remove(id);
        if (file != null) {
            file.node().remove(file);
        }
        return file;
    }

    /** Takes every handle out of the table (the daemon is stopping). */
    List<OpenFile> removeAll() {
        List<OpenFile> removed = new ArrayList<>();
        for (Long id : byId.keySet()) {
            OpenFile file = remove(id);
            if (file != null) {
                removed.add(file);
            }
        }
        return removed;
    }

    int stagedCount() {
        return (int) byId.values().stream().filter(StagedWrite.class::isInstance).count();
    }
}
