package dev.dxfs.nativetests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The backing directory underneath a mount, as the daemon sees it: a process parked in the
 * directory before the mount keeps it as its working directory, and {@code /proc/PID/cwd} leads
 * there past the mount, even a stale one. So a test can look at the staging directory and the
 * published files without going through dxfs.
 */
final class BackingView implements AutoCloseable {
    /** How /proc shows a file without a name: its directory, then "#" and its inode number. */
    private static final Pattern UNNAMED = Pattern.compile("/.*/#\\d+ \\(deleted\\)");
    private final Process parked;

    private BackingView(Process parked) {
        this.parked = parked;
    }

    /** Parks a process in {@code dir}, which must not be mounted over yet. */
    static BackingView of(Path dir) {
        return new BackingView(Unchecked.call(() -> new ProcessBuilder("sleep", "3600").directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start()));
    }

    /** The backing directory. */
    Path dir() {
        return Path.of("/proc", Long.toString(parked.pid()), "cwd");
    }

    /** The names in the root's staging directory (temp files); empty when it does not exist. */
    List<String> stagedTempFiles() {
        Path staging = dir().resolve(".dxfs");
        if (!Files.isDirectory(staging)) {
            return List.of();
        }
        return Unchecked.call(() -> {
            try (Stream<Path> files = Files.list(staging)) {
                return files.map(file -> file.getFileName().toString()).sorted().toList();
            }
        });
    }

    /**
     * The temp files process {@code pid} holds open without a name (O_TMPFILE), one path each
     * through its descriptors in /proc; each is there while its write is open, until its publish.
     */
    static List<Path> unnamedTempFiles(long pid) {
        Map<String, Path> byTarget = new TreeMap<>();
        List<Path> fds = Unchecked.call(() -> {
            try (Stream<Path> list = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                return list.toList();
            }
        });
        for (Path fd : fds) {
            try {
                String target = Files.readSymbolicLink(fd).toString();
                if (UNNAMED.matcher(target).matches()) {
                    byTarget.putIfAbsent(target, fd);
                }
            } catch (IOException closedMeanwhile) {
                // Not one of the files looked for: those stay open.
            }
        }
        return List.copyOf(byTarget.values());
    }

    @Override
    public void close() {
        Spawned.destroy(parked);
    }
}
