package dev.dxfs.agent.runtime;

import dev.dxfs.policy.PathFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's argument string: {@code root=DIR[,root=DIR2][,include=GLOB][,exclude=GLOB]
 * [,fsync=true][,strict=true][,log=info|debug]}. Without a root, the policy applies under
 * {@code ./target}. Options are separated by commas outside a glob's braces and brackets, so
 * that {@code include=*.{jar,war}} is one option.
 *
 * @param roots absolute, normalized directories whose files are staged
 * @param filter which paths below a root are staged
 * @param durable whether commits fsync the file and its directory
 * @param strict whether a write that cannot be staged fails at its open rather than going in place
 * @param debug whether every staged write and commit is reported on stderr
 */
public record AgentSettings(List<Path> roots, PathFilter filter, boolean durable, boolean strict, boolean debug) {
    /**
     * Parses {@code args} (null or empty for the defaults); relative roots are resolved against
     * {@code workingDirectory}.
     *
     * @throws IllegalArgumentException with a message fit for one line on stderr
     */
    public static AgentSettings parse(String args, Path workingDirectory) {
        List<Path> roots = new ArrayList<>();
        List<String> includes = new ArrayList<>();
        List<String> excludes = new ArrayList<>();
        boolean durable = false;
        boolean strict = false;
        boolean debug = false;
        for (String option : options(args)) {
            int equals = option.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("bad option '" + option + "': expected key=value");
            }
            String key = option.substring(0, equals).trim();
            String value = option.substring(equals + 1).trim();
            switch (key) {
                case "root" -> roots.add(directory(value, workingDirectory));
                case "include" -> includes.add(value);
                case "exclude" -> excludes.add(value);
                case "fsync" -> durable = bool(key, value);
                case "strict" -> strict = bool(key, value);
                case "log" -> debug = level(value);
                default -> throw new IllegalArgumentException("unknown option '" + key
                        + "': expected root, include, exclude, fsync, strict or log");
            }
        }
        if (roots.isEmpty()) {
            roots.add(workingDirectory.resolve("target").toAbsolutePath().normalize());
        }
        return new AgentSettings(List.copyOf(roots), PathFilter.of(includes, excludes), durable, strict, debug);
    }

    /** The options in {@code args}: split at the commas that are not inside braces or brackets. */
    private static List<String> options(String args) {
        List<String> options = new ArrayList<>();
        if (args == null || args.isBlank()) {
            return options;
        }
        int depth = 0;
        int start = 0;
        for (int i = 0; i < args.length(); i++) {
            switch (args.charAt(i)) {
                case '{', '[' -> depth++;
                case '}', ']' -> depth = Math.max(0, depth - 1);
                case ',' -> {
                    if (depth == 0) {
                        options.add(args.substring(start, i));
                        start = i + 1;
                    }
                }
                default -> { }
            }
        }
        options.add(args.substring(start));
        return options;
    }

    /** A root: any path but one that exists and is not a directory (it may be made later, as target/ is). */
    private static Path directory(String value, Path workingDirectory) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("root= needs a directory");
        }
        Path root = workingDirectory.resolve(value).toAbsolutePath().normalize();
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new IllegalArgumentException("root=" + value + ": not a directory");
        }
        return root;
    }

    private static boolean bool(String key, String value) {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + "=" + value + ": expected true or false");
        };
    }

    private static boolean level(String value) {
        return switch (value) {
            case "info" -> false;
            case "debug" -> true;
            default -> throw new IllegalArgumentException("log=" + value + ": expected info or debug");
        };
    }
}
