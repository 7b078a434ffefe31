package dev.dxfs.fs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The open handles, by FUSE file handle number, and the staged writes by target path. Name
 * changes (rename, unlink, detach) are applied here so that every handle keeps publishing to the
 * name its file has now, as a native file descriptor would follow its inode.
 */
final class HandleTable {
    private final ConcurrentHashMap<Long, OpenFile> byId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, List<StagedWrite>> stagedByTarget = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    long add(OpenFile file) {
        long id = ids.incrementAndGet();
        byId.put(id, file);
        if (file instanceof StagedWrite staged) {
            synchronized (this) {
                index(staged.target(), staged);
            }
        }
        return id;
    }

    OpenFile get(long id) throws FsException {
        OpenFile file = byId.get(id);
        if (file == null) {
            throw new FsException(Errno.EBADF, "unknown handle");
        }
        return file;
    }

    OpenFile remove(long id) {
        OpenFile file = byId.remove(id);
        if (file instanceof StagedWrite staged) {
            synchronized (this) {
                unindex(staged.target(), staged);
            }
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
        int count = 0;
        for (List<StagedWrite> list : stagedByTarget.values()) {
            count += list.size();
        }
        return count;
    }

    /** The staged writes that will publish to {@code path}. */
    List<StagedWrite> stagedFor(String path) {
        List<StagedWrite> list = stagedByTarget.get(path);
        return list == null ? List.of() : List.copyOf(list);
    }

    /** The staged writes to {@code path} of the calling process that hold unpublished changes. */
    List<StagedWrite> stagedByCaller(String path, int callerTid, Callers callers) {
        if (stagedByTarget.isEmpty()) {
            return List.of();
        }
        List<StagedWrite> mine = new ArrayList<>();
        for (StagedWrite staged : stagedFor(path)) {
            if (staged.unpublished() && staged.openedBy(callerTid, callers)) {
                mine.add(staged);
            }
        }
        return mine;
    }

    /** The handles whose node libfuse knows by {@code path}. */
    List<OpenFile> onNode(String path) {
        return select(file -> path.equals(file.nodePath()));
    }

    /**
     * Whether an open would make its node serve two versions. The kernel keeps one page cache
     * and one size per node, shared by all its handles (splice and mmap read through it even
     * with direct I/O), so a node may serve several readers of one backing version, or several
     * writers, but never readers and writers together, nor readers of two versions.
     *
     * @param stagedWriter whether the opener is a staged write
     * @param ino the backing inode a plain opener serves (ignored for writers)
     */
    boolean wouldMixVersions(String path, boolean stagedWriter, long ino) {
        for (OpenFile file : byId.values()) {
            if (!path.equals(file.nodePath())) {
                continue;
            }
            if (file instanceof PlainFile plain ? stagedWriter || plain.ino() != ino : !stagedWriter) {
                return true;
            }
        }
        return false;
    }

    /** Whether every handle on the node at {@code path} is a staged write. */
    boolean onlyWritersOn(String path) {
        for (OpenFile file : byId.values()) {
            if (path.equals(file.nodePath()) && !(file instanceof StagedWrite)) {
                return false;
            }
        }
        return true;
    }

    /** libfuse renamed a node: the handles on it, and on nodes below it, follow. */
    void nodeRenamed(String from, String to) {
        for (OpenFile file : byId.values()) {
            String moved = rebase(file.nodePath(), from, to);
            if (moved != null) {
                file.moveNode(moved);
            }
        }
    }

    /** libfuse dropped the name of a node (unlink, or rename over it): its handles have no path. */
    void nodeRemoved(String path) {
        for (OpenFile file : onNode(path)) {
            file.moveNode(null);
        }
    }

    /**
     * A name was replaced or removed by someone other than a commit: staged writes to it were
     * writing a file that no longer has a name, so they will not publish, and they no longer
     * stand for the name (not even for their own process).
     */
    void nameRemoved(String path) {
        for (StagedWrite staged : stagedFor(path)) {
            staged.orphan();
            synchronized (this) {
                unindex(path, staged);
            }
        }
    }

    /** A file or directory was renamed: staged writes below it publish to the new name. */
    void targetRenamed(String from, String to) {
        for (OpenFile file : byId.values()) {
            if (file instanceof StagedWrite staged) {
                synchronized (this) {
                    String moved = rebase(staged.target(), from, to);
                    if (moved != null) {
                        unindex(staged.target(), staged);
                        staged.retarget(moved);
                        index(moved, staged);
                    }
                }
            }
        }
    }

    private List<OpenFile> select(Predicate<OpenFile> which) {
        List<OpenFile> selected = new ArrayList<>();
        for (OpenFile file : byId.values()) {
            if (which.test(file)) {
                selected.add(file);
            }
        }
        return selected;
    }

    /** {@code path} with its prefix {@code from} replaced by {@code to}, or null if not below. */
    static String rebase(String path, String from, String to) {
        if (path == null) {
            return null;
        }
        if (path.equals(from)) {
            return to;
        }
        if (path.startsWith(from) && path.charAt(from.length()) == '/' && !from.equals("/")) {
            return to + path.substring(from.length());
        }
        return null;
    }

    private void index(String path, StagedWrite staged) {
        stagedByTarget.compute(path, (key, list) -> {
            List<StagedWrite> updated = list == null ? new ArrayList<>() : new ArrayList<>(list);
            updated.add(staged);
            return updated;
        });
    }

    private void unindex(String path, StagedWrite staged) {
        stagedByTarget.computeIfPresent(path, (key, list) -> {
            List<StagedWrite> updated = new ArrayList<>(list);
            updated.remove(staged);
            return updated.isEmpty() ? null : updated;
        });
    }
}
