package dev.dxfs.policy;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.regex.PatternSyntaxException;

/**
 * The include and exclude globs that narrow which paths are staged. A path is staged when no
 * include glob is given or one matches, and no exclude glob matches. Globs use
 * {@link java.nio.file.FileSystem#getPathMatcher} syntax against the path relative to the
 * root; a glob without a slash is matched against the file name alone, as in .gitignore.
 */
public final class PathFilter {
    private static final PathFilter ALL = new PathFilter(List.of(), List.of());

    private final List<Glob> includes;
    private final List<Glob> excludes;

    private PathFilter(List<Glob> includes, List<Glob> excludes) {
        this.includes = includes;
        this.excludes = excludes;
    }

    public static PathFilter all() {
        return ALL;
    }

    /** Builds a filter; throws IllegalArgumentException naming the first glob that is not valid. */
    public static PathFilter of(List<String> includes, List<String> excludes) {
        if (includes.isEmpty() && excludes.isEmpty()) {
            // The usual case, made without streams: the agent builds it in every tool's start-up.
            return ALL;
        }
        return new PathFilter(
                includes.stream().map(Glob::new).toList(), excludes.stream().map(Glob::new).toList());
    }

    /** Whether writes to {@code relativePath} (no leading slash) are staged. */
    public boolean stages(String relativePath) {
        if (includes.isEmpty() && excludes.isEmpty()) {
            return true;
        }
        Path path = Path.of(relativePath);
        boolean included = includes.isEmpty() || includes.stream().anyMatch(g -> g.matches(path));
        return included && excludes.stream().noneMatch(g -> g.matches(path));
    }

    private static final class Glob {
        private final PathMatcher matcher;
        private final boolean nameOnly;

        Glob(String pattern) {
            if (pattern.isEmpty()) {
                throw new IllegalArgumentException("empty glob");
            }
            try {
                matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid glob '" + pattern + "': " + e.getDescription(), e);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("invalid glob '" + pattern + "': " + e.getMessage(), e);
            }
            nameOnly = !pattern.contains("/");
        }

        boolean matches(Path path) {
            Path subject = nameOnly ? path.getFileName() : path;
            return subject != null && matcher.matches(subject);
        }
    }
}
