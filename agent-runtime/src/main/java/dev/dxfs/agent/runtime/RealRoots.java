package dev.dxfs.agent.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The roots by their real paths, which a write's {@link LandingPath} is compared with. A root is
 * resolved once, at the first write after it exists (a root made after the JVM started,
 * {@code target/}, is one from then on), not at every write: realpath(3) costs a system call
 * per component of the path, and was two fifths of what the agent added to a write outside
 * the roots.
 *
 * <p>What this keeps is a path, not a directory: a root removed and made again ({@code mvn
 * clean}) has the same real path, and is still this root. Only a change of what the root's
 * path resolves to while the JVM runs (a symlink on it made, removed or retargeted) leaves it
 * stale: the writes then landing under its new real path are written in place, as without the
 * agent, and those under its old one are still staged, each published at its own landing
 * path. No write is published anywhere but where it would have landed.
 */
final class RealRoots {
    private final List<Path> roots;
    /**
     * The real path of each root, null until it exists. Written without a lock: a thread that
     * sees null resolves the root again, and a Path's fields are final, so one seen is whole.
     */
    private final Path[] real;

    RealRoots(List<Path> roots) {
        this.roots = roots;
        this.real = new Path[roots.size()];
    }

    /** The real path of the root {@code landing} is below, or null. */
    Path rootOf(Path landing) {
        for (int i = 0; i < real.length; i++) {
            Path root = real[i];
            if (root == null) {
                root = resolve(roots.get(i));
                real[i] = root;
            }
            if (root != null && landing.startsWith(root) && !landing.equals(root)) {
                return root;
            }
        }
        return null;
    }

    /**
     * The real path of the root, the one {@link #rootOf} would answer, that {@code dir}'s text
     * names or starts with; null when there is none, or while a root is not resolved (it may be
     * the nearer one, and resolving it here would cost a root that does not exist a second
     * failed realpath(3) per write).
     */
    Path rootNamedBy(Path dir) {
        Path named = null;
        for (Path root : real) {
            if (root == null) {
                return null;
            }
            if (named == null && dir.startsWith(root)) {
                named = root;
            }
        }
        return named;
    }

    /** The real path of a root, or null when it does not exist (nothing is written under it then). */
    private static Path resolve(Path root) {
        try {
            return root.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }
}
