package dev.dxfs.agent.runtime;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Where a write to a path lands, as the kernel resolves it: the real path of its directory (no
 * symlink, no {@code ..} left in it) and its name, after following a symlink at the name as
 * open(2) does, a dangling one too (a create makes the file it points to). Roots are compared
 * with this path, so that a root, or a path written, reached through a symlink is staged all
 * the same. What is at that name is kept from the lstat(2) that looks for a symlink there: a
 * staged open asks whether it exists and is a regular file, and asks no second time.
 */
final class LandingPath {
    /** Linux's limit on symlinks followed in one lookup (ELOOP past it). */
    private static final int MAX_LINKS = 40;

    private final Path path;
    /** What is at the name, not followed; null when nothing is. */
    private final BasicFileAttributes found;

    private LandingPath(Path path, BasicFileAttributes found) {
        this.path = path;
        this.found = found;
    }

    /**
     * Where a write-open of {@code path} lands.
     *
     * @param followLink whether a symlink at the name is followed (an open); not for what replaces the name itself (a copy or move)
     * @throws IOException when the directory is missing, or the symlinks loop (the open then fails natively)
     */
    static LandingPath of(Path path, boolean followLink) throws IOException {
        Path named = path.toAbsolutePath();
        for (int links = 0; ; links++) {
            Path name = named.getFileName();
            if (name == null || name.toString().equals(".") || name.toString().equals("..")) {
                throw new FileSystemException(path.toString(), null, "Is a directory");
            }
            Path landing = named.getParent().toRealPath().resolve(name);
            BasicFileAttributes found = attributes(landing);
            if (!followLink || found == null || !found.isSymbolicLink()) {
                return new LandingPath(landing, found);
            }
            if (links == MAX_LINKS) {
                throw new FileSystemException(path.toString(), null, "Too many levels of symbolic links");
            }
            named = landing.getParent().resolve(Files.readSymbolicLink(landing));
        }
    }

    /** The name's lstat(2); null when there is nothing, or nothing this JVM may look at (the open then decides). */
    private static BasicFileAttributes attributes(Path landing) {
        try {
            return Files.readAttributes(landing, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    Path path() {
        return path;
    }

    /** Whether something is at the name (a symlink too, when it is not followed). */
    boolean exists() {
        return found != null;
    }

    /** Whether the name is a regular file; a symlink there (not followed) is asked of what it points to. */
    boolean isRegularFile() {
        return found != null && (found.isSymbolicLink() ? Files.isRegularFile(path) : found.isRegularFile());
    }
}
