package dev.dxfs.agent.runtime;

import dev.dxfs.policy.PathFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's argument string: {@code root=DIR[,root=DIR2][,include=GLOB][,exclude=GLOB]
 * [,fsync=true][,log=info|debug]}. Without a root, the policy applies under {@code ./target}.
 *
 * @param roots absolute, normalized directories whose files are staged
 * @param filter which paths below a root are staged
 * @param durable whether commits fsync the file and its directory
 * @param debug whether every staged write and commit is reported on stderr
 */
public record AgentSettings(List<Path> roots, PathFilter filter, boolean durable, boolean debug) {
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
        boolean debug = false;
        for (String option : args == null || args.isBlank() ? new String[0] : args.split(",")) {
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
                case "log" -> debug = level(value);
                default -> throw new IllegalArgumentException("unknown option '" + key
                        + "': expected root, include, exclude, fsync or log");
            }
        }
        if (roots.isEmpty()) {
            roots.add(workingDirectory.resolve("target").toAbsolutePath().normalize());
        }
        return new AgentSettings(List.copyOf(roots), PathFilter.of(includes, excludes), durable, debug);
    }

    private static Path directory(String value, Path workingDirectory) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("root= needs a directory");
        }
        return workingDirectory.resolve(value).toAbsolutePath().normalize();
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
