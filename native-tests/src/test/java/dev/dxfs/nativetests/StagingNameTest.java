package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The name dxfs gives its hidden staging directory, {@code .dxfs}, may already be a user's in the
 * directory it mounts over: a directory (with something in it named like a temp file of dxfs's),
 * a file, a symlink. dxfs never takes it or changes it: through the mount it is there exactly as
 * in a plain directory with the same files, writes through the mount work, and after an
 * unmount, or the unmount of a stale mount whose daemon was killed, it is there byte for byte,
 * with its mode, owner and times, and nothing of dxfs's is left beside it.
 */
class StagingNameTest {
    /** What the user has at {@code .dxfs}. */
    enum Users {
        /** A directory of the user's, 0755, holding a file named as dxfs names its temp files. */
        DIRECTORY,
        /** An empty directory, 0700: it looks most like a staging directory. */
        EMPTY_PRIVATE_DIRECTORY,
        /** A file, 0640. */
        FILE,
        /** A symlink to a file beside it. */
        SYMLINK
    }

    @ParameterizedTest
    @EnumSource(Users.class)
    void aUsersDotDxfsIsLeftAsItIsAndShowsThroughTheMount(Users users) throws Exception {
        try (MountedDir plain = MountedDir.create("staging-name-plain");
                MountedDir mounted = MountedDir.create("staging-name")) {
            plant(users, plain.dir());
            plant(users, mounted.dir());
            String before = tree(plain.dir());
            assertThat(tree(mounted.dir())).as("the same files").isEqualTo(before);

            try (BackingView backing = BackingView.of(mounted.dir())) {
                mounted.mount();
                assertThat(tree(mounted.dir())).as("through the mount").isEqualTo(before);
                String seen = write(plain.dir());
                assertThat(write(mounted.dir())).as("reads and a listing through the mount").isEqualTo(seen);
                String written = tree(plain.dir());
                assertThat(tree(mounted.dir())).as("through the mount, after writes").isEqualTo(written);
                assertThat(names(backing.dir())).as("the backing directory: dxfs stages under the next name")
                        .contains(".dxfs", ".dxfs.1");

                mounted.unmount();
                assertThat(tree(mounted.dir())).as("after the unmount").isEqualTo(written);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Users.class)
    void theUnmountOfAStaleMountLeavesAUsersDotDxfsAsItIs(Users users) throws Exception {
        try (MountedDir plain = MountedDir.create("staging-name-stale-plain");
                MountedDir mounted = MountedDir.create("staging-name-stale")) {
            plant(users, plain.dir());
            plant(users, mounted.dir());
            mounted.mount();
            assertThat(write(mounted.dir())).as("reads and a listing through the mount").isEqualTo(write(plain.dir()));
            assertThat(tree(mounted.dir())).as("through the mount, after writes").isEqualTo(tree(plain.dir()));
            long pid = mounted.statusField("pid");
            ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
            Run.of(List.of("kill", "-KILL", Long.toString(pid))).ok();
            daemon.onExit().get(15, TimeUnit.SECONDS);

            Run cleared = Dxfs.run("unmount", mounted.dir().toString()).ok();
            assertThat(cleared.err()).startsWith("dxfs: cleared a stale mount of ");
            assertThat(tree(mounted.dir())).as("after the stale mount is cleared").isEqualTo(tree(plain.dir()));
        }
    }

    /** The user's files: {@code .dxfs}, and a file {@code f}; the times of what is at .dxfs fixed. */
    private static void plant(Users users, Path dir) throws IOException {
        Files.writeString(dir.resolve("f"), "a\n");
        Path staging = dir.resolve(".dxfs");
        switch (users) {
            case DIRECTORY -> {
                Files.createDirectory(staging);
                Files.writeString(staging.resolve("mount.1.abc.1.tmp"), "the user's own\n");
                Files.writeString(staging.resolve("notes"), "notes\n");
                Run.of(List.of("chmod", "755", staging.toString())).ok();
                touch(staging.resolve("mount.1.abc.1.tmp"));
                touch(staging.resolve("notes"));
            }
            case EMPTY_PRIVATE_DIRECTORY -> {
                Files.createDirectory(staging);
                Run.of(List.of("chmod", "700", staging.toString())).ok();
            }
            case FILE -> {
                Files.writeString(staging, "a file of the user's\n");
                Run.of(List.of("chmod", "640", staging.toString())).ok();
            }
            case SYMLINK -> Files.createSymbolicLink(staging, Path.of("f"));
        }
        touch(staging);
    }

    private static void touch(Path path) {
        Run.of(List.of("touch", "-h", "-d", "2001-02-03 04:05:06.789", path.toString())).ok();
    }

    /**
     * Writes through the directory: a rewrite, a new file, a read of what is at .dxfs; returns
     * what the reads and a listing saw.
     */
    private static String write(Path dir) {
        return Run.of(List.of("sh", "-c", "printf 'b\\n' > f && printf 'new\\n' > g && { cat .dxfs/notes .dxfs; ls -a; } 2>&1"),
                dir, Map.of(), Run.DEFAULT_TIMEOUT).out();
    }

    /**
     * Every entry under {@code dir}: its name, type, mode, owner, size, and its content or link
     * target; with its times for what is at .dxfs.
     */
    private static String tree(Path dir) throws IOException {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted().toList()) {
                Path relative = dir.relativize(path);
                Map<String, Object> stat = Files.readAttributes(path, "unix:mode,uid,gid,size,lastModifiedTime",
                        LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) stat.get("mode");
                out.append(relative).append(' ').append(Integer.toOctalString(mode)).append(' ')
                        .append(stat.get("uid")).append(':').append(stat.get("gid"));
                if (relative.startsWith(".dxfs")) {
                    out.append(' ').append(stat.get("lastModifiedTime"));
                }
                if (Files.isSymbolicLink(path)) {
                    out.append(" -> ").append(Files.readSymbolicLink(path));
                } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    out.append(' ').append(stat.get("size")).append(' ')
                            .append(new String(Files.readAllBytes(path), StandardCharsets.UTF_8).replace("\n", "\\n"));
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static List<String> names(Path dir) {
        return Unchecked.call(() -> {
            try (Stream<Path> list = Files.list(dir)) {
                return list.map(path -> path.getFileName().toString()).sorted().toList();
            }
        });
    }
}
