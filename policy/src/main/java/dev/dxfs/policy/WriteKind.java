package dev.dxfs.policy;

/** How an open of a regular file is served. */
public enum WriteKind {
    /** No write access: the handle reads the published version it opened. */
    READ,
    /** Appends keep native semantics so that concurrent appenders (logs) all land. */
    APPEND,
    /** Writes outside the staged paths go straight to the published file. */
    UNSTAGED,
    /** The content is replaced: the private temp file starts empty. */
    REWRITE,
    /** An in-place edit: the private temp file starts as a copy of the published version. */
    EDIT;

    public boolean staged() {
        return this == REWRITE || this == EDIT;
    }
}
