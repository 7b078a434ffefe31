package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The per-user class-data archive that ./dxfs maps on the system's JDK (docs/design.md,
 * "Start-up"): the first mount makes it, with the classes that its two JVMs loaded, and removes
 * those of jars that are gone, the next daemon maps it, and one the JVM cannot use changes
 * nothing a user sees.
 */
class ClassDataArchiveTest {

    @Test
    void theFirstMountMakesItFromWhatItLoadedAndClearsOrphansTheNextDaemonMapsItAndAnUnusableOneIsIgnored()
            throws Exception {
        try (MountedDir m = MountedDir.create("class-data")) {
            Path cache = m.scratch().resolve("cache");
            Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString());
            // The archive of a jar that is gone (a deleted tarball), as a mount made it.
            Path orphan = Files.createDirectories(cache.resolve("dxfs")).resolve("classes-0123456789abcdef.jsa");
            Files.writeString(orphan, "an archive");
            Path orphanList = orphan.resolveSibling(orphan.getFileName() + ".classlist");
            Files.writeString(orphanList, "# jar: " + m.scratch().resolve("gone/lib/dxfs.jar") + "\njava/lang/Object\n");
            // A command before the first mount records the classes it loads, and removes the record.
            run(env, "--version").ok();
            assertThat(records(cache.resolve("dxfs"))).as("records of loaded classes left by dxfs --version").isEmpty();
            mountAndUnmount(m.dir(), env);

            Path archive = awaitArchive(cache.resolve("dxfs"));
            assertThat(Files.readString(archive.resolveSibling(archive.getFileName() + ".classlist")))
                    .as("the lambdas that the command line and the daemon made until the mount was live")
                    .contains("@lambda-proxy dev/dxfs/mount/Mounter ", "@lambda-proxy dev/dxfs/mount/Daemon ");
            assertThat(records(cache.resolve("dxfs"))).as("records of loaded classes left by the first mount").isEmpty();
            assertThat(orphan).as("the archive of a jar that is gone").doesNotExist();
            assertThat(orphanList).doesNotExist();
            run(env, "mount", "--transport", Dxfs.TRANSPORT, m.dir().toString()).ok();
            assertThat(Files.readString(Path.of("/proc", Long.toString(Dxfs.daemonPid(m.dir())), "maps")))
                    .as("the daemon maps the archive").contains(archive.toString());
            run(env, "unmount", m.dir().toString()).ok();

            // What a disk error or another program might leave under the archive's name.
            Files.writeString(archive, "not a class-data archive");
            mountAndUnmount(m.dir(), env);
        }
    }

    /** Mounts, checks that the status is JSON alone, unmounts. */
    private static void mountAndUnmount(Path dir, Map<String, String> env) {
        Run mount = run(env, "mount", "--transport", Dxfs.TRANSPORT, dir.toString()).ok();
        assertThat(mount.out().trim()).isEqualTo("dxfs: mounted over " + dir);
        assertThat(Dxfs.isMounted(dir)).isTrue();
        assertThat(run(env, "status", dir.toString()).ok().out()).startsWith("{\"mountpoint\":").endsWith("}\n");
        run(env, "unmount", dir.toString()).ok();
    }

    private static Run run(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(Dxfs.LAUNCHER.toString()));
        command.addAll(List.of(args));
        return Run.of(command, null, env, Run.DEFAULT_TIMEOUT);
    }

    /** The records of loaded classes in the cache directory. */
    private static List<String> records(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".loaded")).toList();
        }
    }

    /** The archive, once it has been made in the background (a few seconds of one CPU). */
    private static Path awaitArchive(Path dir) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    List<Path> archives = files.filter(file -> file.getFileName().toString().endsWith(".jsa")).toList();
                    if (!archives.isEmpty()) {
                        return archives.get(0);
                    }
                }
            }
            Pause.of(200);
        }
        throw new AssertionError("no class-data archive in " + dir + " within 3 minutes of the first mount");
    }
}
