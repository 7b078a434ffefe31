package dev.dxfs.agent.runtime;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a write to a path lands, as the kernel resolves it: the real path of its directory (no
 * symlink, no {@code ..} left in it) and its name, after following a symlink at the name as
 * open(2) does, a dangling one too (a create makes the file it points to). Roots are compared
 * with this path, so that a root, or a path written, reached through a symlink is staged all
 * the same.
 */
final class LandingPath {
    /** Linux's limit on symlinks followed in one lookup (ELOOP past it). */
    private static final int MAX_LINKS = 40;

    private LandingPath() {}

    /**
     * The path a write-open of {@code path} lands on.
     *
     * @param followLink whether a symlink at the name is followed (an open); not for what replaces the name itself (a copy or move)
     * @throws IOException when the directory is missing, or the symlinks loop (the open then fails natively)
     */
    static Path of(Path path, boolean followLink) throws IOException {
        Path named = path.toAbsolutePath();
        for (int links = 0; ; links++) {
            Path name = named.getFileName();
            if (name == null || name.toString().equals(".") || name.toString().equals("..")) {
                throw new FileSystemException(path.toString(), null, "Is a directory");
            }
            Path landing = named.getParent().toRealPath().resolve(name);
            if (!followLink || !Files.isSymbolicLink(landing)) {
                return landing;
            }
            if (links == MAX_LINKS) {
                throw new FileSystemException(path.toString(), null, "Too many levels of symbolic links");
            }
            named = landing.getParent().resolve(Files.readSymbolicLink(landing));
        }
    }

    /** The real path of a root, or null when it does not exist (nothing is written under it then). */
    static Path ofRoot(Path root) {
        try {
            return root.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }
}
