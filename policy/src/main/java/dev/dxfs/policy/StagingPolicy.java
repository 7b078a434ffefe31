package dev.dxfs.policy;

/**
 * The one decision both adapters share: how an open of a regular file is served. Appends and
 * read-only opens keep native semantics; every other write goes to a private temp file that is
 * published by an atomic rename when the writer closes it.
 */
public final class StagingPolicy {
    private final PathFilter filter;

    public StagingPolicy(PathFilter filter) {
        this.filter = filter;
    }

    public static StagingPolicy stageEverything() {
        return new StagingPolicy(PathFilter.all());
    }

    /**
     * Classifies an open.
     *
     * @param relativePath the path relative to the root, without a leading slash
     * @param flags the open(2) flags
     * @param exists whether a published file is at that path now
     */
    public WriteKind classify(String relativePath, int flags, boolean exists) {
        if (!OpenFlags.writes(flags)) {
            return WriteKind.READ;
        }
        if (OpenFlags.appends(flags)) {
            return WriteKind.APPEND;
        }
        if (StagingArea.isInternal(relativePath) || !filter.stages(relativePath)) {
            return WriteKind.UNSTAGED;
        }
        return OpenFlags.truncates(flags) || !exists ? WriteKind.REWRITE : WriteKind.EDIT;
    }

    /** Whether a path-level truncate of {@code relativePath} is staged (and so atomic). */
    public boolean stagesTruncate(String relativePath) {
        return !StagingArea.isInternal(relativePath) && filter.stages(relativePath);
    }
}
