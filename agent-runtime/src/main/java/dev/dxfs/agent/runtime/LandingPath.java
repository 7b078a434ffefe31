package dev.dxfs.agent.runtime;

import dev.dxfs.policy.Commit;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;

/**
 * Where a write to a path lands, as the kernel resolves it: the real path of its directory (no
 * symlink, no {@code ..} left in it) and its name, after following a symlink at the name as
 * open(2) does, a dangling one too (a create makes the file it points to). Roots are compared
 * with this path, so that a root, or a path written, reached through a symlink is staged all
 * the same. What is at that name is kept from the lstat(2) that looks for a symlink there: a
 * staged open asks whether it exists, is a regular file, and whose and of what mode it is, and
 * asks no second time.
 */
final class LandingPath {
    /** Linux's limit on symlinks followed in one lookup (ELOOP past it). */
    private static final int MAX_LINKS = 40;
    private static final int TYPE_BITS = 0170000;
    private static final int REGULAR_FILE = 0100000;
    private static final int SYMBOLIC_LINK = 0120000;
    private static final int OTHER_TYPE = 0;
    private static final int PERMISSION_BITS = 07777;
    private static final int UNKNOWN = -1;

    private final Path path;
    /** The real path of the root it is below, or null. */
    private final Path root;
    /**
     * The lstat(2) of the name, its type bits in the mode; null when nothing is there. Owner,
     * group and permission bits only below a root: elsewhere the agent needs the type alone, and
     * a write outside the roots is spared the attribute map that carries them.
     */
    private final Commit.Attributes found;

    private LandingPath(Path path, Path root, Commit.Attributes found) {
        this.path = path;
        this.root = root;
        this.found = found;
    }

    /**
     * Where a write-open of {@code path} lands.
     *
     * @param followLink whether a symlink at the name is followed (an open); not for what replaces the name itself (a copy or move)
     * @throws IOException when the directory is missing, or the symlinks loop (the open then fails natively)
     */
    static LandingPath of(Path path, boolean followLink, RealRoots roots) throws IOException {
        Path named = path.toAbsolutePath();
        for (int links = 0; ; links++) {
            Path name = named.getFileName();
            if (name == null || name.toString().equals(".") || name.toString().equals("..")) {
                throw new FileSystemException(path.toString(), null, "Is a directory");
            }
            Path dir = named.getParent();
            Path root = roots.rootNamedBy(dir);
            Path landing;
            if (root != null && isRealBelow(dir, root)) {
                landing = dir.resolve(name);
            } else {
                landing = dir.toRealPath().resolve(name);
                root = roots.rootOf(landing);
            }
            Commit.Attributes found = root != null ? attributes(landing) : type(landing);
            if (!followLink || found == null || !isSymbolicLink(found)) {
                return new LandingPath(landing, root, found);
            }
            if (links == MAX_LINKS) {
                throw new FileSystemException(path.toString(), null, "Too many levels of symbolic links");
            }
            named = landing.getParent().resolve(Files.readSymbolicLink(landing));
        }
    }

    /**
     * Whether {@code dir}, named by the real path of {@code root}, is its own real path: the
     * directories below the root are not symlinks (one lstat(2) each, none for the root
     * itself). realpath(3) reads every component of the path, from {@code /}; the root's part is
     * its kept real path ({@link RealRoots}). Should a symlink be made on that while the JVM
     * runs, a write named by it is still staged, and its temp file and its publish are named by
     * the same text, so that they go where the kernel sends the write.
     */
    private static boolean isRealBelow(Path dir, Path root) {
        for (Path below = dir; !below.equals(root); below = below.getParent()) {
            String name = below.getFileName().toString();
            if (name.equals(".") || name.equals("..") || !isRealDirectory(below)) {
                // A symlink, or what only realpath(3) decides: a missing directory, a file, a `..`.
                return false;
            }
        }
        return true;
    }

    private static boolean isRealDirectory(Path dir) {
        try {
            return Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory();
        } catch (IOException e) {
            return false;
        }
    }

    /** The name's lstat(2), owner and mode with it; null when there is nothing, or nothing this JVM may look at (the open then decides). */
    private static Commit.Attributes attributes(Path landing) {
        try {
            Map<String, Object> found = Files.readAttributes(landing, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
            return new Commit.Attributes((Integer) found.get("mode"), (Integer) found.get("uid"),
                    (Integer) found.get("gid"));
        } catch (IOException e) {
            return null;
        }
    }

    /** The name's lstat(2), its type alone; null as {@link #attributes}. */
    private static Commit.Attributes type(Path landing) {
        try {
            BasicFileAttributes found = Files.readAttributes(landing, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            int type = found.isSymbolicLink() ? SYMBOLIC_LINK : found.isRegularFile() ? REGULAR_FILE : OTHER_TYPE;
            return new Commit.Attributes(type, UNKNOWN, UNKNOWN);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isSymbolicLink(Commit.Attributes found) {
        return (found.mode() & TYPE_BITS) == SYMBOLIC_LINK;
    }

    Path path() {
        return path;
    }

    /** The real path of the root the write lands below, or null: it is not staged. */
    Path root() {
        return root;
    }

    /** Whether something is at the name (a symlink too, when it is not followed). */
    boolean exists() {
        return found != null;
    }

    /** Whether the name is a regular file; a symlink there (not followed) is asked of what it points to. */
    boolean isRegularFile() {
        return found != null
                && (isSymbolicLink(found) ? Files.isRegularFile(path) : (found.mode() & TYPE_BITS) == REGULAR_FILE);
    }

    /**
     * The permission bits, owner and group of what is at the name below a root, not followed;
     * null when nothing is there.
     */
    Commit.Attributes attributes() {
        if (root == null) {
            throw new IllegalStateException(path + " is below no root: its owner and mode were not read");
        }
        return found == null ? null : new Commit.Attributes(found.mode() & PERMISSION_BITS, found.uid(), found.gid());
    }
}
